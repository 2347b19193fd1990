"""From a database URL to a configured SQLAlchemy Engine (SQLite by default, PostgreSQL
through psycopg 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, CursorResult, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.expression import Executable

from coach.store._errors import StoreUnavailable

SQLITE_BUSY_TIMEOUT_S = 15


def normalise_url(url: str) -> URL:
    """Accept the spellings people paste (postgres://, postgresql://) and use psycopg 3,
    the only PostgreSQL driver this project installs."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL; None for in-memory SQLite and other backends."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers carry on while a turn is written; NORMAL sync is still durable
    # against the app being killed (only an OS crash can lose the last commits).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            # Connections move between the web server's worker threads.
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            # An in-memory database exists per connection: share one.
            poolclass=StaticPool if path is None else None,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.get_backend_name() == "postgresql":
        try:
            import psycopg  # noqa: F401
        except ModuleNotFoundError as exc:
            raise StoreUnavailable(
                "PostgreSQL needs the psycopg driver: pip install 'psycopg[binary]==3.3.9' "
                "(or install the project with the [postgres] extra)."
            ) from exc
        # pre_ping: a restarted PostgreSQL must not turn the next request into an error.
        return create_engine(url, pool_pre_ping=True)
    raise StoreUnavailable(
        f"Unsupported database '{url.get_backend_name()}': use sqlite:///PATH or postgresql://..."
    )


def changed(db: Session, statement: Executable) -> int:
    """Rows an UPDATE or DELETE matched. ``Session.execute`` is typed as returning a plain
    ``Result``; for these statements it is a ``CursorResult``, which carries the count."""
    return cast("CursorResult[Any]", db.execute(statement)).rowcount
