"""Supervision: roles and who may see what, teams and assignments, reviews with
overrides and comments, the outcomes-focused supervision frame, coder-versus-supervisor
agreement, overrides as labelled data, and the team dashboard. Pure rules and data; the
service applies them and the store keeps them."""

from __future__ import annotations

from coach.teams._agreement import Agreement, agreement, cohen_kappa
from coach.teams._assignments import (
    DUE_LABELS,
    STATUS_LABELS,
    DueState,
    Status,
    assignee_status,
    due_state,
    parse_due,
)
from coach.teams._codes import with_human_code
from coach.teams._dashboard import (
    INDICATORS,
    NOT_RATINGS,
    DashboardRow,
    bands,
    dashboard_png,
    dashboard_row,
    summary,
    to_csv,
)
from coach.teams._export import override_moment
from coach.teams._frame import FRAME_SOURCE, SUPERVISION_FRAME
from coach.teams._roles import (
    ADMIN,
    SUPERVISOR,
    TRAINEE,
    a_role,
    is_admin,
    may_review,
    may_see,
    supervises,
)
from coach.teams._views import (
    AssigneeView,
    AssignmentView,
    CommentInfo,
    OverrideInfo,
    ReviewTurn,
    ReviewView,
    SessionSummary,
)

__all__ = [
    "ADMIN",
    "DUE_LABELS",
    "FRAME_SOURCE",
    "INDICATORS",
    "NOT_RATINGS",
    "STATUS_LABELS",
    "SUPERVISION_FRAME",
    "SUPERVISOR",
    "TRAINEE",
    "Agreement",
    "AssigneeView",
    "AssignmentView",
    "CommentInfo",
    "DashboardRow",
    "DueState",
    "OverrideInfo",
    "ReviewTurn",
    "ReviewView",
    "SessionSummary",
    "Status",
    "a_role",
    "agreement",
    "assignee_status",
    "bands",
    "cohen_kappa",
    "dashboard_png",
    "dashboard_row",
    "due_state",
    "is_admin",
    "may_review",
    "may_see",
    "override_moment",
    "parse_due",
    "summary",
    "supervises",
    "to_csv",
    "with_human_code",
]
