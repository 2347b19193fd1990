"""Launch the Outcomes Coach web app:  python app.py [--port N] [--host 127.0.0.1]"""

from __future__ import annotations

import argparse
import os
import sys

import coach  # noqa: F401  - the offline guarantees, before gradio is imported
from coach.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(description="Outcomes Coach web app")
    parser.add_argument("--port", type=int, default=settings.app.port, help="default: COACH_PORT or 7860")
    parser.add_argument("--host", default=settings.app.host, help="default: 127.0.0.1")
    args = parser.parse_args(argv)

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Anything Gradio caches stays in the app's own data directory, not a /tmp/gradio
    # shared by every app and user on the machine (read when gradio is imported).
    os.environ.setdefault("GRADIO_TEMP_DIR", str(settings.data_dir / "tmp" / "gradio"))

    from coach.service import CoachService

    service = CoachService(settings)
    if not service.store.list_users():
        print("\nNo accounts yet. Create one in another terminal, then sign in:\n"
              "    .venv/bin/coach users add YOUR-NAME --role trainee\n", flush=True)

    from coach.ui.web import serve

    def ready(seconds: float) -> None:
        for notice in service.parts.notices:
            print(notice, flush=True)
        print(f"Ready in {seconds:.1f} s. Data: {settings.data_dir}", flush=True)

    serve(service, args.host, args.port, sign_in_hours=settings.app.sign_in_hours,
          on_ready=ready)
    return 0


if __name__ == "__main__":
    sys.exit(main())
