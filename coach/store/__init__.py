"""Persistence: users and practice sessions with every turn; teams, assignments and
supervisors' reviews (overrides, comments, notes); in SQLite by default or
PostgreSQL by URL, handed out as frozen records; accounts and password rules; the
schema's Alembic migrations, run whenever a Store opens a database.
"""

from __future__ import annotations

from coach.store import accounts
from coach.store._errors import (
    AssignmentNotFound,
    ExerciseNotFound,
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
from coach.store._exercise_records import Exercise, ExerciseReply, StoredStatement
from coach.store._migrate import Migration, Revision, database_revision
from coach.store._personal import DELETED_USER, HOLDINGS, Holding, export_user, purge_user
from coach.store._records import PracticeSession, Turn, User
from coach.store._reviews import NOTE_FIELDS
from coach.store._schema import utcnow
from coach.store._signin import Attempt, Failures, SignIns
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
    "DELETED_USER",
    "HOLDINGS",
    "Attempt",
    "Failures",
    "Holding",
    "NOTE_FIELDS",
    "Assignment",
    "AssignmentNotFound",
    "Comment",
    "Exercise",
    "ExerciseNotFound",
    "ExerciseReply",
    "Member",
    "Migration",
    "Override",
    "PracticeSession",
    "Revision",
    "SessionNotFound",
    "SignIns",
    "Store",
    "StoreConflict",
    "StoreError",
    "StoreUnavailable",
    "StoredStatement",
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
    "export_user",
    "purge_user",
    "utcnow",
]
