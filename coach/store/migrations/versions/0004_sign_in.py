"""Sign-in sessions (a signed cookie backed by the database) and the sign-in log that
throttling counts; each turn may carry the id its browser gave it, so a retried turn is
stored once.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
    )
    op.create_index("ix_sign_in_sessions_user", "sign_in_sessions", ["user_id"])
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.CheckConstraint("outcome IN ('ok', 'wrong', 'throttled')", name="ck_sign_in_outcome"),
    )
    op.create_index("ix_sign_in_attempts_username", "sign_in_attempts", ["username", "at"])
    op.create_index("ix_sign_in_attempts_client", "sign_in_attempts", ["client", "at"])
    op.add_column("turns", sa.Column("client_turn_id", sa.String(64), nullable=True))
    op.create_index("uq_turns_client_turn", "turns", ["session_id", "client_turn_id"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("uq_turns_client_turn", table_name="turns")
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("client_turn_id")
    op.drop_table("sign_in_attempts")
    op.drop_table("sign_in_sessions")
