"""The store's own errors."""

from __future__ import annotations


class StoreError(Exception):
    """Base class for the store's own errors."""


class StoreUnavailable(StoreError):
    """The database cannot be opened or reached."""


class UserExists(StoreError):
    pass


class UserNotFound(StoreError, LookupError):
    pass


class SessionNotFound(StoreError, LookupError):
    pass


class TurnNotFound(StoreError, LookupError):
    pass


class StoreConflict(StoreError):
    """Someone else changed the session first (another tab, another replica): reload it."""


class TeamExists(StoreError):
    pass


class TeamNotFound(StoreError, LookupError):
    pass


class AssignmentNotFound(StoreError, LookupError):
    pass


class ExerciseNotFound(StoreError, LookupError):
    pass
