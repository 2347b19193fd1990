"""Persistence for accounts and practice sessions (SQLAlchemy; SQLite by default,
PostgreSQL by URL).

One ``Store`` per process holds one Engine; every method opens a short transaction of its
own, so a Store can be shared by all the threads of the web server. Every turn is written
as it happens, together with the session's new state, so a restarted app (or another
replica) picks a session up exactly where it was. Opening a Store creates the database,
or upgrades it to the latest schema revision, first (``_migrate``).
"""

from __future__ import annotations

import uuid
from collections import deque
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker, undefer

from coach.store import _migrate, _turnstate, accounts
from coach.store._engine import changed, make_engine, normalise_url
from coach.store._errors import (
    SessionNotFound,
    StoreConflict,
    StoreError,
    StoreUnavailable,
    TurnNotFound,
    UserExists,
    UserNotFound,
)
from coach.store._exercises import ExerciseQueries
from coach.store._records import PracticeSession, Turn, User
from coach.store._reviews import ReviewQueries
from coach.store._schema import SessionRow, TurnRow, UserRow, utcnow
from coach.store._teams import TeamQueries
from coach.store.accounts import Role


class Store(TeamQueries, ReviewQueries, ExerciseQueries):
    def __init__(self, url: str, *, password_rounds: int | None = None) -> None:
        """Open the database at ``url``, creating it or upgrading its schema if needed
        (``self.migration`` says what was done).

        ``password_rounds`` is bcrypt's cost for new hashes (default
        ``accounts.DEFAULT_ROUNDS``); tests lower it for speed.
        """
        self.url = normalise_url(url)
        self.password_rounds = password_rounds or accounts.DEFAULT_ROUNDS
        self.engine = make_engine(self.url)
        self._db = sessionmaker(self.engine, expire_on_commit=False)
        try:
            self.migration = _migrate.upgrade(self.engine, self.safe_url)
        except DBAPIError as exc:
            self.engine.dispose()
            raise StoreUnavailable(
                f"Cannot open the database {self.safe_url}: {exc.orig or exc}"
            ) from exc
        except StoreError:
            self.engine.dispose()
            raise

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
            done = changed(db, 
                update(UserRow).where(UserRow.username == name).values(password_hash=digest)
            )
        if not done:
            raise UserNotFound(f"There is no account called '{name}'.")

    def _user_row(self, name: str) -> UserRow | None:
        with self._db() as db:
            return db.scalars(select(UserRow).where(UserRow.username == name)).one_or_none()

    # --- practice sessions ---------------------------------------------------------------

    def create_session(
        self, user_id: int, persona_id: str, state: dict[str, Any], opening: str,
        assignment_id: int | None = None,
    ) -> PracticeSession:
        now = utcnow()
        row = SessionRow(
            id=str(uuid.uuid4()), user_id=user_id, persona_id=persona_id, status="active",
            opening=opening, state=state, report=None, turn_count=0,
            created_at=now, updated_at=now, ended_at=None, assignment_id=assignment_id,
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
        client_turn_id: str | None = None,
    ) -> Turn:
        """Store one exchange and the session's new state in one transaction.

        ``index`` must equal the session's current ``turn_count``. The session row is
        updated with a compare-and-set on that count *before* the turn is inserted, so of
        two writers holding the same index exactly one succeeds; the other gets
        StoreConflict and should reload the session. The turn keeps ``state_after`` in
        compact form (``_turnstate``); ``state_after()`` gives it back whole.
        """
        now = utcnow()
        turn: dict[str, Any] = {
            "session_id": session_id, "index": index, "learner": learner, "coded": coded,
            "reply": reply, "act": act, "receptivity": float(receptivity), "mood": mood,
            "changes": changes, "unlocked": unlocked, "realiser": realiser,
            "fallback_reason": fallback_reason, "state_after": state_after, "created_at": now,
            "feedback": feedback, "client_turn_id": client_turn_id,
        }
        try:
            with self._db.begin() as db:
                # Writing first matters on SQLite: a transaction that reads and then writes
                # can fail at once with "database is locked" instead of waiting its turn.
                claimed = changed(db, 
                    update(SessionRow)
                    .where(
                        SessionRow.id == session_id,
                        SessionRow.turn_count == index,
                        SessionRow.status == "active",
                    )
                    .values(turn_count=SessionRow.turn_count + 1, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
                if claimed != 1:
                    raise self._append_refused(db, session_id, index)
                # Read under the claim just made: the state after the previous turn, which
                # the compact form of this turn's state is relative to.
                before, opening = db.execute(
                    select(SessionRow.state, SessionRow.opening).where(SessionRow.id == session_id)
                ).one()
                db.execute(
                    update(SessionRow).where(SessionRow.id == session_id).values(state=state_after)
                    .execution_options(synchronize_session=False)
                )
                stored = _turnstate.compact(before if index else None, state_after, opening,
                                            learner, reply)
                db.execute(insert(TurnRow).values(**{**turn, "state_after": stored}))
        except IntegrityError as exc:
            raise StoreConflict(
                f"Turn {index} of session {session_id} has already been stored; reload the session."
            ) from exc
        return Turn(**turn)

    def turn_with_client_id(self, session_id: str, client_turn_id: str) -> int | None:
        """The index of the session's turn sent with this id, if it was stored."""
        with self._db() as db:
            return db.scalar(select(TurnRow.index).where(
                TurnRow.session_id == session_id, TurnRow.client_turn_id == client_turn_id))

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
            done = changed(db, 
                update(SessionRow)
                .where(SessionRow.id == session_id, SessionRow.status == "active")
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if not done:
                if db.get(SessionRow, session_id) is None:
                    raise SessionNotFound(f"There is no practice session {session_id}.")
                raise StoreConflict(f"Session {session_id} has already ended.")

    def get_session(
        self, session_id: str, user_id: int | None = None, *, turn_states: bool = False
    ) -> PracticeSession:
        """The session with its turns in order (the session's current ``state`` always;
        each turn's ``state_after``, restored whole, only with ``turn_states=True``). With
        ``user_id``, another user's session is reported as not found, so a caller cannot
        probe which ids exist."""
        query = select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.index)
        if turn_states:
            query = query.options(undefer(TurnRow.state_after))
        with self._db() as db:
            row = db.get(SessionRow, session_id)
            if row is None or (user_id is not None and row.user_id != user_id):
                raise SessionNotFound(f"There is no practice session {session_id}.")
            rows = db.scalars(query).all()
        states: list[dict[str, Any] | None] = [None] * len(rows)
        if turn_states:
            states = list(_turnstate.restore_all(
                row.opening, ((t.learner, t.reply, t.state_after) for t in rows)
            ))
        turns = [Turn.from_row(t, state) for t, state in zip(rows, states, strict=True)]
        return PracticeSession.from_row(row, turns=turns)

    def state_after(
        self, session_id: str, index: int, user_id: int | None = None
    ) -> dict[str, Any]:
        """The person's whole state just after turn ``index`` (0-based), exactly as it was
        given to ``append_turn``, restored from the stored turns without replaying the
        conversation. ``user_id`` as for ``get_session``."""
        with self._db() as db:
            found = db.execute(
                select(SessionRow.user_id, SessionRow.opening, SessionRow.turn_count)
                .where(SessionRow.id == session_id)
            ).one_or_none()
            if found is None or (user_id is not None and found.user_id != user_id):
                raise SessionNotFound(f"There is no practice session {session_id}.")
            if not 0 <= index < found.turn_count:
                held = (f"turns 0 to {found.turn_count - 1}" if found.turn_count
                        else "no turns yet")
                raise TurnNotFound(
                    f"There is no turn {index} in session {session_id}: it has {held}."
                )
            rows = db.execute(
                select(TurnRow.learner, TurnRow.reply, TurnRow.state_after)
                .where(TurnRow.session_id == session_id, TurnRow.index <= index)
                .order_by(TurnRow.index)
            ).all()
        # Each turn's state is stored relative to the one before: restore up to the last.
        (state,) = deque(_turnstate.restore_all(found.opening, rows), maxlen=1)
        return state

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
