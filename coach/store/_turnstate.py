"""How a turn's ``state_after`` is kept: compactly, yet restorable without replaying.

The person's state after a turn carries the whole conversation so far (``history``) and
every line used so far (``used_lines``), so storing a copy of it with each turn made a
session's storage grow with the square of its length. Each turn row now keeps only:

- ``fields``: the values stored whole (receptivity, stage, unlocked items, ...: small);
- ``appended``: for a list that only grew since the previous turn, what was added;
- ``history_from_turns``: true when the history is exactly what the session's opening
  and turns say ([person, opening], then [worker, learner] and [person, reply] for each
  turn), so it is rebuilt from them rather than stored.

Anything that does not fit those shapes is stored whole, so restoring is exact whatever
the state holds: ``restore(before, compact(before, after, ...), ...) == after``. Restoring
turn N reads the small rows of turns 0..N in order; nothing is replayed through the
persona engine (whose answers would change once the coder is retrained).

The format is frozen in revision 0002, which converted the rows written before it: a
change to it needs a new revision that converts the stored rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

State = dict[str, Any]
HISTORY = "history"


def _history(before: State | None, opening: str, learner: str, reply: str) -> list[list[str]]:
    """The conversation after this turn as the turns tell it."""
    past = (before or {}).get(HISTORY) or [["person", opening]]
    return [*past, ["worker", learner], ["person", reply]]


def compact(before: State | None, after: State, opening: str, learner: str, reply: str) -> State:
    """What to store for the turn that took the state from ``before`` (None for the first
    turn) to ``after``; ``opening``, ``learner`` and ``reply`` as stored for the session
    and the turn."""
    fields: State = {}
    appended: State = {}
    told = False
    for key, value in after.items():
        previous = (before or {}).get(key)
        if key == HISTORY and value == _history(before, opening, learner, reply):
            told = True
        elif (
            isinstance(value, list) and isinstance(previous, list)
            and value[: len(previous)] == previous
        ):
            appended[key] = value[len(previous):]
        else:
            fields[key] = value
    stored: State = {"fields": fields, "appended": appended}
    if told:
        stored["history_from_turns"] = True
    return stored


def restore(before: State | None, stored: State, opening: str, learner: str, reply: str) -> State:
    """The full state after a turn from its stored form and the full state before it."""
    state: State = dict(stored["fields"])
    for key, added in stored["appended"].items():
        state[key] = [*(before or {})[key], *added]
    if stored.get("history_from_turns"):
        state[HISTORY] = _history(before, opening, learner, reply)
    return state


def restore_all(opening: str, turns: Iterable[tuple[str, str, State]]) -> Iterator[State]:
    """The full state after each turn, in order, from (learner, reply, stored state)."""
    before: State | None = None
    for learner, reply, stored in turns:
        before = restore(before, stored, opening, learner, reply)
        yield before
