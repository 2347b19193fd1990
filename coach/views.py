"""What the service returns to the UI and the CLI: plain frozen views, never a locked
hidden item."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coach.coding import CODE_LABELS, STANCE_LABELS


@dataclass(frozen=True)
class Scenario:
    id: str
    name: str
    age: int | None
    role_of_trainee: str
    situation: str
    why_visiting: str
    your_goal: str


@dataclass(frozen=True)
class TurnView:
    index: int
    learner: str
    reply: str
    code: str
    stance: str
    cues: tuple[str, ...]
    mood: str
    receptivity: float
    changes: tuple[tuple[str, float], ...]
    unlocked: tuple[str, ...]  # display titles of items unlocked on this turn
    feedback: str = ""
    realiser: str = "scripted"
    fallback_reason: str | None = None
    # The coder's verdict where a supervisor overrode it (code/stance then are theirs).
    machine_code: str | None = None
    machine_stance: str | None = None

    @property
    def code_label(self) -> str:
        return CODE_LABELS.get(self.code, self.code)

    @property
    def stance_label(self) -> str:
        return STANCE_LABELS.get(self.stance, self.stance)


@dataclass(frozen=True)
class SessionView:
    """What the trainee may see of a session: never a locked hidden item."""

    id: str
    persona_id: str
    persona_name: str
    opening: str
    status: str
    turns: tuple[TurnView, ...]
    mood: str
    receptivity: float
    start_receptivity: float
    uncovered: tuple[str, ...]  # titles of unlocked items
    still_hidden: int
    notice: str | None = None

    @property
    def ended(self) -> bool:
        return self.status == "ended"


@dataclass(frozen=True)
class HistoryRow:
    session_id: str
    persona_name: str
    started: str
    status: str
    turns: int
    indicators: dict[str, Any] = field(default_factory=dict)
    assignment_id: int | None = None
