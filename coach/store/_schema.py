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
    Boolean,
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
    # A rewind: the session this one branched from, and how many of its turns it shares
    # (revision 0005).
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="SET NULL", name="fk_sessions_parent"),
        nullable=True,
    )
    branched_at: Mapped[int | None] = mapped_column(Integer, nullable=True)


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


# --- sign-in (revision 0004) -------------------------------------------------------------


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


# --- recording outcomes and same-moment exercises (revision 0005) ------------------------


class StatementRow(Base):
    """An outcome statement a trainee wrote after a session, with the classifier's label."""

    __tablename__ = "outcome_statements"
    __table_args__ = (
        UniqueConstraint("session_id", "position", name="uq_statements_session_position"),
        CheckConstraint("label IN ('outcome', 'service', 'need')", name="ck_statements_label"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExerciseRow(Base):
    """A moment opened for a team to answer; ``moment`` is a snapshot (persona, the
    conversation so far, the person's state), so later edits to a moment file or a
    session do not change an exercise already answered."""

    __tablename__ = "exercises"
    __table_args__ = (CheckConstraint("status IN ('open', 'closed')", name="ck_exercises_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    moment: Mapped[dict[str, Any]] = mapped_column(JSON)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ExerciseReplyRow(Base):
    """One member's reply to an exercise, coded, with the person's reaction to it."""

    __tablename__ = "exercise_replies"
    __table_args__ = (UniqueConstraint("exercise_id", "user_id", name="uq_exercise_replies_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
