"""What the supervision service returns: plain frozen views the UI and the CLI render.
Untrusted words (the trainee's, comments, reasons) are carried as they are; whoever
shows them escapes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class OverrideInfo:
    by: str
    reason: str
    code: str | None
    stance: str | None


@dataclass(frozen=True)
class CommentInfo:
    by: str
    text: str
    when: str  # ISO time


@dataclass(frozen=True)
class ReviewTurn:
    index: int  # the trainee's replies counted from 1
    trainee: str
    person: str
    code: str  # the supervisor's where overridden
    stance: str
    machine_code: str
    machine_stance: str
    cues: tuple[str, ...]
    receptivity: float
    mood: str
    unlocked: tuple[str, ...]
    override: OverrideInfo | None = None
    comments: tuple[CommentInfo, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "trainee": self.trainee, "person": self.person,
            "code": self.code, "stance": self.stance,
            "machine_code": self.machine_code, "machine_stance": self.machine_stance,
            "override": ({"by": self.override.by, "reason": self.override.reason}
                         if self.override else None),
            "comments": [{"by": c.by, "text": c.text} for c in self.comments],
            "cues": list(self.cues), "receptivity": self.receptivity, "mood": self.mood,
            "unlocked": list(self.unlocked),
        }


@dataclass(frozen=True)
class ReviewView:
    session_id: str
    user: str
    display_name: str
    persona: str
    persona_name: str
    status: str
    started: str
    opening: str
    turns: tuple[ReviewTurn, ...]
    report: dict[str, Any] | None
    comments: tuple[CommentInfo, ...] = ()  # about the whole session
    note: dict[str, Any] | None = None  # the supervision note: frame field -> text, and "by"
    assignment_id: int | None = None
    may_override: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id, "user": self.user, "persona": self.persona,
            "status": self.status, "started": self.started, "assignment_id": self.assignment_id,
            "turns": [t.to_dict() for t in self.turns],
            "comments": [{"by": c.by, "text": c.text} for c in self.comments],
            "note": self.note, "report": self.report,
        }


@dataclass(frozen=True)
class SessionSummary:
    session_id: str
    user: str
    display_name: str
    persona: str
    persona_name: str
    status: str
    started: str
    turns: int
    assignment_id: int | None
    reviewed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "user": self.user, "persona": self.persona,
                "status": self.status, "started": self.started, "turns": self.turns,
                "assignment_id": self.assignment_id, "reviewed": self.reviewed}


@dataclass(frozen=True)
class AssigneeView:
    user: str
    display_name: str
    status: str  # not_started | in_progress | done
    session_id: str | None = None  # the finished (else the open) session
    indicators: dict[str, Any] = field(default_factory=dict)  # a finished session's
    state: str | None = None  # against the due date: done | overdue | due | cancelled


@dataclass(frozen=True)
class AssignmentView:
    id: int
    persona: str
    persona_name: str
    goal: str
    focus: str | None
    due: date | None
    team: str | None
    set_by: str
    cancelled: bool
    assignees: tuple[AssigneeView, ...]
    # For a trainee looking at their own: done | overdue | due | cancelled.
    my_state: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "assignment_id": self.id, "persona": self.persona, "goal": self.goal,
            "focus": self.focus, "due": self.due.isoformat() if self.due else None,
            "team": self.team, "set_by": self.set_by, "cancelled": self.cancelled,
            "state": self.my_state,
            "assignees": [{"user": a.user, "status": a.status, "session_id": a.session_id,
                           "indicators": a.indicators} for a in self.assignees],
        }
