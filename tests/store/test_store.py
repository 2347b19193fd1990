"""The store on a real SQLite file and, with COACH_TEST_POSTGRES=1, on a real PostgreSQL
started on loopback (tests/support/postgres.py; the ``db_url`` and ``postgres_server``
fixtures are in conftest.py). Every behavioural test runs on both."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from coach.coding._vocabulary import CodeResult, SentenceCode
from coach.settings import Settings
from coach.store import accounts
from coach.store._engine import normalise_url
from coach.store._errors import (
    SessionNotFound,
    StoreConflict,
    StoreUnavailable,
    UserExists,
    UserNotFound,
)
from coach.store._schema import MetaRow, TurnRow, UserRow, utcnow
from coach.store._store import Store
from tests.support.postgres import POSTGRES_WANTED, PostgresNotInstalled, ThrowawayPostgres

ROUNDS = 4  # the lowest bcrypt cost: these tests are about storage, not hash strength


@pytest.fixture
def open_store(db_url: str) -> Iterator[Callable[[], Store]]:
    """Opens another Store on the same database: another process, tab's server or replica."""
    opened: list[Store] = []

    def factory() -> Store:
        opened.append(Store(db_url, password_rounds=ROUNDS))
        return opened[-1]

    yield factory
    for s in opened:
        s.close()


@pytest.fixture
def store(open_store: Callable[[], Store]) -> Store:
    return open_store()


def coded(text_: str = "What matters to you?") -> dict[str, Any]:
    return CodeResult(
        code="open_question", stance="outcomes", sentences=(SentenceCode(text_, "open_question"),),
        cues=("starts with 'what'", "asks about what matters"), confidence=0.91, outcomes_score=0.6,
    ).to_dict()


def turn(index: int, receptivity: float = 0.3, learner: str | None = None) -> dict[str, Any]:
    """Realistic turn arguments; state_after grows with the index so every turn differs."""
    return {
        "index": index,
        "learner": learner or f"Reply {index}: what would a good day look like for you?",
        "coded": coded(), "reply": f"Person's answer {index} — bore da, ŵ ŷ ☕",
        "act": "open_up", "receptivity": receptivity, "mood": "guarded",
        "changes": [{"what": "receptivity", "by": 0.05, "why": "open question"}],
        "unlocked": [f"outcome_{index}"] if index % 7 == 0 else [],
        "realiser": "scripted", "fallback_reason": None if index % 2 else "no llm configured",
        "feedback": f"Open question {index}: invites the person to say what matters.",
        "state_after": {"receptivity": receptivity, "turn": index + 1,
                        "disclosed": [f"fact_{i}" for i in range(index % 5)],
                        "topics": {"cat": 0.1 * (index % 3), "home": 0.2}},
    }


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound by us, never listening."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


@pytest.fixture
def alice(store: Store) -> int:
    return store.add_user("Alice", "correct horse", "trainee").id


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_WANTED, reason="set COACH_TEST_POSTGRES=1 to run every store test on PostgreSQL too")
def test_postgres_cluster_is_real_and_on_loopback(postgres_server: ThrowawayPostgres) -> None:
    with Store(postgres_server.url) as store, store.engine.connect() as conn:
        assert conn.execute(text("SHOW listen_addresses")).scalar() == "127.0.0.1"
        assert conn.execute(text("SELECT version()")).scalar().startswith("PostgreSQL ")
        assert conn.execute(text("SELECT current_database()")).scalar() == "coach"
    isolated = postgres_server.create_schema("isolation_check")
    with Store(isolated) as store, store.engine.connect() as conn:
        assert conn.execute(text("SELECT current_schema()")).scalar() == "isolation_check"
        assert store.list_users() == []


def test_a_missing_postgresql_is_named_not_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """With COACH_TEST_POSTGRES=1 the fixture turns this into a failure, not a skip."""
    monkeypatch.setattr("tests.support.postgres.find_bin_dir", lambda: None)
    with pytest.raises(PostgresNotInstalled, match="Debian package 'postgresql'.*apt-get install -y postgresql"):
        ThrowawayPostgres()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_WANTED, reason="set COACH_TEST_POSTGRES=1 to run every store test on PostgreSQL too")
def test_the_users_command_follows_the_database_url(
    postgres_server: ThrowawayPostgres, tmp_path: Path
) -> None:
    url = postgres_server.create_schema("cli_check")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_DATA_DIR=str(tmp_path), COACH_DATABASE_URL=url)
    done = subprocess.run(
        [sys.executable, "-m", "coach.cli", "users", "add", "dawn", "--role", "trainee",
         "--password-stdin"], input="correct horse\n", capture_output=True, text=True, env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    with Store(url) as store:
        assert [u.username for u in store.list_users()] == ["dawn"]
    assert not (tmp_path / "coach.db").exists()


# --- users -------------------------------------------------------------------------------

def test_add_user_returns_a_record_without_the_hash(store: Store) -> None:
    user = store.add_user("Alice.W", "correct horse", "supervisor", display_name=" Alice Wynne ")
    assert (user.username, user.display_name, user.role) == ("alice.w", "Alice Wynne", "supervisor")
    assert user.created_at.tzinfo is UTC
    assert not hasattr(user, "password_hash")
    assert store.get_user(user.id) == user == store.get_user_by_name("ALICE.w")
    assert store.add_user("bob", "another pass", "trainee").display_name == "bob"


def test_usernames_are_case_insensitive(store: Store) -> None:
    store.add_user("Alice", "correct horse", "trainee")
    with pytest.raises(UserExists, match="already taken"):
        store.add_user("aLICE", "other password", "supervisor")
    assert [u.username for u in store.list_users()] == ["alice"]


def test_unique_index_settles_a_race_the_precheck_missed(open_store: Callable[[], Store]) -> None:
    first, second = open_store(), open_store()
    second.get_user_by_name = lambda name: None  # type: ignore[method-assign]  # lost the race
    first.add_user("alice", "correct horse", "trainee")
    with pytest.raises(UserExists):
        second.add_user("ALICE", "correct horse", "trainee")
    assert len(first.list_users()) == 1


def test_password_is_stored_as_a_bcrypt_hash(store: Store) -> None:
    store.add_user("alice", "correct horse", "trainee")
    with store.engine.connect() as conn:
        stored = conn.execute(select(UserRow.password_hash)).scalar_one()
    assert stored.startswith(f"$2b$0{ROUNDS}$") and "correct horse" not in stored
    assert bcrypt.checkpw(b"correct horse", stored.encode())


def test_authenticate(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    user = store.add_user("alice", "correct horse", "trainee")
    checks: list[bytes] = []
    real = accounts.bcrypt.checkpw
    monkeypatch.setattr(accounts.bcrypt, "checkpw", lambda pw, h: checks.append(pw) or real(pw, h))

    assert store.authenticate("Alice", "correct horse") == user
    assert store.authenticate("alice", "Correct horse") is None
    assert store.authenticate("alice", "correct horse ") is None
    assert store.authenticate("alice", "x" * 100) is None
    assert len(checks) == 4
    # An unknown name still costs one bcrypt check, so timing does not reveal which exist.
    assert store.authenticate("nobody", "correct horse") is None
    assert store.authenticate("", "") is None
    assert len(checks) == 6


@pytest.mark.parametrize(
    ("username", "password", "role", "error", "message"),
    [
        ("alice", "short", "trainee", accounts.InvalidPassword, "at least 8 characters"),
        ("alice", "é" * 40, "trainee", accounts.InvalidPassword, "at most 72 bytes"),
        ("alice", "pass\x00word", "trainee", accounts.InvalidPassword, "NUL"),
        ("alice99", "Alice99 ", "trainee", accounts.InvalidPassword, "same as the username"),
        ("alice", "        ", "trainee", accounts.InvalidPassword, "only of spaces"),
        ("al", "correct horse", "trainee", accounts.InvalidUsername, "3 to 32"),
        ("alice smith", "correct horse", "trainee", accounts.InvalidUsername, "letters a-z"),
        ("_alice", "correct horse", "trainee", accounts.InvalidUsername, "start with"),
        ("alice", "correct horse", "superuser", accounts.InvalidRole, "trainee, supervisor, admin"),
    ],
    ids=["short", "over-72-bytes", "nul", "same-as-name", "spaces", "short-name", "space-in-name",
         "leading-underscore", "unknown-role"],
)
def test_bad_account_details_are_refused_clearly(
    store: Store, username: str, password: str, role: Any, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        store.add_user(username, password, role)
    assert store.list_users() == []


def test_list_users_in_name_order(store: Store) -> None:
    for name in ("carys", "Bob", "alice"):
        store.add_user(name, "correct horse", "trainee")
    assert [u.username for u in store.list_users()] == ["alice", "bob", "carys"]
    assert store.get_user(999) is None and store.get_user_by_name("dai") is None


def test_set_password(store: Store) -> None:
    store.add_user("alice", "correct horse", "trainee")
    store.set_password("ALICE", "battery staple")
    assert store.authenticate("alice", "correct horse") is None
    assert store.authenticate("alice", "battery staple") is not None
    with pytest.raises(accounts.InvalidPassword):
        store.set_password("alice", "short")
    with pytest.raises(UserNotFound, match="no account called 'dai'"):
        store.set_password("dai", "battery staple")
    assert store.authenticate("alice", "battery staple") is not None


# --- practice sessions -------------------------------------------------------------------

def test_create_session(store: Store, alice: int) -> None:
    state = {"receptivity": 0.2, "stage": "precontemplation", "hidden": {"outcome": ["cat"]}}
    session = store.create_session(alice, "debs", state, "Come in, if you must.")
    assert uuid.UUID(session.id).version == 4
    loaded = store.get_session(session.id)
    assert loaded == session
    assert (loaded.status, loaded.turn_count, loaded.turns, loaded.report) == ("active", 0, [], None)
    assert loaded.state == state and loaded.opening == "Come in, if you must."
    assert loaded.created_at.tzinfo is UTC and loaded.updated_at == loaded.created_at
    with pytest.raises(UserNotFound):
        store.create_session(12345, "debs", {}, "Hello")


def test_turns_are_stored_with_the_new_state(store: Store, alice: int) -> None:
    session = store.create_session(alice, "debs", {"receptivity": 0.2}, "Hello")
    appended = [store.append_turn(session.id, **turn(i, 0.2 + i / 10)) for i in range(3)]
    loaded = store.get_session(session.id, turn_states=True)
    assert loaded.turns == appended
    assert loaded.turns[2].feedback.startswith("Open question 2")
    # Without turn_states the same turns come back, less each turn's copy of the state.
    lean = store.get_session(session.id)
    assert [t.state_after for t in lean.turns] == [None] * 3
    assert lean.turns == [replace(t, state_after=None) for t in appended]
    assert [t.index for t in loaded.turns] == [0, 1, 2]
    assert loaded.turn_count == 3 and loaded.state == turn(2, 0.4)["state_after"]
    assert loaded.updated_at == appended[-1].created_at > loaded.created_at
    assert loaded.turns[1].code_result.code == "open_question"
    assert loaded.turns[0].reply.endswith("bore da, ŵ ŷ ☕")


def test_a_session_resumes_after_a_restart(open_store: Callable[[], Store]) -> None:
    before = open_store()
    user = before.add_user("alice", "correct horse", "trainee")
    session = before.create_session(user.id, "debs", {"receptivity": 0.2}, "Hello")
    for i in range(5):
        before.append_turn(session.id, **turn(i))
    expected = before.get_session(session.id)
    before.close()  # the app is killed

    after = open_store()  # and started again on the same database
    resumed = after.latest_active_session(user.id, "debs")
    assert resumed == expected
    assert resumed.state == turn(4)["state_after"] and len(resumed.turns) == 5
    states = [t.state_after for t in after.get_session(session.id, turn_states=True).turns]
    assert states == [turn(i)["state_after"] for i in range(5)]
    after.append_turn(session.id, **turn(5))
    assert after.get_session(session.id).turn_count == 6


def test_two_tabs_appending_the_same_index(open_store: Callable[[], Store]) -> None:
    tab_a, tab_b = open_store(), open_store()
    user = tab_a.add_user("alice", "correct horse", "trainee")
    session = tab_a.create_session(user.id, "debs", {}, "Hello")
    for i in range(3):
        tab_a.append_turn(session.id, **turn(i))
    assert tab_a.get_session(session.id).turn_count == tab_b.get_session(session.id).turn_count == 3

    tab_a.append_turn(session.id, **turn(3, learner="from tab A"))
    with pytest.raises(StoreConflict, match="next index is 4, not 3.*Reload"):
        tab_b.append_turn(session.id, **turn(3, learner="from tab B", receptivity=0.9))

    reloaded = tab_b.get_session(session.id)
    assert [t.index for t in reloaded.turns] == [0, 1, 2, 3]
    assert reloaded.turns[3].learner == "from tab A" and reloaded.state == turn(3)["state_after"]
    tab_b.append_turn(session.id, **turn(4, learner="tab B after reloading"))
    assert tab_a.get_session(session.id).turn_count == 5


def test_simultaneous_writers_one_wins_each_index(open_store: Callable[[], Store]) -> None:
    tabs = [open_store(), open_store()]
    user = tabs[0].add_user("alice", "correct horse", "trainee")
    session = tabs[0].create_session(user.id, "debs", {}, "Hello")
    rounds = 6
    wins: list[tuple[int, int]] = []
    losses: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def writer(tab: int) -> None:
        for index in range(rounds):
            barrier.wait(timeout=20)  # both writers hold the same index
            try:
                tabs[tab].append_turn(session.id, **turn(index, learner=f"tab {tab}"))
                wins.append((index, tab))
            except StoreConflict:
                losses.append((index, tab))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            barrier.wait(timeout=20)

    threads = [threading.Thread(target=writer, args=(t,)) for t in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(i for i, _ in wins) == list(range(rounds))
    assert sorted(i for i, _ in losses) == list(range(rounds))
    stored = tabs[1].get_session(session.id).turns
    assert [(t.index, t.learner) for t in stored] == [(i, f"tab {w}") for i, w in sorted(wins)]


def test_the_schema_refuses_a_duplicate_turn_index(store: Store, alice: int) -> None:
    session = store.create_session(alice, "debs", {}, "Hello")
    store.append_turn(session.id, **turn(0))
    row = {**turn(0), "session_id": session.id, "created_at": utcnow()}
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(TurnRow).values(**row))
    assert store.get_session(session.id).turn_count == 1


def test_many_trainees_writing_at_once(open_store: Callable[[], Store]) -> None:
    shared = open_store()  # one Store shared by the server's threads
    users = [shared.add_user(f"trainee{i}", "correct horse", "trainee").id for i in range(8)]
    sessions = [shared.create_session(u, "debs", {}, "Hello").id for u in users]
    errors: list[BaseException] = []

    def play(session_id: str) -> None:
        try:
            for i in range(15):
                shared.append_turn(session_id, **turn(i))
                shared.get_session(session_id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=play, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert all(shared.get_session(s).turn_count == 15 for s in sessions)


def test_a_200_turn_session_stores_and_reloads_quickly(open_store: Callable[[], Store]) -> None:
    writer = open_store()
    user = writer.add_user("alice", "correct horse", "trainee")
    session = writer.create_session(user.id, "debs", {}, "Hello")
    history: list[list[str]] = []  # the persona state carries the conversation so far
    started = time.perf_counter()
    for i in range(200):
        args = turn(i, receptivity=i / 200)
        history += [["worker", args["learner"]], ["person", args["reply"]]]
        args["state_after"] = {**args["state_after"], "history": list(history)}
        writer.append_turn(session.id, **args)
    write_s = time.perf_counter() - started

    reader = open_store()
    reader.get_session(session.id)  # first use opens the connection
    started = time.perf_counter()
    loaded = reader.get_session(session.id)
    read_s = time.perf_counter() - started
    assert [t.index for t in loaded.turns] == list(range(200))
    assert loaded.state["history"] == history and loaded.turns[199].receptivity == 199 / 200
    assert write_s < 10, f"200 turns took {write_s:.1f} s to store"
    assert read_s < 0.5, f"a 200-turn session took {read_s:.2f} s to load"
    full = reader.get_session(session.id, turn_states=True)
    assert full.turns[199].state_after["history"] == history


def test_end_session(store: Store, alice: int) -> None:
    session = store.create_session(alice, "debs", {}, "Hello")
    store.append_turn(session.id, **turn(0))
    report = {"indicators": {"rq_ratio": 1.5, "complex_pct": 0.45}, "missed": ["the cat"]}
    store.end_session(session.id, report, state_after={"ended": True, "end_reason": "trainee"})

    ended = store.get_session(session.id)
    assert (ended.status, ended.report, ended.turn_count) == ("ended", report, 1)
    assert ended.state == {"ended": True, "end_reason": "trainee"}
    assert ended.ended_at is not None and ended.ended_at.tzinfo is UTC and not ended.is_active
    assert store.latest_active_session(alice, "debs") is None
    with pytest.raises(StoreConflict, match="has ended"):
        store.append_turn(session.id, **turn(1))
    with pytest.raises(StoreConflict, match="already ended"):
        store.end_session(session.id, {"other": "report"})
    assert store.get_session(session.id).report == report

    other = store.create_session(alice, "debs", {"kept": 1}, "Hello")
    store.end_session(other.id, None)
    assert store.get_session(other.id).report is None
    assert store.get_session(other.id).state == {"kept": 1}


def test_unknown_sessions(store: Store, alice: int) -> None:
    for bad in (str(uuid.uuid4()), "not-a-uuid"):
        with pytest.raises(SessionNotFound):
            store.get_session(bad)
        with pytest.raises(SessionNotFound):
            store.append_turn(bad, **turn(0))
        with pytest.raises(SessionNotFound):
            store.end_session(bad, None)


def test_list_sessions_filters_newest_first(store: Store, alice: int) -> None:
    first = store.create_session(alice, "debs", {}, "Hello")
    store.append_turn(first.id, **turn(0))
    store.end_session(first.id, {"score": 1})
    second = store.create_session(alice, "debs", {}, "Hello again")
    third = store.create_session(alice, "mr_britton", {}, "Who are you?")

    def ids(**filters: Any) -> list[str]:
        return [s.id for s in store.list_sessions(alice, **filters)]

    assert ids() == [third.id, second.id, first.id]
    assert ids(persona_id="debs") == [second.id, first.id]
    assert ids(status="active") == [third.id, second.id]
    assert ids(persona_id="debs", status="ended") == [first.id]
    assert ids(persona_id="iris") == []
    listed = store.list_sessions(alice)
    assert all(s.turns is None for s in listed)  # not loaded, and says so
    assert [s.turn_count for s in listed] == [0, 0, 1] and listed[2].report == {"score": 1}
    with pytest.raises(ValueError, match="Unknown session status"):
        store.list_sessions(alice, status="paused")


def test_latest_active_session_is_the_most_recently_used(store: Store, alice: int) -> None:
    older = store.create_session(alice, "debs", {}, "Hello")
    newer = store.create_session(alice, "debs", {}, "Hello")
    assert store.latest_active_session(alice, "debs").id == newer.id
    store.append_turn(older.id, **turn(0))  # the older one was used last
    assert store.latest_active_session(alice, "debs").id == older.id
    assert store.latest_active_session(alice, "mr_britton") is None


def test_users_only_ever_see_their_own_sessions(store: Store, alice: int) -> None:
    bob = store.add_user("bob", "correct horse", "trainee").id
    mine = store.create_session(alice, "debs", {}, "Hello")
    theirs = [store.create_session(bob, "debs", {}, "Hello") for _ in range(2)]
    store.append_turn(theirs[0].id, **turn(0))

    assert [s.id for s in store.list_sessions(alice)] == [mine.id]
    assert {s.id for s in store.list_sessions(bob)} == {t.id for t in theirs}
    assert store.latest_active_session(alice, "debs").id == mine.id  # though Bob's is newer
    assert store.get_session(mine.id, user_id=alice).id == mine.id
    with pytest.raises(SessionNotFound):
        store.get_session(theirs[0].id, user_id=alice)


def test_a_database_from_another_schema_version_is_refused_clearly(
    open_store: Callable[[], Store], db_url: str
) -> None:
    store = open_store()
    with store.engine.begin() as conn:  # upgraded by a newer version
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreUnavailable, match="revision 9999, which this version .* does not know"):
        Store(db_url)
    with store.engine.begin() as conn:  # from before migrations, with another schema version
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(update(MetaRow).values(value="0"))
    with pytest.raises(StoreUnavailable, match="schema 0; this version needs schema 1"):
        Store(db_url)
    MetaRow.__table__.drop(store.engine)  # a database from before versions were recorded
    with pytest.raises(StoreUnavailable, match="early development version"):
        Store(db_url)


# --- backend specifics -------------------------------------------------------------------

def test_sqlite_is_set_up_for_a_threaded_server(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'new' / 'dir' / 'coach.db'}")
    with store, store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    assert (tmp_path / "new" / "dir" / "coach.db").is_file()


def test_default_settings_open_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.test_profile(tmp_path / "fresh")
    with Store(settings.database_url, password_rounds=ROUNDS) as store:
        store.add_user("alice", "correct horse", "trainee")
    assert (tmp_path / "fresh" / "coach.db").is_file()


def test_postgres_urls_use_psycopg() -> None:
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite"


def test_an_unreachable_database_is_reported_without_its_password() -> None:
    pytest.importorskip("psycopg", reason="the [postgres] extra is not installed")
    with closed_port() as port:
        url = f"postgresql://coach:s3cret-pw@127.0.0.1:{port}/coach?connect_timeout=5"
        with pytest.raises(StoreUnavailable, match="Cannot open the database") as caught:
            Store(url)
    assert "s3cret-pw" not in str(caught.value) and "***" in str(caught.value)


def test_a_missing_postgres_driver_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if it were not installed
    with pytest.raises(StoreUnavailable, match=r"psycopg driver.*\[postgres\] extra"):
        Store("postgresql://coach@127.0.0.1:1/coach")
    with pytest.raises(StoreUnavailable, match="Unsupported database 'mysql'"):
        Store("mysql://u@127.0.0.1/db")
