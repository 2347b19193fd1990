"""Schema migrations: a database from before migrations is backed up, recognised as
revision 0001 and upgraded with nothing lost; new databases are created once, under a
lock; the revisions build exactly what the models describe. SQLite always, PostgreSQL too
with COACH_TEST_POSTGRES=1 (the ``db_url`` fixture in conftest.py)."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
import tomllib
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, select, text

from coach.store import Revision, Store, StoreUnavailable, database_revision
from coach.store import _migrate as migrate
from coach.store._engine import make_engine, normalise_url
from coach.store._schema import Base, TurnRow
from tests.store import legacy_v1
from tests.store.conversations import conversation, opening_state

HEAD = "0005"
# Every revision a new database runs, oldest first.
ALL = ("0001", "0002", "0003", "0004", "0005")
PASSWORD = "correct horse"
T0 = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


@dataclass
class LegacyData:
    """What a version-1 database was given, to compare with what the new store reads."""

    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    turns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def write_legacy(url: str) -> LegacyData:
    """A database written as version 1 wrote it, through a frozen copy of its tables."""
    engine = legacy_v1.create(url)
    data = LegacyData()
    digest = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    plans = [  # user, persona, turns, ended with a report?
        ("alice", "debs", 12, False), ("alice", "britton", 3, True), ("alice", "iris", 0, False),
        ("bob", "debs", 1, True),
    ]
    with engine.begin() as conn:
        for n, name in enumerate(("alice", "bob")):
            user = {"username": name, "display_name": name.title() + " Wynne",
                    "role": ("trainee", "supervisor")[n], "password_hash": digest,
                    "created_at": T0 + timedelta(minutes=n)}
            user_id = conn.execute(
                legacy_v1.UserRow.__table__.insert().values(**user)
                .returning(legacy_v1.UserRow.__table__.c.id)
            ).scalar_one()
            data.users[user_id] = user
        by_name = {u["username"]: i for i, u in data.users.items()}
        for k, (name, persona, count, ended) in enumerate(plans):
            opening = f"Come in, if you must ({persona})."
            played = conversation(count, opening, seed=k)
            session_id = str(uuid.uuid4())
            turns = []
            for i, (learner, reply, state) in enumerate(played):
                turns.append({
                    "session_id": session_id, "index": i, "learner": learner,
                    "coded": {"code": "open_question", "stance": "outcomes", "confidence": 0.9},
                    "reply": reply, "act": "answer", "receptivity": state["receptivity"],
                    "mood": "guarded", "changes": [{"reason": "open question", "delta": 0.04}],
                    "unlocked": [f"item_{i}"] if i in (3, 7) else [], "realiser": "scripted",
                    "fallback_reason": None if i % 2 else "no model configured",
                    "feedback": f"An open question ({i}).", "state_after": state,
                    "created_at": T0 + timedelta(hours=k, minutes=i + 1),
                })
            final = turns[-1]["state_after"] if turns else opening_state(opening, k).to_dict()
            session = {
                "id": session_id, "user_id": by_name[name], "persona_id": persona,
                "status": "ended" if ended else "active", "opening": opening,
                "state": {**final, "ended": True, "end_reason": "the trainee ended it"} if ended else final,
                "report": {"schema": 1, "indicators": [{"name": "R:Q", "value": 1.5}]} if ended else None,
                "turn_count": count, "created_at": T0 + timedelta(hours=k),
                "updated_at": T0 + timedelta(hours=k, minutes=count),
                "ended_at": T0 + timedelta(hours=k, minutes=30) if ended else None,
            }
            conn.execute(legacy_v1.SessionRow.__table__.insert().values(**session))
            for turn in turns:
                conn.execute(legacy_v1.TurnRow.__table__.insert().values(
                    **{("turn_index" if k == "index" else k): v for k, v in turn.items()}
                ))
            data.sessions[session_id] = session
            data.turns[session_id] = turns
    engine.dispose()
    return data


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def backups(url: str) -> list[Path]:
    if not url.startswith("sqlite"):
        return []
    path = sqlite_path(url)
    return sorted(path.parent.glob(path.name + ".backup-*"))


def stored_turn_states(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(TurnRow.state_after).order_by(TurnRow.id)).scalars())


def test_a_database_from_before_migrations_is_backed_up_upgraded_and_whole(db_url: str) -> None:
    data = write_legacy(db_url)
    looked = database_revision(db_url)
    assert (looked.revision, looked.pre_alembic, looked.up_to_date) == ("0001", True, False)
    before_upgrade = datetime.now(UTC).replace(microsecond=0)

    store = Store(db_url, password_rounds=4)
    with store:
        done = store.migration
        assert (done.before, done.after, done.applied) == ("0001", HEAD, ALL[1:])
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == HEAD
            # A version from before migrations reads this and refuses the database.
            assert conn.execute(text("SELECT value FROM coach_meta")).scalar_one() == "2"

        # Every user, session, turn and report reads back as it was written.
        for user_id, user in data.users.items():
            found = store.get_user(user_id)
            assert found is not None
            assert (found.username, found.display_name, found.role, found.created_at) == (
                user["username"], user["display_name"], user["role"], user["created_at"])
            assert store.authenticate(user["username"], PASSWORD) == found
        for session_id, session in data.sessions.items():
            loaded = store.get_session(session_id, turn_states=True)
            assert {k: getattr(loaded, k) for k in session} == session
            # Turns from before 0004 carry no browser turn id; everything else as written.
            assert [_without_turn_id(asdict(t)) for t in loaded.turns] == data.turns[session_id]
            assert all(t.client_turn_id is None for t in loaded.turns)
            # The state after every turn is restorable, one at a time or all together.
            for turn in data.turns[session_id]:
                assert store.state_after(session_id, turn["index"]) == turn["state_after"]
        assert sum(len(t) for t in data.turns.values()) == 16

        # ... and is no longer stored with a copy of the conversation.
        stored = stored_turn_states(store)
        assert len(stored) == 16 and all("history" not in s["fields"] for s in stored)
        assert all(s.get("history_from_turns") for s in stored)

        # The conversation carries on after the upgrade.
        active = next(s for s, v in data.sessions.items() if v["turn_count"] == 12)
        learner, reply, state = conversation(13, data.sessions[active]["opening"], seed=0)[12]
        store.append_turn(active, 12, learner, {}, reply, "answer", 0.5, "warming", [], [],
                          "scripted", None, state)
        assert store.state_after(active, 12) == state
        assert store.state_after(active, 11) == data.turns[active][11]["state_after"]

    if db_url.startswith("sqlite"):
        (copy,) = backups(db_url)
        assert done.backup == copy
        found = re.fullmatch(r"coach\.db\.backup-0001-(\d{8}T\d{6}Z)", copy.name)
        assert found, copy.name
        taken = datetime.strptime(found[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        assert before_upgrade <= taken <= datetime.now(UTC)
        # The copy is the database as it was: version 1, whole states, no alembic_version.
        with sqlite3.connect(copy) as old:
            names = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            assert names == {"coach_meta", "users", "practice_sessions", "turns"}
            assert old.execute("SELECT value FROM coach_meta").fetchone() == ("1",)
            states = [json.loads(r[0]) for r in old.execute("SELECT state_after FROM turns ORDER BY id")]
        assert states == [t["state_after"] for ts in data.turns.values() for t in ts]
    else:
        assert done.backup is None  # PostgreSQL is backed up with its own tools

    assert database_revision(db_url) == Revision(looked.where, HEAD, HEAD)
    # Opened again: nothing to do, and no second copy.
    with Store(db_url) as again:
        assert again.migration.applied == () and again.migration.before == HEAD
    assert len(backups(db_url)) == (1 if db_url.startswith("sqlite") else 0)


def test_the_compaction_revision_can_be_undone(db_url: str) -> None:
    data = write_legacy(db_url)
    Store(db_url).close()
    store_engine = Store(db_url).engine
    # As upgrades run: one transaction, and on SQLite foreign keys off while 0003's
    # downgrade rebuilds tables (dropping the old copy would otherwise cascade).
    with migrate._exclusive(store_engine) as conn:
        command.downgrade(migrate._config(conn), "0001")
    with store_engine.connect() as conn:
        states = list(conn.execute(select(TurnRow.state_after).order_by(TurnRow.id)).scalars())
        assert conn.execute(text("SELECT value FROM coach_meta")).scalar_one() == "1"
    assert states == [t["state_after"] for ts in data.turns.values() for t in ts]
    store_engine.dispose()


def _rows(engine: Engine, table: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]


def test_a_database_at_0002_with_data_gains_supervision_and_loses_nothing(db_url: str) -> None:
    write_legacy(db_url)
    engine = make_engine(normalise_url(db_url))
    with engine.begin() as conn:
        config = migrate._config(conn)
        command.stamp(config, "0001")
        command.upgrade(config, "0002")
    before = {t: _rows(engine, t) for t in ("users", "practice_sessions", "turns", "coach_meta")}
    assert len(before["turns"]) == 16

    with Store(db_url, password_rounds=4) as store:
        assert (store.migration.before, store.migration.applied) == ("0002", ("0003", "0004", "0005"))
        after = {t: _rows(store.engine, t) for t in before}
        # Every row as it was; sessions gain only an empty assignment link (0003) and an
        # empty rewind link (0005), turns an empty browser turn id (0004).
        assert after["users"] == before["users"]
        assert [_without_turn_id(r) for r in after["turns"]] == before["turns"]
        assert after["coach_meta"] == before["coach_meta"]
        added = ("assignment_id", "parent_id", "branched_at")
        assert [{k: v for k, v in r.items() if k not in added}
                for r in after["practice_sessions"]] == before["practice_sessions"]
        assert {r[k] for r in after["practice_sessions"] for k in added} == {None}
        assert {"teams", "team_members", "assignments", "assignment_assignees", "overrides",
                "comments", "supervision_notes"} <= tables(store.engine)
        # The new role and tables work on the upgraded data.
        alice = store.get_user_by_name("alice")
        store.add_user("root", "a-good-password", "admin")
        team = store.create_team("North", [store.get_user_by_name("bob").id])
        store.set_members(team.id, [alice.id], "member")
        assert store.led_member_ids(store.get_user_by_name("bob").id) == {alice.id}
        session = store.list_sessions(alice.id, status="ended")[0]
        store.set_override(session.id, 0, "reflection_complex", None, "a reflection", alice.id)
        assert store.overrides_for(session.id)[0].code == "reflection_complex"
        # 0003 refuses to be undone while an admin exists.
        with (migrate._exclusive(store.engine) as conn,
              pytest.raises(RuntimeError, match="admin account")):
            command.downgrade(migrate._config(conn), "0002")
    engine.dispose()


SUPERVISION_TABLES = ("teams", "team_members", "assignments", "assignment_assignees",
                      "overrides", "comments", "supervision_notes")


def test_a_database_at_0003_with_data_gains_sign_in_and_loses_nothing(db_url: str) -> None:
    write_legacy(db_url)
    engine = make_engine(normalise_url(db_url))
    with migrate._exclusive(engine) as conn:  # as the store migrates (foreign keys held)
        config = migrate._config(conn)
        command.stamp(config, "0001")
        command.upgrade(config, "0003")
    with engine.begin() as conn:  # supervision data, written as revision 0003 wrote it
        ids = dict(conn.execute(text("SELECT username, id FROM users")).all())
        session_id = conn.execute(text("SELECT id FROM practice_sessions WHERE status = 'ended' "
                                       "ORDER BY id LIMIT 1")).scalar_one()
        now = {"at": T0}
        conn.execute(text("INSERT INTO teams (id, name, created_at) VALUES (1, 'North', :at)"), now)
        conn.execute(text("INSERT INTO team_members VALUES (1, :bob, 'lead'), (1, :alice, 'member')"),
                     {"bob": ids["bob"], "alice": ids["alice"]})
        conn.execute(text("INSERT INTO assignments (id, persona_id, goal, team_id, set_by, "
                          "created_at) VALUES (1, 'debs', 'Reflect when Debs is angry', 1, :bob, :at)"),
                     {"bob": ids["bob"], **now})
        conn.execute(text("INSERT INTO assignment_assignees VALUES (1, :alice)"), {"alice": ids["alice"]})
        conn.execute(text("INSERT INTO overrides (session_id, turn_index, code, stance, reason, "
                          "by_user, created_at) VALUES (:s, 0, 'reflection_complex', NULL, "
                          "'a reflection', :bob, :at)"), {"s": session_id, "bob": ids["bob"], **now})
        conn.execute(text("INSERT INTO comments (session_id, turn_index, author, text, created_at) "
                          "VALUES (:s, 0, :bob, 'Well held', :at)"),
                     {"s": session_id, "bob": ids["bob"], **now})
        conn.execute(text("INSERT INTO supervision_notes VALUES (:s, :bob, 'a', 'b', 'c', 'd', :at)"),
                     {"s": session_id, "bob": ids["bob"], **now})
    kept = ("users", "coach_meta", *SUPERVISION_TABLES)
    before = {t: _rows(engine, t) for t in (*kept, "practice_sessions", "turns")}
    assert all(before[t] for t in SUPERVISION_TABLES)

    with Store(db_url, password_rounds=4) as store:
        assert (store.migration.before, store.migration.applied) == ("0003", ("0004", "0005"))
        after = {t: _rows(store.engine, t) for t in before}
        # Every row of every table as it was; turns gain only an empty browser turn id
        # (0004), sessions only an empty rewind link (0005).
        assert {t: after[t] for t in kept} == {t: before[t] for t in kept}
        rewind = ("parent_id", "branched_at")
        assert [{k: v for k, v in r.items() if k not in rewind}
                for r in after["practice_sessions"]] == before["practice_sessions"]
        assert [_without_turn_id(r) for r in after["turns"]] == before["turns"]
        assert {r["client_turn_id"] for r in after["turns"]} == {None}
        assert {"sign_in_sessions", "sign_in_attempts"} <= tables(store.engine)
        assert store.overrides_for(session_id)[0].code == "reflection_complex"
    engine.dispose()


def test_a_new_database_is_created_at_the_latest_revision_without_a_backup(db_url: str) -> None:
    with Store(db_url) as store:
        assert (store.migration.before, store.migration.applied) == (None, ALL)
        assert store.migration.created and store.migration.backup is None
    assert backups(db_url) == []


def test_the_revisions_build_what_the_models_describe(db_url: str) -> None:
    """Guards every future revision: change the models without a revision (or the other
    way round) and this fails with the difference."""
    with Store(db_url) as store, store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_revision_0001_is_the_schema_from_before_migrations(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(normalise_url(db_url))
    with engine.begin() as conn:
        command.upgrade(migrate._config(conn), "0001")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), legacy_v1.Base.metadata) == []
    engine.dispose()
    if db_url.startswith("sqlite"):
        # Down to the DDL text: checks and ON DELETE CASCADE, which the comparison skips.
        legacy = tmp_path / "legacy.db"
        legacy_v1.create(f"sqlite:///{legacy}").dispose()

        def ddl(path: Path) -> set[tuple[str, str]]:
            with sqlite3.connect(path) as db:
                return {(name, sql) for name, sql in db.execute(
                    "SELECT name, sql FROM sqlite_master WHERE name != 'alembic_version'"
                    " AND name NOT LIKE 'sqlite_autoindex%'")}

        assert ddl(sqlite_path(db_url)) == ddl(legacy)


def test_a_failed_upgrade_changes_nothing(db_url: str) -> None:
    data = write_legacy(db_url)
    broken = next(iter(data.turns.values()))[5]
    engine = create_engine(db_url)
    with engine.begin() as conn:  # a state the compaction cannot read
        conn.execute(TurnRow.__table__.update().where(TurnRow.__table__.c.turn_index == 5)
                     .values(state_after=["not", "a", "state"]))
    with pytest.raises(StoreUnavailable, match=f"from revision 0001 to {HEAD} failed, and nothing was changed"):
        Store(db_url)
    assert "alembic_version" not in tables(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM coach_meta")).scalar_one() == "1"
        first = conn.execute(select(TurnRow.__table__.c.state_after).where(
            TurnRow.__table__.c.session_id == broken["session_id"],
            TurnRow.__table__.c.turn_index == 0)).scalar_one()
    assert "history" in first  # not compacted: the upgrade was undone as a whole
    engine.dispose()


def test_a_database_upgraded_by_a_newer_version_is_refused_untouched(db_url: str) -> None:
    Store(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(StoreUnavailable, match=rf"revision 0099, which this version .*latest is {HEAD}"):
        Store(db_url)
    assert backups(db_url) == []
    engine.dispose()


def test_an_upgrade_waits_for_one_already_running(db_url: str) -> None:
    """Whoever holds the migration lock (another process starting up) is waited for: on
    SQLite the lock file beside the database, on PostgreSQL the advisory lock."""
    holder = make_engine(normalise_url(db_url))
    held = (migrate._file_lock(sqlite_path(db_url)) if db_url.startswith("sqlite")
            else migrate._exclusive(holder))
    opened: list[Store] = []
    with held:
        opener = threading.Thread(target=lambda: opened.append(Store(db_url)))
        opener.start()
        opener.join(timeout=1.5)
        assert opener.is_alive(), "the store did not wait for the migration lock"
        assert "alembic_version" not in tables(holder)
    opener.join(timeout=30)
    assert opened and opened[0].migration.applied == ALL
    opened[0].close()
    holder.dispose()


CHILD = """
import json, sys, time
from pathlib import Path
from coach.store import Store
ready, go, url = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
ready.touch()
while not go.exists():
    time.sleep(0.002)
with Store(url) as store:
    print(json.dumps(list(store.migration.applied)))
"""


def test_two_processes_creating_a_new_sqlite_database_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'coach.db'}"
    go = tmp_path / "go"
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / f"ready{n}"), str(go), url],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(2)
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready{n}").exists() for n in range(2)):
        assert time.monotonic() < deadline and all(c.poll() is None for c in children)
        time.sleep(0.01)
    go.touch()  # both open the store at the same moment
    results = [c.communicate(timeout=60) for c in children]
    assert [c.returncode for c in children] == [0, 0], [err for _, err in results]
    applied = sorted(json.loads(out) for out, _ in results)
    assert applied == [[], list(ALL)]  # the schema was created once
    with sqlite3.connect(tmp_path / "data" / "coach.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    assert backups(url) == []


def test_the_migrations_ship_as_package_data() -> None:
    """A non-editable install carries only the files package-data names (setuptools globs
    them from the package's directory)."""
    package = Path(migrate.__file__).resolve().parents[1]
    config = tomllib.loads((package.parent / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = {p for pattern in config["tool"]["setuptools"]["package-data"]["coach"]
               for p in package.glob(pattern)}
    needed = {p for p in migrate.MIGRATIONS.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    assert {p.name for p in needed} >= {"env.py", "0001_initial_schema.py", "0002_compact_turn_states.py",
                                       "0003_supervision.py", "0004_sign_in.py", "0005_exercises.py"}
    assert needed <= shipped, sorted(str(p) for p in needed - shipped)


def _without_turn_id(turn: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in turn.items() if k != "client_turn_id"}
