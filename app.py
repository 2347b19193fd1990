"""Launch the Outcomes Coach web app:  python app.py [--port N] [--host 127.0.0.1]"""

from __future__ import annotations

import argparse
import sys

import coach  # noqa: F401  - the offline guarantees, before gradio is imported
from coach.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(description="Outcomes Coach web app")
    parser.add_argument("--port", type=int, default=settings.app.port, help="default: COACH_PORT or 7860")
    parser.add_argument("--host", default=settings.app.host, help="default: 127.0.0.1")
    args = parser.parse_args(argv)

    import threading

    from coach.service import CoachService

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    service = CoachService(settings)
    # Warm up (coder, personas, index) while Gradio imports: both take seconds, and the
    # model work releases the GIL, so they overlap on two cores.
    timing: dict[str, float] = {}
    warm = threading.Thread(
        target=lambda: timing.setdefault("s", service.warm_up(progress=lambda m: print(m, flush=True)))
    )
    warm.start()
    from coach.ui import build_app, launch_kwargs

    warm.join()
    if "s" not in timing:
        print("Start-up failed; see the error above.", file=sys.stderr)
        return 1
    print(f"Ready in {timing['s']:.1f} s. Data: {settings.data_dir}", flush=True)
    if not service.store.list_users():
        print("\nNo accounts yet. Create one in another terminal, then sign in:\n"
              "    .venv/bin/coach users add YOUR-NAME --role trainee\n", flush=True)
    app = build_app(service, export_dir=settings.data_dir / "exports")
    print(f"Open http://{args.host}:{args.port} in your browser (Ctrl+C to stop).", flush=True)
    app.launch(**launch_kwargs(args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
