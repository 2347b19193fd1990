"""The records of supervision the store hands out: teams, assignments, overrides,
comments and supervision notes. People in them are named (id, username, display name), so
callers need no second look-up to show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Member:
    id: int
    username: str
    display_name: str
    role: str


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    leads: tuple[Member, ...]  # supervisors who lead it
    members: tuple[Member, ...]  # trainees in it
    created_at: datetime

    def has_lead(self, user_id: int) -> bool:
        return any(m.id == user_id for m in self.leads)

    def has_member(self, user_id: int) -> bool:
        return any(m.id == user_id for m in self.members)


@dataclass(frozen=True)
class Assignment:
    id: int
    persona_id: str
    goal: str
    focus: str | None
    due: date | None
    team: str | None  # the team it was set to, if any
    set_by: Member
    assignees: tuple[Member, ...]
    created_at: datetime
    cancelled_at: datetime | None = None

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


@dataclass(frozen=True)
class Override:
    """A supervisor's verdict on one reply. ``turn_index`` is 0-based, as in ``Turn``;
    ``code`` or ``stance`` is None where the machine's stands."""

    session_id: str
    turn_index: int
    code: str | None
    stance: str | None
    reason: str
    by: Member
    created_at: datetime


@dataclass(frozen=True)
class Comment:
    id: int
    session_id: str
    turn_index: int | None  # 0-based; None: about the whole session
    by: Member
    text: str
    created_at: datetime


@dataclass(frozen=True)
class SupervisionNote:
    session_id: str
    by: Member
    working_towards: str
    working_well: str
    worried_about: str
    needs_to_happen: str
    updated_at: datetime
