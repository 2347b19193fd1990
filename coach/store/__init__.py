"""Persistence: users and practice sessions with every turn, in SQLite by default or
PostgreSQL by URL, handed out as frozen records; accounts and password rules.
"""

from __future__ import annotations

from coach.store import accounts
from coach.store._records import PracticeSession, Turn, User
from coach.store._store import (
    SessionNotFound,
    Store,
    StoreConflict,
    StoreError,
    StoreUnavailable,
    UserExists,
    UserNotFound,
)

__all__ = [
    "PracticeSession",
    "SessionNotFound",
    "Store",
    "StoreConflict",
    "StoreError",
    "StoreUnavailable",
    "Turn",
    "User",
    "UserExists",
    "UserNotFound",
    "accounts",
]
