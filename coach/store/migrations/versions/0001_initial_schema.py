"""The schema as it was before migrations: accounts, practice sessions and their turns.

A database written by that version (``coach_meta.schema_version`` = 1 and no
``alembic_version``) is recognised as this revision, not created again.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Spelled out rather than taken from the models: this revision must keep creating what
# version 1 created, whatever the models become.
_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "coach_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    op.bulk_insert(
        sa.table("coach_meta", sa.column("key", sa.String), sa.column("value", sa.String)),
        [{"key": "schema_version", "value": "1"}],
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(100), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.CheckConstraint("role IN ('trainee', 'supervisor')", name="ck_users_role"),
    )
    op.create_table(
        "practice_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("persona_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("opening", sa.Text, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("report", sa.JSON, nullable=True),
        sa.Column("turn_count", sa.Integer, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.Column("ended_at", _WHEN, nullable=True),
        sa.CheckConstraint("status IN ('active', 'ended')", name="ck_sessions_status"),
        sa.CheckConstraint("turn_count >= 0", name="ck_sessions_turn_count"),
    )
    op.create_index("ix_sessions_user_persona", "practice_sessions", ["user_id", "persona_id", "status"])
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_id", sa.String(36),
            sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), nullable=False,
        ),
        sa.Column("turn_index", sa.Integer, nullable=False),
        sa.Column("learner", sa.Text, nullable=False),
        sa.Column("coded", sa.JSON, nullable=False),
        sa.Column("reply", sa.Text, nullable=False),
        sa.Column("act", sa.String(100), nullable=False),
        sa.Column("receptivity", sa.Float, nullable=False),
        sa.Column("mood", sa.String(100), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("unlocked", sa.JSON, nullable=False),
        sa.Column("realiser", sa.String(100), nullable=False),
        sa.Column("fallback_reason", sa.Text, nullable=True),
        sa.Column("feedback", sa.Text, nullable=False),
        sa.Column("state_after", sa.JSON, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.UniqueConstraint("session_id", "turn_index", name="uq_turns_session_index"),
        sa.CheckConstraint("turn_index >= 0", name="ck_turns_index"),
    )


def downgrade() -> None:
    for table in ("turns", "practice_sessions", "users", "coach_meta"):
        op.drop_table(table)
