"""What changes in a role-play session (``PersonaState``, stored as JSON between turns)
and what one turn produced (``TurnOutcome``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from coach.coding import CodeResult
from coach.roleplay._rules import Change, mood_for
from coach.strict import Strict

# One line of the conversation: [speaker, text], speaker "worker" | "person".
Said = Annotated[list[str], Field(min_length=2, max_length=2)]


_LATER_FIELDS = ("good_turns", "avoid_lines")


class ConversationEnded(RuntimeError):
    """The conversation is over; no more turns."""


class PersonaState(Strict):
    """Everything that changes in a session. The engine changes it in place, so unlike
    other records it is not frozen; ``to_dict``/``from_dict`` are its stored JSON form."""

    model_config = ConfigDict(frozen=False)

    persona: str
    receptivity: float
    start_receptivity: float
    stage: str
    turn: int = 0  # trainee turns so far
    unlocked: dict[str, int] = Field(default_factory=dict)  # item id -> turn it unlocked
    used_lines: list[str] = Field(default_factory=list)
    history: list[Said] = Field(default_factory=list)
    closed_run: int = 0
    negative_run: int = 0
    plan_agreed: bool = False
    ended: bool = False
    end_reason: str | None = None
    seed: int = 0
    opening_key: str | None = None
    # Added later, so written only when set: a state stored before them reads back and
    # writes back unchanged.
    good_turns: int = 0  # replies that helped (receptivity went up), for reserved items
    avoid_lines: list[str] = Field(default_factory=list)  # keys said in recent sessions

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump()
        for name in _LATER_FIELDS:
            if not data[name]:
                del data[name]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PersonaState:
        unknown = set(data) - set(cls.model_fields)
        if unknown:
            raise ValueError(f"unknown PersonaState fields: {sorted(unknown)}")
        return cls.model_validate(data)

    @property
    def mood(self) -> str:
        return mood_for(self.receptivity)


@dataclass(frozen=True)
class TurnOutcome:
    turn: int
    learner: str
    coded: CodeResult
    reply: str
    act: str
    receptivity: float
    mood: str  # a label: "shut down", "guarded", "warming", "open"
    changes: tuple[Change, ...]
    unlocked: tuple[str, ...]  # hidden item ids newly unlocked this turn
    ended: bool
    realiser: str
    fallback_reason: str | None = None
