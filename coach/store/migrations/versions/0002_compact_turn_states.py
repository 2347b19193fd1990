"""Each turn's ``state_after`` stops carrying a copy of the conversation.

Rewrites every stored turn state from the whole persona state to the compact form of
``coach.store._turnstate`` (the fields whole; lists that only grew as what was added;
the history, when it is what the opening and the turns say, rebuilt from them), one
session at a time. ``coach_meta.schema_version`` becomes 2 so that a version from
before migrations refuses this database instead of misreading it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

State = dict[str, Any]

_sessions = sa.table("practice_sessions", sa.column("id", sa.String), sa.column("opening", sa.Text))
_turns = sa.table(
    "turns",
    sa.column("id", sa.Integer),
    sa.column("session_id", sa.String),
    sa.column("turn_index", sa.Integer),
    sa.column("learner", sa.Text),
    sa.column("reply", sa.Text),
    sa.column("state_after", sa.JSON),
)
_meta = sa.table("coach_meta", sa.column("key", sa.String), sa.column("value", sa.String))


# The compact form as this revision writes it, frozen here (coach.store._turnstate may
# change in later revisions, this one must not).
def _told(before: State | None, opening: str, learner: str, reply: str) -> list[list[str]]:
    past = (before or {}).get("history") or [["person", opening]]
    return [*past, ["worker", learner], ["person", reply]]


def _compact(before: State | None, after: State, opening: str, learner: str, reply: str) -> State:
    fields: State = {}
    appended: State = {}
    told = False
    for key, value in after.items():
        previous = (before or {}).get(key)
        if key == "history" and value == _told(before, opening, learner, reply):
            told = True
        elif isinstance(value, list) and isinstance(previous, list) and value[: len(previous)] == previous:
            appended[key] = value[len(previous):]
        else:
            fields[key] = value
    stored: State = {"fields": fields, "appended": appended}
    if told:
        stored["history_from_turns"] = True
    return stored


def _restore(before: State | None, stored: State, opening: str, learner: str, reply: str) -> State:
    state: State = dict(stored["fields"])
    for key, added in stored["appended"].items():
        state[key] = [*(before or {})[key], *added]
    if stored.get("history_from_turns"):
        state["history"] = _told(before, opening, learner, reply)
    return state


def _rewrite(step: Callable[[State | None, State, str, str, str], tuple[State, State]]) -> None:
    """Pass over every session's turns in order; ``step`` gives (the full state after the
    turn, what to store for it) from the full state before it and the stored row."""
    bind = op.get_bind()
    for session_id, opening in bind.execute(sa.select(_sessions.c.id, _sessions.c.opening)).all():
        rows = bind.execute(
            sa.select(_turns.c.id, _turns.c.learner, _turns.c.reply, _turns.c.state_after)
            .where(_turns.c.session_id == session_id)
            .order_by(_turns.c.turn_index)
        ).all()
        before: State | None = None
        updates = []
        for row_id, learner, reply, stored in rows:
            before, new = step(before, stored, opening, learner, reply)
            updates.append({"row_id": row_id, "new_state": new})
        if updates:
            bind.execute(
                _turns.update().where(_turns.c.id == sa.bindparam("row_id"))
                .values(state_after=sa.bindparam("new_state")),
                updates,
            )


def upgrade() -> None:
    _rewrite(lambda before, full, *said: (full, _compact(before, full, *said)))
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="2"))


def downgrade() -> None:
    def expand(before: State | None, stored: State, *said: str) -> tuple[State, State]:
        full = _restore(before, stored, *said)
        return full, full

    _rewrite(expand)
    op.execute(_meta.update().where(_meta.c.key == "schema_version").values(value="1"))
