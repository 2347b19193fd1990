"""Start the real web app (``python app.py``) in a subprocess on 127.0.0.1 for tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def coach_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update({"COACH_DATA_DIR": str(data_dir), **extra})
    return env


def add_user(data_dir: Path, name: str, password: str, role: str = "trainee") -> None:
    run = subprocess.run(
        [sys.executable, "-m", "coach.cli", "users", "add", name, "--role", role, "--password-stdin"],
        input=password + "\n", env=coach_env(data_dir), capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr


@dataclass
class RunningApp:
    process: subprocess.Popen[str]
    url: str
    data_dir: Path
    log: Path
    started_s: float  # launch to first page
    started_at: float | None = None  # time.perf_counter() at launch

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                # An app with a browser's event stream still open does not finish its
                # graceful shutdown on its own; a test has nothing left to lose by then.
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_app(data_dir: Path, timeout_s: float = 120, **env: str) -> RunningApp:
    port = free_port()
    log = data_dir.parent / f"app-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "app.py"), "--port", str(port)],
        env=coach_env(data_dir, **env), stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
        cwd=PROJECT_ROOT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return RunningApp(process, url, data_dir, log,
                                      time.perf_counter() - started, started)
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"the app did not answer within {timeout_s} s:\n{log.read_text()[-3000:]}")


def seed_data_dir(warm: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for part in ("chroma", "cache"):
        if (warm / part).exists():
            shutil.copytree(warm / part, target / part, dirs_exist_ok=True)
    return target


def sign_in_cookie(url: str, username: str, password: str) -> str | None:
    """Sign in through the sign-in form as a browser would; the cookie header to send
    afterwards, or None when the sign-in was refused."""
    import http.client
    import urllib.parse

    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    body = urllib.parse.urlencode({"username": username, "password": password})
    connection.request("POST", "/login", body,
                       {"Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie")
    connection.close()
    if response.status != 303 or not cookie:
        return None
    return cookie.split(";", 1)[0]


def signed_in_client(url: str, username: str, password: str) -> Any:
    """A gradio_client Client that carries the person's sign-in cookie."""
    from gradio_client import Client

    cookie = sign_in_cookie(url, username, password)
    assert cookie, f"{username} could not sign in"
    return Client(url, verbose=False, headers={"Cookie": cookie}, download_files=False)


def fetch(url: str, cookie: str | None = None, data: Any = None) -> tuple[int, bytes]:
    """GET ``url`` (POST ``data`` as JSON when given) as a browser or a script would,
    with the sign-in cookie when given; the status and the body, errors included."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url, data=json.dumps(data).encode() if data is not None else None,
        headers={"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def call_status(url: str, api: str, args: list[Any], cookie: str | None = None) -> int:
    """The HTTP status of calling a Gradio endpoint straight, as a script without the
    page would (e.g. with no sign-in cookie at all)."""
    return fetch(f"{url.rstrip('/')}/gradio_api/call/{api.lstrip('/')}", cookie,
                 {"data": args})[0]
