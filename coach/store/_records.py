"""The plain records the store hands to callers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coach.coding import CodeResult
from coach.store._schema import SessionRow, TurnRow, UserRow
from coach.store.accounts import Role


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    created_at: datetime

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(row.id, row.username, row.display_name, row.role, row.created_at)  # type: ignore[arg-type]  # the column only holds validated Role values


@dataclass(frozen=True)
class Turn:
    """One exchange. ``state_after`` (the person's state after it) is None unless the
    session was read with ``get_session(..., turn_states=True)``."""

    session_id: str
    index: int
    learner: str
    coded: dict[str, Any]
    reply: str
    act: str
    receptivity: float
    mood: str
    changes: list[dict[str, Any]]
    unlocked: list[str]
    realiser: str
    fallback_reason: str | None
    state_after: dict[str, Any] | None
    created_at: datetime
    feedback: str = ""
    client_turn_id: str | None = None

    @property
    def code_result(self) -> CodeResult:
        return CodeResult.from_dict(self.coded)

    @classmethod
    def from_row(cls, row: TurnRow, state_after: dict[str, Any] | None = None) -> Turn:
        return cls(
            session_id=row.session_id, index=row.index, learner=row.learner, coded=row.coded,
            reply=row.reply, act=row.act, receptivity=row.receptivity, mood=row.mood,
            changes=row.changes, unlocked=row.unlocked, realiser=row.realiser,
            fallback_reason=row.fallback_reason,
            state_after=state_after,
            created_at=row.created_at, feedback=row.feedback,
            client_turn_id=row.client_turn_id,
        )


@dataclass(frozen=True)
class PracticeSession:
    """One conversation with one persona.

    ``turns`` is the ordered list of turns when the session was read with
    ``Store.get_session``, and None when it came from ``list_sessions`` (which does not
    load them; ``turn_count`` is always there).
    """

    id: str
    user_id: int
    persona_id: str
    status: str  # "active" | "ended"
    opening: str
    state: dict[str, Any]
    report: dict[str, Any] | None
    turn_count: int
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    turns: list[Turn] | None = None
    assignment_id: int | None = None
    parent_id: str | None = None  # a rewind: the session it branched from
    branched_at: int | None = None  # and how many of that session's turns it shares

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @classmethod
    def from_row(cls, row: SessionRow, turns: list[Turn] | None = None) -> PracticeSession:
        return cls(
            id=row.id, user_id=row.user_id, persona_id=row.persona_id, status=row.status,
            opening=row.opening, state=row.state, report=row.report, turn_count=row.turn_count,
            created_at=row.created_at, updated_at=row.updated_at, ended_at=row.ended_at,
            turns=turns, assignment_id=row.assignment_id,
            parent_id=row.parent_id, branched_at=row.branched_at,
        )
