"""The records of recording outcomes and same-moment exercises the store hands out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coach.store._team_records import Member


@dataclass(frozen=True)
class StoredStatement:
    position: int
    text: str
    label: str
    created_at: datetime


@dataclass(frozen=True)
class Exercise:
    id: int
    team_id: int
    team_name: str
    opened_by: Member
    title: str
    moment: dict[str, Any]  # the snapshot the exercise was opened with
    anonymous: bool
    status: str  # "open" | "closed"
    created_at: datetime
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class ExerciseReply:
    id: int
    exercise_id: int
    author: Member
    text: str
    result: dict[str, Any]  # code, stance, cues and the person's reaction
    created_at: datetime
