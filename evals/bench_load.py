"""Real load through the real server: simulated trainees on the web app's own API.

    python -m evals.bench load --trainees N --seconds S [--think MIN MAX] [--find-capacity]

Starts ``python app.py`` on 127.0.0.1 with a temporary data directory, creates its own
accounts, and drives N trainees concurrently, each as a browser would: sign in through
the sign-in form (the cookie), start a conversation, and take turns through Gradio's
queue (``queue/join`` + the ``queue/data`` event stream), pausing MIN–MAX seconds between
turns as people reading and typing do. Prints end-to-end turn latency (press Send to
reply shown) p50/p95/p99, ``errors: N`` and ``stored: S/T`` (turns found in the database
afterwards, out of turns sent). With ``--find-capacity`` it raises N by half each run until
a run fails to hold (p95 over 1 s, any error, or a sent turn not stored).

Bounded: at most 2,000 trainees and 30 minutes per run, loopback only; not part of
``make test``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.bench_app import LINES
from evals.common import percentile_ms

PASSWORD = "load-test-password"
PERSONAS = ["debs", "britton", "iris", "johanna", "young_father"]
MAX_TRAINEES, MAX_SECONDS = 2000, 1800


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    began: list[float] = field(default_factory=list)  # when each timed turn was sent
    signed_in_at: list[float] = field(default_factory=list)
    sent: int = 0
    errors: int = 0
    sign_in_s: list[float] = field(default_factory=list)
    problems: dict[str, int] = field(default_factory=dict)

    def fail(self, what: str) -> None:
        self.errors += 1
        self.problems[what] = self.problems.get(what, 0) + 1


class Room:
    """One trainee's browser tab: a sign-in cookie and a Gradio session."""

    def __init__(self, http: Any, url: str, fns: dict[str, tuple[int, list[bool]]]) -> None:
        self.http, self.url, self.fns = http, url, fns
        self.session_hash = uuid.uuid4().hex[:11]
        self.cookie = ""

    async def sign_in(self, username: str) -> None:
        response = await self.http.post(self.url + "login",
                                        data={"username": username, "password": PASSWORD})
        if response.status_code != 303:
            raise RuntimeError(f"sign-in refused ({response.status_code})")
        self.cookie = response.headers["set-cookie"].split(";", 1)[0]

    async def call(self, api_name: str, *values: Any) -> list[Any]:
        fn_index, is_state = self.fns[api_name]
        given = iter(values)
        data = [None if state else next(given, None) for state in is_state]
        headers = {"Cookie": self.cookie}
        joined = await self.http.post(
            self.url + "gradio_api/queue/join", headers=headers,
            json={"data": data, "fn_index": fn_index, "session_hash": self.session_hash,
                  "event_data": None, "trigger_id": None})
        joined.raise_for_status()
        event_id = joined.json()["event_id"]
        async with self.http.stream("GET", self.url + "gradio_api/queue/data", headers=headers,
                                    params={"session_hash": self.session_hash}) as stream:
            stream.raise_for_status()
            async for line in stream.aiter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") != event_id:
                    continue
                if message.get("msg") == "process_completed":
                    output = message.get("output") or {}
                    if not message.get("success", False):
                        raise RuntimeError(str(output.get("error") or "the server said no"))
                    return list(output.get("data") or [])
        raise RuntimeError("the event stream ended without a result")


async def _trainee(n: int, http: Any, url: str, fns: dict[str, tuple[int, list[bool]]],
                   until: float, think: tuple[float, float], tally: Tally) -> None:
    rng = random.Random(n)
    room = Room(http, url, fns)
    await asyncio.sleep(rng.uniform(0, think[1]))  # people do not all arrive at once
    started = time.perf_counter()
    try:
        await room.sign_in(f"load{n}")
        tally.sign_in_s.append(time.perf_counter() - started)
        tally.signed_in_at.append(time.perf_counter())
        await room.call("new_conversation", PERSONAS[n % len(PERSONAS)])
    except Exception as exc:  # counted and reported, the run goes on
        tally.fail(f"start: {str(exc)[:80]}")
        return
    turn = 0
    while time.monotonic() < until:
        line = LINES[(n + turn) % len(LINES)]
        tally.sent += 1
        began = time.perf_counter()
        try:
            # Each press of Send carries an id of its own, as the browser gives it.
            chat, _mood, notice, _box, send = await room.call("send", line, uuid.uuid4().hex)
        except Exception as exc:
            tally.fail(f"turn: {str(exc)[:80]}")
        else:
            tally.latencies.append(time.perf_counter() - began)
            tally.began.append(began)
            if "was not sent" in str(notice):
                tally.fail("turn refused")
            if isinstance(send, dict) and send.get("interactive") is False:
                # The person ended the conversation: start another, as a trainee would.
                await room.call("new_conversation", PERSONAS[(n + turn) % len(PERSONAS)])
        turn += 1
        await asyncio.sleep(rng.uniform(*think))


def _functions(config: dict[str, Any]) -> dict[str, tuple[int, list[bool]]]:
    states = {c["id"] for c in config["components"] if c.get("type") == "state"}
    out = {}
    for dep in config["dependencies"]:
        if dep.get("api_name"):
            out[dep["api_name"]] = (dep["id"], [i in states for i in dep["inputs"]])
    return out


async def _run(url: str, cookie: str, trainees: int, seconds: float,
               think: tuple[float, float], first: int) -> Tally:
    import httpx

    limits = httpx.Limits(max_connections=4 * trainees + 10, max_keepalive_connections=trainees)
    timeout = httpx.Timeout(120.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as http:
        config = (await http.get(url + "config", headers={"Cookie": cookie})).json()
        fns = _functions(config)
        tally = Tally()
        until = time.monotonic() + seconds
        await asyncio.gather(*(
            _trainee(first + n, http, url, fns, until, think, tally) for n in range(trainees)))
    return tally


def _accounts(data: Path, count: int) -> None:
    """``count`` trainee accounts sharing one bcrypt hash at the real cost (hashing each
    would take minutes; checking it at sign-in costs what it always does)."""
    from sqlalchemy import insert

    from coach.store import Store, accounts, utcnow
    from coach.store._schema import UserRow

    digest = accounts.hash_password(PASSWORD)
    with Store(f"sqlite:///{data / 'coach.db'}") as store, store.engine.begin() as db:
        db.execute(insert(UserRow), [
            {"username": f"load{n}", "display_name": f"Load {n}", "role": "trainee",
             "password_hash": digest, "created_at": utcnow()} for n in range(count)])


def _stored(data: Path, first: int, count: int) -> int:
    from sqlalchemy import text

    from coach.store import Store

    names = [f"load{n}" for n in range(first, first + count)]
    with Store(f"sqlite:///{data / 'coach.db'}") as store, store.engine.connect() as db:
        return int(db.execute(text(
            "SELECT count(*) FROM turns t JOIN practice_sessions s ON s.id = t.session_id "
            "JOIN users u ON u.id = s.user_id WHERE u.username IN (SELECT value FROM json_each(:n))"
        ), {"n": json.dumps(names)}).scalar_one())


def _report(trainees: int, seconds: float, think: tuple[float, float], tally: Tally,
            stored: int) -> float:
    lat = tally.latencies or [float("nan")]
    p95 = percentile_ms(lat, 95)
    print(f"{trainees} trainees, {seconds:g} s, {think[0]:g}-{think[1]:g} s between turns: "
          f"{len(tally.latencies)} turns, {len(tally.latencies) / seconds:.1f} turns/s")
    print(f"  turn latency p50 {percentile_ms(lat, 50):.0f} ms, p95 {p95:.0f} ms, "
          f"p99 {percentile_ms(lat, 99):.0f} ms, max {max(lat) * 1000:.0f} ms")
    if tally.sign_in_s:
        print(f"  sign-in p50 {percentile_ms(tally.sign_in_s, 50):.0f} ms, "
              f"p95 {percentile_ms(tally.sign_in_s, 95):.0f} ms")
        # Where the time goes: turns taken while others were still signing in (password
        # checks share the CPU) against turns once everyone was in.
        last = max(tally.signed_in_at)
        for label, keep in (("while others signed in", lambda t: t < last),
                            ("once all were signed in", lambda t: t >= last)):
            part = [x for x, t in zip(tally.latencies, tally.began, strict=True) if keep(t)]
            if part:
                print(f"  {label}: {len(part)} turns, p50 {percentile_ms(part, 50):.0f} ms, "
                      f"p95 {percentile_ms(part, 95):.0f} ms")
    print(f"errors: {tally.errors}")
    for what, count in sorted(tally.problems.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {count} × {what}")
    print(f"stored: {stored}/{tally.sent}")
    return p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench load")
    parser.add_argument("--trainees", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, nargs=2, default=(10.0, 20.0),
                        metavar=("MIN", "MAX"), help="pause between turns, seconds")
    parser.add_argument("--find-capacity", action="store_true",
                        help="raise the number of trainees by half each run until one does not hold "
                             "(p95 > 1 s, an error, or a turn not stored)")
    args = parser.parse_args(argv)
    if not 1 <= args.trainees <= MAX_TRAINEES or not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--trainees 1-{MAX_TRAINEES} and --seconds 1-{MAX_SECONDS}, please")
    if not 0 <= args.think[0] <= args.think[1]:
        parser.error("--think MIN MAX with 0 <= MIN <= MAX")
    think = (args.think[0], args.think[1])

    from tests.support.apprunner import sign_in_cookie, start_app

    print(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir(parents=True)
        plan = [args.trainees]
        if args.find_capacity:
            while plan[-1] * 3 // 2 <= MAX_TRAINEES and len(plan) < 8:
                plan.append(plan[-1] * 3 // 2)
        _accounts(data, sum(plan) + 1)
        app = start_app(data, timeout_s=300)
        try:
            deadline = time.monotonic() + 600
            while "Ready in" not in app.log.read_text() and time.monotonic() < deadline:
                time.sleep(0.5)
            print(f"App up in {app.started_s:.1f} s, ready to take turns after "
                  f"{time.perf_counter() - (app.started_at or 0):.1f} s")
            cookie = sign_in_cookie(app.url, f"load{sum(plan)}", PASSWORD) or ""
            first, held = 0, 0
            for trainees in plan:
                tally = asyncio.run(_run(app.url, cookie, trainees, args.seconds, think, first))
                stored = _stored(data, first, trainees)
                p95 = _report(trainees, args.seconds, think, tally, stored)
                first += trainees
                # Capacity counts only runs that held: p95 within 1 s, no errors (a refused
                # sign-in is one) and every sent turn stored.
                if p95 > 1000 or tally.errors or stored != tally.sent:
                    if args.find_capacity:
                        print(f"capacity: {held} trainees held; at {trainees}: p95 {p95:.0f} ms, "
                              f"{tally.errors} errors, stored {stored}/{tally.sent}")
                    break
                held = trainees
            else:
                if args.find_capacity:
                    print(f"capacity: at least {held} trainees (the largest run held)")
        finally:
            app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
