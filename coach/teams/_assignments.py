"""Where each assignee is with an assignment, and how an assignment stands for a trainee."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Literal, Protocol

Status = Literal["not_started", "in_progress", "done"]
DueState = Literal["done", "overdue", "due", "cancelled"]
STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "done": "Done"}
DUE_LABELS = {"done": "Done", "overdue": "Overdue", "due": "Due", "cancelled": "Cancelled"}


class _Session(Protocol):
    @property
    def status(self) -> str: ...


def assignee_status(sessions: Iterable[_Session]) -> Status:
    """``done`` once a session started from the assignment has ended, ``in_progress``
    while one is open, else ``not_started``."""
    statuses = {s.status for s in sessions}
    if "ended" in statuses:
        return "done"
    return "in_progress" if "active" in statuses else "not_started"


def due_state(status: Status, due: date | None, today: date, cancelled: bool = False) -> DueState:
    if status == "done":
        return "done"
    if cancelled:
        return "cancelled"
    if due is not None and due < today:
        return "overdue"
    return "due"


def parse_due(text: str | None) -> date | None:
    """A due date typed as YYYY-MM-DD (blank for none); ValueError says what is wrong."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        # The example is a fortnight ahead, so following it never meets "already passed".
        example = date.today() + timedelta(days=14)
        raise ValueError(f"'{text.strip()}' is not a date: write it as YYYY-MM-DD, "
                         f"e.g. {example.isoformat()}.") from exc
