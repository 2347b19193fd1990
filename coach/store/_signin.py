"""Sign-in state in the database, so that every app process sees it: who is signed in
(by the SHA-256 of their cookie's token), every sign-in attempt (the log, and what
throttling counts), and the secret cookies are signed with."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coach.store._engine import changed
from coach.store._records import User
from coach.store._schema import (
    MetaRow,
    SignInAttemptRow,
    SignInSessionRow,
    UserRow,
    utcnow,
)
from coach.store._store import Store

_SECRET_KEY = "cookie_secret"


@dataclass(frozen=True)
class Attempt:
    at: datetime
    username: str
    client: str
    outcome: str  # ok | wrong | throttled


@dataclass(frozen=True)
class Failures:
    """Failed attempts counted for throttling, and when the last one was."""

    count: int
    last: datetime | None


class SignIns:
    """The sign-in tables of one Store; cheap to create, safe to share between threads."""

    def __init__(self, store: Store) -> None:
        self._db = store._db

    # --- the signing secret ----------------------------------------------------------

    def secret(self) -> str:
        """The secret cookies are signed with: made once, then shared by every process
        that uses this database (so any replica can check any cookie)."""
        with self._db() as db:
            found = db.get(MetaRow, _SECRET_KEY)
            if found is not None:
                return found.value
        try:
            with self._db.begin() as db:
                db.add(MetaRow(key=_SECRET_KEY, value=secrets.token_urlsafe(48)))
        except IntegrityError:
            pass  # another process made it first: use theirs
        with self._db() as db:
            return db.get(MetaRow, _SECRET_KEY).value  # type: ignore[union-attr]

    # --- sessions --------------------------------------------------------------------

    def open(self, token_hash: str, user_id: int, expires_at: datetime, client: str) -> None:
        with self._db.begin() as db:
            db.execute(insert(SignInSessionRow).values(
                token_hash=token_hash, user_id=user_id, created_at=utcnow(),
                expires_at=expires_at, client=client[:64],
            ))

    def user(self, token_hash: str, now: datetime | None = None) -> User | None:
        """The user a sign-in belongs to while it is live; None once it has expired, been
        closed, or its account deleted."""
        with self._db() as db:
            row = db.execute(
                select(UserRow)
                .join(SignInSessionRow, SignInSessionRow.user_id == UserRow.id)
                .where(SignInSessionRow.token_hash == token_hash,
                       SignInSessionRow.expires_at > (now or utcnow()))
            ).scalar_one_or_none()
            return User.from_row(row) if row else None

    def close(self, token_hash: str) -> None:
        with self._db.begin() as db:
            db.execute(delete(SignInSessionRow).where(SignInSessionRow.token_hash == token_hash))

    def close_all(self, user_id: int) -> int:
        with self._db.begin() as db:
            return changed(db, delete(SignInSessionRow).where(SignInSessionRow.user_id == user_id))

    def sweep(self, now: datetime | None = None) -> int:
        """Delete expired sign-ins; returns how many."""
        with self._db.begin() as db:
            return changed(db, delete(SignInSessionRow)
                           .where(SignInSessionRow.expires_at <= (now or utcnow())))

    # --- attempts --------------------------------------------------------------------

    def record(self, username: str, client: str, outcome: str) -> None:
        with self._db.begin() as db:
            db.execute(insert(SignInAttemptRow).values(
                at=utcnow(), username=username[:64], client=client[:64], outcome=outcome,
            ))

    def account_failures(self, username: str, since: datetime) -> Failures:
        """Wrong passwords for an account since ``since`` and since its last good sign-in."""
        with self._db() as db:
            last_ok = db.scalar(
                select(func.max(SignInAttemptRow.at))
                .where(SignInAttemptRow.username == username, SignInAttemptRow.outcome == "ok")
            )
            start = max(since, last_ok) if last_ok else since
            return self._failures(db, SignInAttemptRow.username == username, start)

    def client_failures(self, client: str, since: datetime) -> Failures:
        """Wrong passwords from one address since ``since``, whatever the account: a good
        sign-in from the same address does not reset these (an attacker may own one)."""
        with self._db() as db:
            return self._failures(db, SignInAttemptRow.client == client, since)

    @staticmethod
    def _failures(db: Session, where: ColumnElement[bool], since: datetime) -> Failures:
        count, last = db.execute(
            select(func.count(), func.max(SignInAttemptRow.at))
            .where(where, SignInAttemptRow.outcome == "wrong", SignInAttemptRow.at > since)
        ).one()
        return Failures(int(count), last)

    def log(self, username: str | None = None, limit: int = 100) -> list[Attempt]:
        """The latest attempts, newest first."""
        query = select(SignInAttemptRow).order_by(SignInAttemptRow.at.desc(),
                                                  SignInAttemptRow.id.desc()).limit(limit)
        if username is not None:
            query = query.where(SignInAttemptRow.username == username)
        with self._db() as db:
            return [Attempt(r.at, r.username, r.client, r.outcome)
                    for r in db.scalars(query).all()]
