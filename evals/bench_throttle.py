"""Sign-in throttling as an attacker and a trainee see it, on the real server.

    python -m evals.bench throttle [--guessers 12] [--seconds 30]

Starts ``python app.py`` on 127.0.0.1 with a temporary data directory. One trainee takes
a turn every second through the web API, first alone, then while ``--guessers`` clients
post wrong passwords for one account as fast as the server answers. Prints how many
guesses were checked against the password and how many were turned away with a wait,
whether the right password is then accepted, and the trainee's turn latency alone and
under the guessing (the password checks run on the sign-in desk's own single thread).
Loopback only; not part of ``make test``.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from evals.bench_app import LINES
from evals.common import percentile_ms

PASSWORD = "throttle-test-password"


def _post_login(url: str, username: str, password: str) -> int:
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
    body = urllib.parse.urlencode({"username": username, "password": password})
    try:
        connection.request("POST", "/login", body,
                           {"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        return int(response.status)
    finally:
        connection.close()


def _turns(client: object, session_seconds: float) -> list[float]:
    timings = []
    until = time.monotonic() + session_seconds
    n = 0
    while time.monotonic() < until:
        began = time.perf_counter()
        client.predict(LINES[n % len(LINES)], f"t-{time.time_ns()}", api_name="/send")  # type: ignore[attr-defined]
        timings.append(time.perf_counter() - began)
        n += 1
        time.sleep(1.0)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench throttle")
    parser.add_argument("--guessers", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args(argv)
    if not 1 <= args.guessers <= 100 or not 5 <= args.seconds <= 600:
        parser.error("--guessers 1-100 and --seconds 5-600, please")

    from tests.support.apprunner import add_user, signed_in_client, start_app

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir(parents=True)
        add_user(data, "target", PASSWORD)
        add_user(data, "trainee", PASSWORD)
        app = start_app(data, timeout_s=300)
        try:
            deadline = time.monotonic() + 600
            while "Ready in" not in app.log.read_text() and time.monotonic() < deadline:
                time.sleep(0.5)
            client = signed_in_client(app.url, "trainee", PASSWORD)
            client.predict("debs", api_name="/start")
            alone = _turns(client, args.seconds)

            outcomes: dict[int, int] = {}
            first_wait: list[float] = []
            lock = threading.Lock()
            stop = threading.Event()
            began = time.perf_counter()

            def guess(n: int) -> None:
                k = 0
                while not stop.is_set():
                    status = _post_login(app.url, "target", f"wrong-{n}-{k}")
                    k += 1
                    with lock:
                        outcomes[status] = outcomes.get(status, 0) + 1
                        if status == 429 and not first_wait:
                            first_wait.append(time.perf_counter() - began)

            guessers = [threading.Thread(target=guess, args=(n,), daemon=True)
                        for n in range(args.guessers)]
            for g in guessers:
                g.start()
            under = _turns(client, args.seconds)
            stop.set()
            for g in guessers:
                g.join(timeout=130)
            right = _post_login(app.url, "target", PASSWORD)
        finally:
            app.stop()

    total = sum(outcomes.values())
    print(f"{args.guessers} clients guessing one account's password for {args.seconds:g} s: "
          f"{total} attempts")
    print(f"  checked and wrong (401): {outcomes.get(401, 0)}; turned away with a wait (429): "
          f"{outcomes.get(429, 0)}; desk busy (503): {outcomes.get(503, 0)}; other: "
          f"{total - sum(outcomes.get(s, 0) for s in (401, 429, 503))}")
    if first_wait:
        print(f"  first wait after {first_wait[0]:.1f} s")
    print(f"  the right password straight after: {'accepted' if right == 303 else f'refused ({right})'}")
    print(f"Trainee's turns, one a second: alone p50 {percentile_ms(alone, 50):.0f} ms, "
          f"p95 {percentile_ms(alone, 95):.0f} ms; under the guessing p50 "
          f"{percentile_ms(under, 50):.0f} ms, p95 {percentile_ms(under, 95):.0f} ms "
          f"({len(alone)} and {len(under)} turns)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
