"""Web-app benchmark: cold start to first page, and server-side time per trainee turn.

    python -m evals.bench app [--trainees 20] [--turns 12]

Cold start launches ``python app.py`` twice against a new data directory: the first run
also builds the knowledge index, the second is an ordinary restart. Per-turn time is
measured inside the service (code + react + retrieve + store) with N trainees sending
their turns at the same time from N threads, each in a conversation of its own: once
paced (each trainee pauses 1–4 s between turns, as people reading and typing do) and once
saturated (no pause at all, which measures queueing on two cores rather than turn cost).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

from evals.common import percentile_ms

LINES = [
    "Hello, thank you for seeing me today.",
    "How have things been for you lately?",
    "It sounds like it's been a really hard few weeks.",
    "What matters most to you at the moment?",
    "You've kept going through all of that, which says a lot about you.",
    "Why did you not ask for help sooner?",
    "So you're worried about what happens next, and you want some say in it.",
    "What would a good day look like for you?",
    "We need you to sign this form before anything else happens.",
    "What would you like to be different?",
    "You've been managing far more than most people realise.",
    "So far you've told me about home, about the people who matter and what worries you.",
]


def _cold_start(data_dir: Path) -> tuple[float, float]:
    """Seconds from launch to the first page (the sign-in form), and to ready (coder,
    personas and guidance index warmed up: the app logs "Ready in")."""
    from tests.support.apprunner import start_app

    running = start_app(data_dir, timeout_s=300)
    try:
        deadline = time.monotonic() + 600
        while "Ready in" not in running.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        ready = time.perf_counter() - (running.started_at or 0.0)
    finally:
        running.stop()
    return running.started_s, ready


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench app")
    parser.add_argument("--trainees", type=int, default=20)
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 4.0), metavar=("MIN", "MAX"),
                        help="pause between a trainee's turns in the paced run (seconds)")
    args = parser.parse_args(argv)

    from coach.service import CoachService
    from coach.settings import Settings

    print(f"Machine: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        (first, first_ready), (second, second_ready) = _cold_start(data), _cold_start(data)
        print(f"Cold start to first page: {first:.1f} s on a new data directory "
              f"[target < 10 s], {second:.1f} s on restart [target < 5 s]")
        print(f"  ready to take turns (coder, personas, guidance index): {first_ready:.1f} s on a "
              f"new data directory (builds the index), {second_ready:.1f} s on restart")

        settings = Settings.test_profile(data)
        service = CoachService(settings)
        warm = service.warm_up()
        print(f"In-process warm-up (coder, personas, index check, exemplars): {warm:.1f} s")
        personas = list(service.personas)
        users = []
        for n in range(args.trainees):
            service.store.add_user(f"bench{n}", "bench-password", "trainee")
            users.append(service.store.get_user_by_name(f"bench{n}"))
        def run(pause: tuple[float, float], label: str) -> None:
            sessions = [service.start_session(u, personas[n % len(personas)], resume=False)
                        for n, u in enumerate(users)]
            timings: list[float] = []
            lock = threading.Lock()
            barrier = threading.Barrier(args.trainees)

            def trainee(n: int) -> None:
                rng = random.Random(n)
                barrier.wait()
                if pause[1] > 0:  # people do not all press Send in the same instant
                    time.sleep(rng.uniform(0, pause[1]))
                for t in range(args.turns):
                    line = LINES[(n + t) % len(LINES)]
                    started = time.perf_counter()
                    view = service.take_turn(users[n], sessions[n].id, line)
                    elapsed = time.perf_counter() - started
                    with lock:
                        timings.append(elapsed)
                    if view.ended:
                        break
                    if pause[1] > 0:
                        time.sleep(rng.uniform(*pause))

            threads = [threading.Thread(target=trainee, args=(n,)) for n in range(args.trainees)]
            wall = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wall = time.perf_counter() - wall
            print(f"{label}: {args.trainees} trainees at once, {len(timings)} turns, "
                  f"{len(timings) / wall:.1f} turns/s: p50 {percentile_ms(timings, 50):.0f} ms, "
                  f"p95 {percentile_ms(timings, 95):.0f} ms, max {max(timings) * 1000:.0f} ms")

        print("Per-turn server time (code + react + retrieve + store)  [target p95 < 300 ms]")
        run(tuple(args.think), f"  paced, {args.think[0]:g}-{args.think[1]:g} s between turns")
        run((0.0, 0.0), "  saturated, no pause")

        single: list[float] = []
        for t in range(10):
            started = time.perf_counter()
            service.take_turn(users[0], service.start_session(users[0], personas[0], resume=False).id,
                              LINES[t % len(LINES)])
            single.append(time.perf_counter() - started)
        print(f"One trainee alone: p50 {percentile_ms(single, 50):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
