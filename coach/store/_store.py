"""Persistence for accounts and practice sessions (SQLAlchemy; SQLite by default,
PostgreSQL by URL).

One ``Store`` per process holds one Engine; every method opens a short transaction of its
own, so a Store can be shared by all the threads of the web server. Every turn is written
as it happens, together with the session's new state, so a restarted app (or another
replica) picks a session up exactly where it was.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, inspect, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker, undefer
from sqlalchemy.pool import StaticPool

from coach.store import accounts
from coach.store._records import PracticeSession, Turn, User
from coach.store._schema import SCHEMA_VERSION, Base, MetaRow, SessionRow, TurnRow, UserRow, utcnow
from coach.store.accounts import Role

SQLITE_BUSY_TIMEOUT_S = 15


class StoreError(Exception):
    """Base class for the store's own errors."""


class StoreUnavailable(StoreError):
    """The database cannot be opened or reached."""


class UserExists(StoreError):
    pass


class UserNotFound(StoreError, LookupError):
    pass


class SessionNotFound(StoreError, LookupError):
    pass


class StoreConflict(StoreError):
    """Someone else changed the session first (another tab, another replica): reload it."""


def normalise_url(url: str) -> URL:
    """Accept the spellings people paste (postgres://, postgresql://) and use psycopg 3,
    the only PostgreSQL driver this project installs."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers carry on while a turn is written; NORMAL sync is still durable
    # against the app being killed (only an OS crash can lose the last commits).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def _make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        memory = url.database in (None, "", ":memory:")
        if not memory:
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
        engine = create_engine(
            url,
            # Connections move between the web server's worker threads.
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            # An in-memory database exists per connection: share one.
            poolclass=StaticPool if memory else None,
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


class Store:
    def __init__(self, url: str, *, password_rounds: int | None = None) -> None:
        """Open (and if needed create) the database at ``url``.

        ``password_rounds`` is bcrypt's cost for new hashes (default
        ``accounts.DEFAULT_ROUNDS``); tests lower it for speed.
        """
        self.url = normalise_url(url)
        self.password_rounds = password_rounds or accounts.DEFAULT_ROUNDS
        self.engine = _make_engine(self.url)
        self._db = sessionmaker(self.engine, expire_on_commit=False)
        try:
            self._prepare_schema()
        except DBAPIError as exc:
            self.engine.dispose()
            raise StoreUnavailable(
                f"Cannot open the database {self.safe_url}: {exc.orig or exc}"
            ) from exc
        except StoreError:
            self.engine.dispose()
            raise

    def _prepare_schema(self) -> None:
        existing = set(inspect(self.engine).get_table_names())
        if "turns" in existing and MetaRow.__tablename__ not in existing:
            raise StoreUnavailable(
                f"The database {self.safe_url} was written by an early development version of "
                "Outcomes Coach and cannot be used; move it aside and start a new one."
            )
        try:
            Base.metadata.create_all(self.engine)
        except DBAPIError:
            # Two replicas starting together can both try to create a table; the loser
            # finds it there on a second look. A database that cannot be reached fails again.
            Base.metadata.create_all(self.engine)
        for _attempt in range(2):
            try:
                with self._db.begin() as db:
                    found = db.get(MetaRow, "schema_version")
                    if found is None:
                        db.add(MetaRow(key="schema_version", value=str(SCHEMA_VERSION)))
                    elif found.value != str(SCHEMA_VERSION):
                        raise StoreUnavailable(
                            f"The database {self.safe_url} was written by a version of Outcomes "
                            f"Coach with schema {found.value}; this version needs schema "
                            f"{SCHEMA_VERSION}. Point COACH_DATABASE_URL (or COACH_DATA_DIR) at a "
                            "new database, or move the old one aside."
                        )
                return
            except IntegrityError:
                continue  # another process recorded the version at the same moment: re-read

    @property
    def safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.safe_url!r})"

    # --- users ---------------------------------------------------------------------------

    def add_user(
        self, username: str, password: str, role: Role, display_name: str | None = None
    ) -> User:
        """Create an account. Raises accounts.AccountError for a bad detail, UserExists when
        the username is taken (usernames are case-insensitive)."""
        name = accounts.validate_username(username)
        role = accounts.validate_role(role)
        shown = accounts.validate_display_name(display_name, username)
        accounts.validate_password(password, name)
        # Fail fast before paying for a hash; the unique index still settles a race.
        if self.get_user_by_name(name) is not None:
            raise UserExists(f"The username '{name}' is already taken.")
        row = UserRow(
            username=name, display_name=shown, role=role,
            password_hash=accounts.hash_password(password, self.password_rounds),
            created_at=utcnow(),
        )
        try:
            with self._db.begin() as db:
                db.add(row)
        except IntegrityError as exc:
            raise UserExists(f"The username '{name}' is already taken.") from exc
        return User.from_row(row)

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password is right, else None. An unknown or malformed username
        costs the same bcrypt check as a wrong password, so timing does not reveal it."""
        row = self._user_row(accounts.normalise_username(username))
        if row is None:
            accounts.burn_check(self.password_rounds)
            return None
        return User.from_row(row) if accounts.verify_password(password, row.password_hash) else None

    def get_user(self, user_id: int) -> User | None:
        with self._db() as db:
            row = db.get(UserRow, user_id)
            return User.from_row(row) if row else None

    def get_user_by_name(self, username: str) -> User | None:
        row = self._user_row(accounts.normalise_username(username))
        return User.from_row(row) if row else None

    def list_users(self) -> list[User]:
        with self._db() as db:
            rows = db.scalars(select(UserRow).order_by(UserRow.username)).all()
            return [User.from_row(r) for r in rows]

    def set_password(self, username: str, new_password: str) -> None:
        name = accounts.normalise_username(username)
        accounts.validate_password(new_password, name)
        digest = accounts.hash_password(new_password, self.password_rounds)
        with self._db.begin() as db:
            done = db.execute(
                update(UserRow).where(UserRow.username == name).values(password_hash=digest)
            ).rowcount
        if not done:
            raise UserNotFound(f"There is no account called '{name}'.")

    def _user_row(self, name: str) -> UserRow | None:
        with self._db() as db:
            return db.scalars(select(UserRow).where(UserRow.username == name)).one_or_none()

    # --- practice sessions ---------------------------------------------------------------

    def create_session(
        self, user_id: int, persona_id: str, state: dict[str, Any], opening: str
    ) -> PracticeSession:
        now = utcnow()
        row = SessionRow(
            id=str(uuid.uuid4()), user_id=user_id, persona_id=persona_id, status="active",
            opening=opening, state=state, report=None, turn_count=0,
            created_at=now, updated_at=now, ended_at=None,
        )
        try:
            with self._db.begin() as db:
                db.add(row)
        except IntegrityError as exc:  # the foreign key to users
            raise UserNotFound(f"There is no user with id {user_id}.") from exc
        return PracticeSession.from_row(row, turns=[])

    def append_turn(
        self,
        session_id: str,
        index: int,
        learner: str,
        coded: dict[str, Any],
        reply: str,
        act: str,
        receptivity: float,
        mood: str,
        changes: list[dict[str, Any]],
        unlocked: list[str],
        realiser: str,
        fallback_reason: str | None,
        state_after: dict[str, Any],
        feedback: str = "",
    ) -> Turn:
        """Store one exchange and the session's new state in one transaction.

        ``index`` must equal the session's current ``turn_count``. The session row is
        updated with a compare-and-set on that count *before* the turn is inserted, so of
        two writers holding the same index exactly one succeeds; the other gets
        StoreConflict and should reload the session.
        """
        now = utcnow()
        turn = {
            "session_id": session_id, "index": index, "learner": learner, "coded": coded,
            "reply": reply, "act": act, "receptivity": float(receptivity), "mood": mood,
            "changes": changes, "unlocked": unlocked, "realiser": realiser,
            "fallback_reason": fallback_reason, "state_after": state_after, "created_at": now,
            "feedback": feedback,
        }
        try:
            with self._db.begin() as db:
                # Writing first matters on SQLite: a transaction that reads and then writes
                # can fail at once with "database is locked" instead of waiting its turn.
                claimed = db.execute(
                    update(SessionRow)
                    .where(
                        SessionRow.id == session_id,
                        SessionRow.turn_count == index,
                        SessionRow.status == "active",
                    )
                    .values(turn_count=SessionRow.turn_count + 1, state=state_after, updated_at=now)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if claimed != 1:
                    raise self._append_refused(db, session_id, index)
                db.execute(insert(TurnRow).values(**turn))
        except IntegrityError as exc:
            raise StoreConflict(
                f"Turn {index} of session {session_id} has already been stored; reload the session."
            ) from exc
        return Turn(**turn)

    def _append_refused(self, db: Session, session_id: str, index: int) -> StoreError:
        current = db.execute(
            select(SessionRow.status, SessionRow.turn_count).where(SessionRow.id == session_id)
        ).one_or_none()
        if current is None:
            return SessionNotFound(f"There is no practice session {session_id}.")
        status, count = current
        if status != "active":
            return StoreConflict(f"Session {session_id} has ended; no more turns can be added.")
        return StoreConflict(
            f"Session {session_id} already has {count} turn{'' if count == 1 else 's'}, so the "
            f"next index is {count}, not {index}: it was probably changed in another tab. "
            "Reload the session."
        )

    def end_session(
        self, session_id: str, report: dict[str, Any] | None,
        state_after: dict[str, Any] | None = None,
    ) -> None:
        """Mark an active session ended, keep its report and, if given, the person's final
        state. Ending it twice (two tabs) raises StoreConflict, so the first report is
        never overwritten."""
        now = utcnow()
        values: dict[str, Any] = {"status": "ended", "report": report, "updated_at": now, "ended_at": now}
        if state_after is not None:
            values["state"] = state_after
        with self._db.begin() as db:
            done = db.execute(
                update(SessionRow)
                .where(SessionRow.id == session_id, SessionRow.status == "active")
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not done:
                if db.get(SessionRow, session_id) is None:
                    raise SessionNotFound(f"There is no practice session {session_id}.")
                raise StoreConflict(f"Session {session_id} has already ended.")

    def get_session(
        self, session_id: str, user_id: int | None = None, *, turn_states: bool = False
    ) -> PracticeSession:
        """The session with its turns in order (the session's current ``state`` always;
        each turn's ``state_after`` only with ``turn_states=True``, as it is the bulk of a
        long session). With ``user_id``, another user's session is reported as not found,
        so a caller cannot probe which ids exist."""
        query = select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.index)
        if turn_states:
            query = query.options(undefer(TurnRow.state_after))
        with self._db() as db:
            row = db.get(SessionRow, session_id)
            if row is None or (user_id is not None and row.user_id != user_id):
                raise SessionNotFound(f"There is no practice session {session_id}.")
            turns = [Turn.from_row(t, with_state=turn_states) for t in db.scalars(query).all()]
            return PracticeSession.from_row(row, turns=turns)

    def list_sessions(
        self, user_id: int, persona_id: str | None = None, status: str | None = None
    ) -> list[PracticeSession]:
        """One user's sessions, newest first, without their turns."""
        if status not in (None, "active", "ended"):
            raise ValueError(f"Unknown session status '{status}': use 'active' or 'ended'.")
        query = select(SessionRow).where(SessionRow.user_id == user_id)
        if persona_id is not None:
            query = query.where(SessionRow.persona_id == persona_id)
        if status is not None:
            query = query.where(SessionRow.status == status)
        query = query.order_by(SessionRow.created_at.desc(), SessionRow.id)
        with self._db() as db:
            return [PracticeSession.from_row(r) for r in db.scalars(query).all()]

    def latest_active_session(self, user_id: int, persona_id: str) -> PracticeSession | None:
        """The active session touched most recently, with its turns: what to resume after
        a restart or in a new tab."""
        with self._db() as db:
            found = db.scalar(
                select(SessionRow.id)
                .where(
                    SessionRow.user_id == user_id,
                    SessionRow.persona_id == persona_id,
                    SessionRow.status == "active",
                )
                .order_by(SessionRow.updated_at.desc())
                .limit(1)
            )
        return self.get_session(found) if found else None
