"""Persistence: users and practice sessions with every turn; teams, assignments and
supervisors' reviews (overrides, comments, notes); in SQLite by default or
PostgreSQL by URL, handed out as frozen records; accounts and password rules; the
schema's Alembic migrations, run whenever a Store opens a database.
"""

from __future__ import annotations

from coach.store import accounts
from coach.store._errors import (
    AssignmentNotFound,
    SessionNotFound,
    StoreConflict,
    StoreError,
    StoreUnavailable,
    TeamExists,
    TeamNotFound,
    TurnNotFound,
    UserExists,
    UserNotFound,
)
from coach.store._migrate import Migration, Revision, database_revision
from coach.store._records import PracticeSession, Turn, User
from coach.store._reviews import NOTE_FIELDS
from coach.store._store import Store
from coach.store._team_records import (
    Assignment,
    Comment,
    Member,
    Override,
    SupervisionNote,
    Team,
)

__all__ = [
    "NOTE_FIELDS",
    "Assignment",
    "AssignmentNotFound",
    "Comment",
    "Member",
    "Migration",
    "Override",
    "PracticeSession",
    "Revision",
    "SessionNotFound",
    "Store",
    "StoreConflict",
    "StoreError",
    "StoreUnavailable",
    "SupervisionNote",
    "Team",
    "TeamExists",
    "TeamNotFound",
    "Turn",
    "TurnNotFound",
    "User",
    "UserExists",
    "UserNotFound",
    "accounts",
    "database_revision",
]
