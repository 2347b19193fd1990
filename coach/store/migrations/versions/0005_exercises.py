"""Recording outcomes, same-moment team exercises and rewinds: the outcome statements a
trainee writes after a session; exercises (a moment opened for a team) and the members'
replies; and, on ``practice_sessions``, the session a rewind branched from and how many
of its turns it shares.

Nothing that is there changes; the two new session columns are nullable.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("practice_sessions") as sessions:
        sessions.add_column(sa.Column("parent_id", sa.String(36), nullable=True))
        sessions.add_column(sa.Column("branched_at", sa.Integer, nullable=True))
        sessions.create_foreign_key("fk_sessions_parent", "practice_sessions",
                                    ["parent_id"], ["id"], ondelete="SET NULL")
    op.create_table(
        "outcome_statements",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(36),
                  sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.UniqueConstraint("session_id", "position", name="uq_statements_session_position"),
        sa.CheckConstraint("label IN ('outcome', 'service', 'need')", name="ck_statements_label"),
    )
    op.create_table(
        "exercises",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("opened_by", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("moment", sa.JSON, nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("closed_at", _WHEN, nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_exercises_status"),
    )
    op.create_table(
        "exercise_replies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("exercise_id", sa.Integer, sa.ForeignKey("exercises.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.UniqueConstraint("exercise_id", "user_id", name="uq_exercise_replies_user"),
    )


def downgrade() -> None:
    for table in ("exercise_replies", "exercises", "outcome_statements"):
        op.drop_table(table)
    with op.batch_alter_table("practice_sessions") as sessions:
        sessions.drop_constraint("fk_sessions_parent", type_="foreignkey")
        sessions.drop_column("branched_at")
        sessions.drop_column("parent_id")
