"""Supervision: the admin role, teams and their members, assignments, and a supervisor's
review of a session (overrides of the coder's codes, comments, the supervision note).

Nothing that is there changes: users keep their roles, sessions keep their turns and
reports; ``practice_sessions`` gains a nullable ``assignment_id``.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)
_ROLES_BEFORE = "role IN ('trainee', 'supervisor')"
_ROLES_AFTER = "role IN ('trainee', 'supervisor', 'admin')"


def _users_role_check(condition: str) -> None:
    # SQLite cannot alter a CHECK: batch mode rebuilds the table with the new one.
    with op.batch_alter_table("users", recreate="always" if _sqlite() else "auto") as users:
        users.drop_constraint("ck_users_role", type_="check")
        users.create_check_constraint("ck_users_role", condition)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    _users_role_check(_ROLES_AFTER)
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", _WHEN, nullable=False),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.CheckConstraint("kind IN ('lead', 'member')", name="ck_team_members_kind"),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("persona_id", sa.String(100), nullable=False),
        sa.Column("goal", sa.Text, nullable=False),
        sa.Column("focus", sa.String(64), nullable=True),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("set_by", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("cancelled_at", _WHEN, nullable=True),
    )
    op.create_table(
        "assignment_assignees",
        sa.Column("assignment_id", sa.Integer,
                  sa.ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
    )
    with op.batch_alter_table("practice_sessions") as sessions:
        sessions.add_column(sa.Column("assignment_id", sa.Integer, nullable=True))
        sessions.create_foreign_key("fk_sessions_assignment", "assignments",
                                    ["assignment_id"], ["id"], ondelete="SET NULL")
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(36),
                  sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("turn_index", sa.Integer, nullable=False),
        sa.Column("code", sa.String(32), nullable=True),
        sa.Column("stance", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("by_user", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.UniqueConstraint("session_id", "turn_index", name="uq_overrides_session_turn"),
        sa.CheckConstraint("code IS NOT NULL OR stance IS NOT NULL",
                           name="ck_overrides_something"),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(36),
                  sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("turn_index", sa.Integer, nullable=True),
        sa.Column("author", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
    )
    op.create_table(
        "supervision_notes",
        sa.Column("session_id", sa.String(36),
                  sa.ForeignKey("practice_sessions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("author", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("working_towards", sa.Text, nullable=False),
        sa.Column("working_well", sa.Text, nullable=False),
        sa.Column("worried_about", sa.Text, nullable=False),
        sa.Column("needs_to_happen", sa.Text, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
    )


def downgrade() -> None:
    bind = op.get_bind()
    admins = bind.execute(sa.text("SELECT count(*) FROM users WHERE role = 'admin'")).scalar()
    if admins:
        raise RuntimeError(f"{admins} admin account(s) exist; the older schema has no admin "
                           "role. Change their role or remove them first.")
    for table in ("supervision_notes", "comments", "overrides"):
        op.drop_table(table)
    with op.batch_alter_table("practice_sessions") as sessions:
        sessions.drop_constraint("fk_sessions_assignment", type_="foreignkey")
        sessions.drop_column("assignment_id")
    for table in ("assignment_assignees", "assignments", "team_members", "teams"):
        op.drop_table(table)
    _users_role_check(_ROLES_BEFORE)
