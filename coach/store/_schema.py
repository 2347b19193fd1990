"""The tables, as the Alembic revisions in ``migrations/`` create them (a change here
needs a revision there: see ``_migrate``). The ORM rows never leave ``coach.store``:
callers get the frozen records of ``_records``, so nothing outside can lazy-load, mutate
a row by accident, or see a password hash.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
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
    __table_args__ = (CheckConstraint("role IN ('trainee', 'supervisor', 'admin')", name="ck_users_role"),)

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
    # The assignment the session was started from, if any (revision 0003).
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL", name="fk_sessions_assignment"),
        nullable=True,
    )


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (
        # The backstop for the compare-and-set in Store.append_turn: whatever happens in
        # application code, a session can never hold two turns with the same index.
        UniqueConstraint("session_id", "turn_index", name="uq_turns_session_index"),
        CheckConstraint("turn_index >= 0", name="ck_turns_index"),
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


# --- supervision (revision 0003) ---------------------------------------------------------


class TeamRow(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TeamMemberRow(Base):
    """Who is in a team: its leads (supervisors) and its members (trainees)."""

    __tablename__ = "team_members"
    __table_args__ = (CheckConstraint("kind IN ('lead', 'member')", name="ck_team_members_kind"),)

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))


class AssignmentRow(Base):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    persona_id: Mapped[str] = mapped_column(String(100))
    goal: Mapped[str] = mapped_column(Text)
    focus: Mapped[str | None] = mapped_column(String(64), nullable=True)
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The team it was set to, if it was set to a team (its members then are the assignees).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"),
                                                nullable=True)
    set_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AssigneeRow(Base):
    __tablename__ = "assignment_assignees"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"),
                                               primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class OverrideRow(Base):
    """A supervisor's code and/or stance for one reply, with the reason; the machine's
    code stays in ``turns.coded``. One per reply: a second override replaces the first."""

    __tablename__ = "overrides"
    __table_args__ = (
        UniqueConstraint("session_id", "turn_index", name="uq_overrides_session_turn"),
        CheckConstraint("code IS NOT NULL OR stance IS NOT NULL", name="ck_overrides_something"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"))
    turn_index: Mapped[int] = mapped_column(Integer)  # 0-based, as turns.turn_index
    code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    stance: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    by_user: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommentRow(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"))
    turn_index: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: the session
    author: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SupervisionNoteRow(Base):
    """The session's note in the outcomes-focused supervision frame; one per session."""

    __tablename__ = "supervision_notes"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    author: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    working_towards: Mapped[str] = mapped_column(Text)
    working_well: Mapped[str] = mapped_column(Text)
    worried_about: Mapped[str] = mapped_column(Text)
    needs_to_happen: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
