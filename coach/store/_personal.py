"""People's data under their control (UK GDPR): everything held about a person as one
JSON-ready document, and erasure of it.

What is held about a person is listed once, in ``HOLDINGS``: a table that gains a column
naming a person adds a line there, and both export and erasure cover it. Rows a person
owns (their practice sessions and replies, their sign-ins) are deleted with them; rows
they wrote about other people's work (a supervisor's comments and overrides) are kept for
the other person and re-attributed to the "deleted user" account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import MetaData, Table, delete, insert, inspect, select, update

from coach.store._engine import changed
from coach.store._errors import StoreError, UserNotFound
from coach.store._schema import Base, SessionRow, UserRow, utcnow
from coach.store._store import Store
from coach.store.accounts import normalise_username
from coach.text import session_slug

DELETED_USER = "deleted-user"


@dataclass(frozen=True)
class Holding:
    """One table's rows about a person.

    ``by`` is what ``column`` holds: the person's id, their username, or the id of a row
    of ``parent`` that is theirs. ``keep``: re-attribute to the deleted user instead of
    deleting (what they wrote on someone else's work)."""

    table: str
    column: str
    by: Literal["id", "username", "parent"] = "id"
    parent: Holding | None = None
    keep: bool = False


_SESSIONS = Holding("practice_sessions", "user_id")
HOLDINGS: tuple[Holding, ...] = (
    # Others' review of the person's own sessions goes with the sessions (children first).
    Holding("overrides", "session_id", by="parent", parent=_SESSIONS),
    Holding("comments", "session_id", by="parent", parent=_SESSIONS),
    Holding("supervision_notes", "session_id", by="parent", parent=_SESSIONS),
    Holding("turns", "session_id", by="parent", parent=_SESSIONS),
    Holding("outcome_statements", "session_id", by="parent", parent=_SESSIONS),
    _SESSIONS,
    Holding("exercise_replies", "user_id"),
    Holding("team_members", "user_id"),
    Holding("assignment_assignees", "user_id"),
    Holding("sign_in_sessions", "user_id"),
    Holding("sign_in_attempts", "username", by="username"),
    # What a supervisor wrote or set on other people's work stays with that work.
    Holding("overrides", "by_user", keep=True),
    Holding("comments", "author", keep=True),
    Holding("supervision_notes", "author", keep=True),
    Holding("assignments", "set_by", keep=True),
    Holding("exercises", "opened_by", keep=True),
)
# Never exported: secrets that are not the person's data but keys to it.
NOT_EXPORTED = {"users": {"password_hash"}, "sign_in_sessions": {"token_hash"}}


def _table(db: Any, name: str) -> Table | None:
    """The table from the models, or as the database has it (a table another part of the
    app created); None when this database has no such table."""
    found = Base.metadata.tables.get(name)
    if found is not None:
        return found
    connection = db.connection()
    if not inspect(connection).has_table(name):
        return None
    return Table(name, MetaData(), autoload_with=connection)


def _where(db: Any, holding: Holding, table: Table, user: UserRow) -> Any:
    column = table.c[holding.column]
    if holding.by == "username":
        return column == user.username
    if holding.by == "parent":
        assert holding.parent is not None
        parent = _table(db, holding.parent.table)
        assert parent is not None
        ids = select(parent.c.id).where(_where(db, holding.parent, parent, user))
        return column.in_(ids)
    return column == user.id


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _row(table: Table, row: Any) -> dict[str, Any]:
    hidden = NOT_EXPORTED.get(table.name, set())
    return {k: _plain(v) for k, v in row._mapping.items() if k not in hidden}


def _user_row(db: Any, username: str) -> UserRow:
    name = normalise_username(username)
    user = db.scalars(select(UserRow).where(UserRow.username == name)).one_or_none()
    if user is None:
        raise UserNotFound(f"There is no account called '{name}'.")
    return user


def export_user(store: Store, username: str) -> dict[str, Any]:
    """Everything held about one person, as one JSON-ready document."""
    with store._db() as db:
        user = _user_row(db, username)
        users = _table(db, "users")
        assert users is not None
        account = _row(users, db.execute(select(users).where(users.c.id == user.id)).one())
        held: dict[str, list[dict[str, Any]]] = {}
        for holding in HOLDINGS:
            table = _table(db, holding.table)
            if table is None:
                continue
            rows = db.execute(select(table).where(_where(db, holding, table, user))).all()
            found = held.setdefault(holding.table, [])
            # A table may hold a person twice over (a comment on their own session).
            found.extend(r for r in map(lambda r: _row(table, r), rows) if r not in found)
    return {"exported_at": utcnow().isoformat(), "account": account, "held": held,
            "kept_when_deleted": sorted({h.table for h in HOLDINGS if h.keep})}


def purge_user(store: Store, username: str) -> dict[str, int]:
    """Delete a person and what they own, in one transaction; what they wrote on other
    people's work stays, attributed to the deleted user. Returns rows affected per table."""
    counts: dict[str, int] = {}
    with store._db.begin() as db:
        user = _user_row(db, username)
        if user.username == DELETED_USER:
            raise StoreError("The deleted-user account holds other people's history; it "
                             "cannot itself be deleted.")
        stand_in = _deleted_user_id(db) if any(h.keep for h in HOLDINGS) else None
        redacted = _redact_moments(db, user)
        if redacted:
            counts["exercise_moments_redacted"] = redacted
        for holding in HOLDINGS:  # children before parents: the order of HOLDINGS
            table = _table(db, holding.table)
            if table is None:
                continue
            where = _where(db, holding, table, user)
            if holding.keep:
                done = changed(db, update(table).where(where)
                               .values({holding.column: stand_in}))
            else:
                done = changed(db, delete(table).where(where))
            if done:  # only what there was, for a short account of what was erased
                counts[holding.table] = counts.get(holding.table, 0) + done
        db.execute(delete(UserRow).where(UserRow.id == user.id))
        counts["users"] = 1
    return counts


REDACTED = "[removed: this trainee's account was deleted]"


def _redact_moments(db: Any, user: UserRow) -> int:
    """A supervisor may have opened a turn of this person's session as a team exercise:
    the exercise stays the team's, but the person's own lines in it go."""
    exercises = _table(db, "exercises")
    if exercises is None:
        return 0
    slugs = {session_slug(sid) for sid in db.scalars(
        select(SessionRow.id).where(SessionRow.user_id == user.id))}
    done = 0
    for exercise_id, moment in db.execute(select(exercises.c.id, exercises.c.moment)).all():
        if not isinstance(moment, dict) or not any(
                f"_{slug}_turn_" in str(moment.get("id", "")) for slug in slugs):
            continue
        conversation = [dict(said, text=REDACTED) if said.get("speaker") == "worker" else said
                        for said in moment.get("conversation", [])]
        db.execute(update(exercises).where(exercises.c.id == exercise_id)
                   .values(moment={**moment, "conversation": conversation}))
        done += 1
    return done


def _deleted_user_id(db: Any) -> int:
    """The account that keeps what deleted people wrote on others' work; it cannot sign
    in (its password hash is not a bcrypt hash)."""
    found = db.scalar(select(UserRow.id).where(UserRow.username == DELETED_USER))
    if found is not None:
        return int(found)
    return int(db.execute(insert(UserRow).values(
        username=DELETED_USER, display_name="deleted user", role="trainee",
        password_hash="!", created_at=utcnow(),
    )).inserted_primary_key[0])
