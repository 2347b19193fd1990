"""Scale-out on existing engines: two app processes on one PostgreSQL and one Chroma server
serve the same people. Run with COACH_TEST_POSTGRES=1 (``make test`` then includes it).

- A sign-in made on one process is honoured by the other.
- A trainee whose turns alternate between the processes loses nothing.
- The same turn sent to both (same browser turn id) is stored once.
- A process killed mid-turn leaves the whole turn or none of it; the other carries on.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from coach.store import Store
from tests.support.apprunner import (
    RunningApp,
    free_port,
    sign_in_cookie,
    start_app,
)
from tests.support.postgres import POSTGRES_WANTED, ThrowawayPostgres

pytestmark = [pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.skipif(not POSTGRES_WANTED, reason="set COACH_TEST_POSTGRES=1")]

LINES = ["Hello Debs, thanks for letting me in.", "It sounds like Saturday was frightening.",
         "What matters most to you right now?", "You rang the police to keep everyone safe.",
         "What would you like to be different?", "So the children are what matter most."]


@pytest.fixture(scope="module")
def postgres() -> Iterator[ThrowawayPostgres]:
    with ThrowawayPostgres() as pg:
        yield pg


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Chroma server from the chromadb package itself, on loopback."""
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).with_name("chroma")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    log = (path / "server.log").open("w")
    server = subprocess.Popen([str(chroma), "run", "--path", str(path / "db"), "--host",
                               "127.0.0.1", "--port", str(port)], env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        raise RuntimeError("the Chroma server did not start")
    yield url
    server.terminate()
    server.wait(timeout=20)


def _ready(app: RunningApp, timeout_s: float = 600) -> RunningApp:
    deadline = time.monotonic() + timeout_s
    while "Ready in" not in app.log.read_text():
        assert time.monotonic() < deadline, app.log.read_text()[-2000:]
        assert app.process.poll() is None, app.log.read_text()[-2000:]
        time.sleep(0.5)
    return app


@pytest.fixture(scope="module")
def shared(postgres: ThrowawayPostgres, chroma_url: str) -> dict[str, str]:
    """What every replica is given: the one database and the one Chroma server."""
    url = postgres.create_schema("scaleout")
    with Store(url) as store:
        store.add_user("gwen", "gwen-password-1", "trainee")
        store.add_user("huw", "huw-password-1", "trainee")
    return {"COACH_DATABASE_URL": url, "COACH_CHROMA_URL": chroma_url}


@pytest.fixture(scope="module")
def replicas(shared: dict[str, str],
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningApp, RunningApp]]:
    root = tmp_path_factory.mktemp("replicas")
    # One after the other: the first builds the guidance index in the Chroma server.
    one = _ready(start_app(root / "one" / "data", **shared))
    two = _ready(start_app(root / "two" / "data", **shared))
    yield one, two
    for app in (one, two):
        app.stop()


def _session_turns(url: str, username: str) -> list[Any]:
    with Store(url) as store:
        user = store.get_user_by_name(username)
        [session] = store.list_sessions(user.id)  # type: ignore[union-attr]
        stored = store.get_session(session.id)
    assert stored.turn_count == len(stored.turns)  # the count and the rows agree
    return list(stored.turns)


def test_two_processes_serve_one_trainee_and_lose_nothing(
        replicas: tuple[RunningApp, RunningApp], shared: dict[str, str]) -> None:
    one, two = replicas
    cookie = sign_in_cookie(one.url, "gwen", "gwen-password-1")
    clients = [Client(app.url, verbose=False, headers={"Cookie": cookie}, download_files=False)
               for app in (one, two)]
    for client in clients:
        client.predict("debs", api_name="/start")  # the second resumes the first's session
    for n, line in enumerate(LINES):
        chat, *_ = clients[n % 2].predict(line, f"turn-{n}", api_name="/send")
    assert len(chat) == 1 + 2 * len(LINES)
    # The same press of Send reaching both processes is stored once.
    for client in clients:
        client.predict("Tell me about the children.", "turn-same", api_name="/send")
    turns = _session_turns(shared["COACH_DATABASE_URL"], "gwen")
    assert [t.learner for t in turns] == [*LINES, "Tell me about the children."]
    assert [t.client_turn_id for t in turns] == [*(f"turn-{n}" for n in range(len(LINES))),
                                                 "turn-same"]


def test_a_process_killed_mid_turn_leaves_all_of_the_turn_or_none(
        replicas: tuple[RunningApp, RunningApp], shared: dict[str, str], tmp_path: Path) -> None:
    one, _ = replicas
    victim = _ready(start_app(tmp_path / "data", **shared))
    cookie = sign_in_cookie(victim.url, "huw", "huw-password-1")
    client = Client(victim.url, verbose=False, headers={"Cookie": cookie}, download_files=False)
    client.predict("britton", api_name="/start")
    client.predict("How are you and Cassie keeping?", "k-1", api_name="/send")
    threading.Thread(target=_quietly, args=(client.predict, "What matters to you about her?",
                                            "k-2"), daemon=True).start()
    time.sleep(random.uniform(0.02, 0.3))
    victim.stop(signal.SIGKILL)
    turns = _session_turns(shared["COACH_DATABASE_URL"], "huw")
    assert [t.client_turn_id for t in turns] in (["k-1"], ["k-1", "k-2"])
    assert all(t.learner and t.reply and t.coded for t in turns)
    # The surviving process carries on from whatever was stored, and the retried turn
    # is stored once whether or not the killed process got it in.
    survivor = Client(one.url, verbose=False, headers={"Cookie": cookie}, download_files=False)
    survivor.predict("britton", api_name="/start")
    survivor.predict("What matters to you about her?", "k-2", api_name="/send")
    turns = _session_turns(shared["COACH_DATABASE_URL"], "huw")
    assert [t.client_turn_id for t in turns] == ["k-1", "k-2"]


def _quietly(call: Any, *args: Any) -> None:
    with contextlib.suppress(Exception):  # the process is killed under it, on purpose
        call(*args, api_name="/send")
