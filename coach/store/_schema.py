"""The tables, as the Alembic revisions in ``migrations/`` create them (a change here
needs a revision there: see ``_migrate``). The ORM rows never leave ``coach.store``:
callers get the frozen records of ``_records``, so nothing outside can lazy-load, mutate
a row by accident, or see a password hash.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out on every backend.

    PostgreSQL keeps the offset (timestamptz) but returns values in the connection's time
    zone; SQLite keeps none and returns naive values. Both come back as UTC here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        # SQLite's DATETIME text has no offset; store the UTC wall time.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class MetaRow(Base):
    """Kept for the versions from before migrations, which read ``schema_version`` and
    refuse a database whose value is not 1; the schema itself is versioned by Alembic
    (``alembic_version``, see ``_migrate``)."""

    __tablename__ = "coach_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('trainee', 'supervisor')", name="ck_users_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Stored lower-cased (see accounts.normalise_username), so a plain unique index gives
    # case-insensitive uniqueness on every backend.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionRow(Base):
    __tablename__ = "practice_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'ended')", name="ck_sessions_status"),
        CheckConstraint("turn_count >= 0", name="ck_sessions_turn_count"),
        Index("ix_sessions_user_persona", "user_id", "persona_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    persona_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(8), default="active")
    opening: Mapped[str] = mapped_column(Text)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Denormalised count of turns: the compare-and-set target that keeps two tabs honest.
    turn_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (
        # The backstop for the compare-and-set in Store.append_turn: whatever happens in
        # application code, a session can never hold two turns with the same index.
        UniqueConstraint("session_id", "turn_index", name="uq_turns_session_index"),
        CheckConstraint("turn_index >= 0", name="ck_turns_index"),
        # A turn sent again (a retry after a dropped connection, or to another replica)
        # carries the same id from the browser and is stored once.
        Index("uq_turns_client_turn", "session_id", "client_turn_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE")
    )
    # "index" is a reserved word in SQL; the attribute keeps the API's name.
    index: Mapped[int] = mapped_column("turn_index", Integer)
    learner: Mapped[str] = mapped_column(Text)
    coded: Mapped[dict[str, Any]] = mapped_column(JSON)
    reply: Mapped[str] = mapped_column(Text)
    act: Mapped[str] = mapped_column(String(100))
    receptivity: Mapped[float] = mapped_column(Float)
    mood: Mapped[str] = mapped_column(String(100))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    unlocked: Mapped[list[str]] = mapped_column(JSON)
    realiser: Mapped[str] = mapped_column(String(100))
    fallback_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    feedback: Mapped[str] = mapped_column(Text, default="")
    # The person's state after this turn in the compact form of ``_turnstate`` (not a
    # copy of the whole conversation); deferred, as only restoring a turn's state needs it.
    state_after: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    client_turn_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SignInSessionRow(Base):
    """A signed-in browser (``coach.auth``): the cookie carries a token, the database keeps
    only its SHA-256, so a copy of the database cannot be replayed as a cookie."""

    __tablename__ = "sign_in_sessions"
    __table_args__ = (Index("ix_sign_in_sessions_user", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    client: Mapped[str] = mapped_column(String(64))


class SignInAttemptRow(Base):
    """Every sign-in attempt, good or bad (never a password): the sign-in log, and what
    throttling counts, so that every app process sees the same failures."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        CheckConstraint("outcome IN ('ok', 'wrong', 'throttled')", name="ck_sign_in_outcome"),
        Index("ix_sign_in_attempts_username", "username", "at"),
        Index("ix_sign_in_attempts_client", "client", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # As typed (normalised), whether or not such an account exists.
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
