"""Per-session locks for the service: one conversation's turns are taken one at a time
in a process (across processes, the store's unique turn index settles a race)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class SessionLocks:
    """One lock per session, kept only while someone holds it or waits for it: a
    long-running app does not collect a lock for every session it has ever served."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, list[int]]] = {}  # id -> (lock, [users])

    @contextmanager
    def hold(self, session_id: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.setdefault(session_id, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._guard:
                users[0] -= 1
                if not users[0]:
                    del self._locks[session_id]

    def __len__(self) -> int:
        with self._guard:
            return len(self._locks)
