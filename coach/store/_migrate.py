"""Creating and upgrading the database schema with Alembic.

Every ``Store`` calls ``upgrade`` when it opens a database, so the app and every
``coach`` command create a new database or bring an old one up to date by themselves;
``coach db upgrade`` and ``coach db current`` do it, or look, on purpose. The migration
environment and its revisions are package data in ``coach/store/migrations/``.

- One process at a time: on SQLite an exclusive lock on ``<database>.lock`` beside the
  file, on PostgreSQL an advisory lock; whoever waited then finds the work done.
- An existing SQLite file is copied beside itself, as
  ``<database>.backup-<revision>-<UTC time>``, before it is upgraded.
- A database written before migrations existed (tables and a ``coach_meta`` row with
  schema version 1, no ``alembic_version`` table) is recognised as revision 0001 and
  upgraded from there.

Adding a table or column (later issues will):
  1. change the models in ``_schema.py``;
  2. add ``coach/store/migrations/versions/NNNN_what_it_does.py`` with ``revision =
     "NNNN"``, ``down_revision`` = the previous number, and ``upgrade()``/``downgrade()``
     written with ``alembic.op`` (``op.create_table``, ``op.add_column``; on SQLite use
     ``with op.batch_alter_table(...)`` for anything beyond adding). Spell the tables out
     in the revision rather than importing the models: a revision must keep doing what
     it did when the models move on;
  3. ``tests/store/test_migrations.py`` checks that the upgraded schema matches the
     models on SQLite (and PostgreSQL with COACH_TEST_POSTGRES=1).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from coach.store._engine import make_engine, normalise_url, sqlite_file
from coach.store._errors import StoreUnavailable

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The revision a database written before migrations is at: today's first revision.
PRE_ALEMBIC = "0001"
# First half of the PostgreSQL advisory lock key (any fixed 32-bit number; "coac" in
# ASCII); the second half is the schema, so deployments sharing a database through
# different schemas do not wait for each other.
_PG_LOCK_KEY = 0x636F6163


@dataclass(frozen=True)
class Migration:
    """What opening the database did to it."""

    before: str | None  # the revision found; None for a new (empty) database
    after: str
    applied: tuple[str, ...]  # revisions run, oldest first
    backup: Path | None = None

    @property
    def created(self) -> bool:
        return self.before is None and bool(self.applied)


@dataclass(frozen=True)
class Revision:
    """Where a database stands, without changing it (``coach db current``)."""

    where: str  # the URL without its password
    revision: str | None  # None: nothing there yet
    head: str
    pre_alembic: bool = False  # written before migrations; counts as revision 0001
    exists: bool = True  # False: a SQLite file not created yet

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["applied"] = []
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    """The revisions, read once per process: they are files of the installed package."""
    return ScriptDirectory.from_config(_config())


def head() -> str:
    found = _scripts().get_current_head()
    assert found is not None, f"no revisions in {MIGRATIONS}"
    return found


def _known(revision: str) -> bool:
    return revision in {s.revision for s in _scripts().walk_revisions()}


def _found_revision(conn: Connection, where: str) -> tuple[str | None, bool]:
    """The database's revision, and whether it was written before migrations; refuses a
    database this version cannot upgrade."""
    found = MigrationContext.configure(conn).get_current_revision()
    if found is not None:
        if not _known(found):
            raise StoreUnavailable(
                f"The database {where} is at schema revision {found}, which this version of "
                f"Outcomes Coach does not know (its latest is {head()}): it was upgraded by a "
                "newer version. Run that version, or point COACH_DATABASE_URL (or "
                "COACH_DATA_DIR) at another database."
            )
        return found, False
    tables = set(inspect(conn).get_table_names())
    if "coach_meta" in tables:
        version = conn.execute(
            text("SELECT value FROM coach_meta WHERE key = 'schema_version'")
        ).scalar()
        # Before migrations a missing row was written as "1" on the next start.
        if version not in (None, "1"):
            raise StoreUnavailable(
                f"The database {where} was written by a version of Outcomes Coach with schema "
                f"{version}; this version needs schema 1 or a database it has upgraded. Point "
                "COACH_DATABASE_URL (or COACH_DATA_DIR) at a new database, or move the old "
                "one aside."
            )
        return PRE_ALEMBIC, True
    if "turns" in tables:
        raise StoreUnavailable(
            f"The database {where} was written by an early development version of "
            "Outcomes Coach and cannot be used; move it aside and start a new one."
        )
    return None, False


def database_revision(url: str) -> Revision:
    """Where the database at ``url`` stands, changing nothing (a SQLite file that does not
    exist is not created)."""
    parsed = normalise_url(url)
    where = parsed.render_as_string(hide_password=True)
    path = sqlite_file(parsed)
    if path is not None and not path.exists():
        return Revision(where, None, head(), exists=False)
    engine = make_engine(parsed)
    try:
        with engine.connect() as conn:
            found, pre_alembic = _found_revision(conn, where)
    except DBAPIError as exc:
        raise StoreUnavailable(f"Cannot open the database {where}: {exc.orig or exc}") from exc
    finally:
        engine.dispose()
    return Revision(where, found, head(), pre_alembic)


def upgrade(engine: Engine, where: str) -> Migration:
    """Create the schema, or upgrade it to the latest revision, under a lock."""
    with _exclusive(engine) as conn:
        found, pre_alembic = _found_revision(conn, where)
        latest = head()
        if found == latest:
            return Migration(found, latest, ())
        path = sqlite_file(engine.url)
        backup = _backup(path, found) if path is not None and found is not None else None
        config = _config(conn)
        try:
            if pre_alembic:
                command.stamp(config, PRE_ALEMBIC)
            command.upgrade(config, "head")
        except Exception as exc:
            kept = f"; the copy taken before is {backup}" if backup else ""
            raise StoreUnavailable(
                f"Upgrading the database {where} from revision {found or 'none'} to {latest} "
                f"failed, and nothing was changed ({type(exc).__name__}: {exc}){kept}."
            ) from exc
        applied = tuple(config.attributes["applied"])
        log.info("Database %s: revision %s -> %s (ran %s)%s", where, found or "none", latest,
                 ", ".join(applied), f"; backup {backup}" if backup else "")
        return Migration(found, latest, applied, backup)


@contextlib.contextmanager
def _exclusive(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction that no other process migrating the same
    database runs at the same time; committed when the block ends without error."""
    if engine.url.get_backend_name() == "postgresql":
        with engine.begin() as conn:
            # Released by the commit or rollback; PostgreSQL's DDL is transactional, so
            # a failed upgrade leaves nothing half done.
            conn.execute(
                text("SELECT pg_advisory_xact_lock(:key, hashtext(coalesce(current_schema(), '')))"),
                {"key": _PG_LOCK_KEY},
            )
            yield conn
        return
    with _file_lock(sqlite_file(engine.url)), engine.connect() as conn:
        yield from _sqlite_transaction(conn)


@contextlib.contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    if path is None:  # in memory: nobody else can see it
        yield
        return
    lock = path.with_name(path.name + ".lock")
    try:
        handle = lock.open("a")
    except OSError as exc:
        raise StoreUnavailable(f"Cannot create the lock file {lock}: {exc}") from exc
    # The file stays: removing it while another process waits on it would let a third
    # process lock a new file and run beside the second.
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_transaction(conn: Connection) -> Iterator[Connection]:
    """One real SQLite transaction around the whole upgrade. Python's sqlite3 would run
    each CREATE or ALTER on its own; with the driver's autocommit off and an explicit
    BEGIN the upgrade is all or nothing. Foreign keys are off meanwhile (SQLite ignores
    the pragma inside a transaction), as SQLite asks for table rebuilds, because
    dropping the old copy of a table would otherwise cascade to the rows that refer to
    it; they are checked before the commit instead."""
    auto = conn.execution_options(isolation_level="AUTOCOMMIT")
    auto.exec_driver_sql("PRAGMA foreign_keys=OFF")
    auto.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield auto
        broken = auto.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise StoreUnavailable(f"The upgrade would break references between rows: {broken[:5]}")
        auto.exec_driver_sql("COMMIT")
    except BaseException:
        # SQLite may have rolled back already (a failed COMMIT): keep the first error.
        with contextlib.suppress(DBAPIError):
            auto.exec_driver_sql("ROLLBACK")
        raise
    finally:
        auto.exec_driver_sql("PRAGMA foreign_keys=ON")


def _backup(path: Path, revision: str) -> Path:
    """A consistent copy of the database file (the part still in the WAL file included)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.backup-{revision}-{stamp}")
    copy_number = 1
    while target.exists():  # another upgrade in the same second (a downgrade in between)
        copy_number += 1
        target = path.with_name(f"{path.name}.backup-{revision}-{stamp}-{copy_number}")
    source = sqlite3.connect(path)
    try:
        with contextlib.closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
            # One self-contained file, whatever journal the original uses.
            copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise StoreUnavailable(f"Cannot back up {path} before upgrading it: {exc}") from exc
    finally:
        source.close()
    return target


def on_version_apply(config: Config, **info: Any) -> None:
    """Called by env.py after each revision; records what ran for ``Migration.applied``."""
    step = info["step"]
    if step.is_upgrade and not step.is_stamp:
        config.attributes["applied"].extend(step.up_revision_ids)

