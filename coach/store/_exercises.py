"""Queries for outcome statements written after a session, same-moment exercises and
their replies, and rewinds (a session branched from another). A mixin of ``Store``; the
rules of who may do what are the service's."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker, undefer

from coach.store._engine import changed
from coach.store._errors import ExerciseNotFound, SessionNotFound, StoreConflict, TurnNotFound
from coach.store._exercise_records import Exercise, ExerciseReply, StoredStatement
from coach.store._records import PracticeSession
from coach.store._schema import (
    ExerciseReplyRow,
    ExerciseRow,
    SessionRow,
    StatementRow,
    TeamRow,
    TurnRow,
    utcnow,
)
from coach.store._teams import members_by_id


class ExerciseQueries:
    _db: sessionmaker[Session]

    # --- outcome statements ----------------------------------------------------------------

    def replace_statements(self, session_id: str,
                           rows: Sequence[tuple[str, str]]) -> list[StoredStatement]:
        """The session's statements become ``rows`` (text, label), in order, at once."""
        now = utcnow()
        with self._db.begin() as db:
            if db.get(SessionRow, session_id) is None:
                raise SessionNotFound(f"There is no practice session {session_id}.")
            db.execute(delete(StatementRow).where(StatementRow.session_id == session_id))
            db.add_all(StatementRow(session_id=session_id, position=n, text=text, label=label,
                                    created_at=now) for n, (text, label) in enumerate(rows))
        return self.statements_for(session_id)

    def statements_for(self, session_id: str) -> list[StoredStatement]:
        with self._db() as db:
            rows = db.scalars(select(StatementRow).where(StatementRow.session_id == session_id)
                              .order_by(StatementRow.position)).all()
            return [StoredStatement(r.position, r.text, r.label, r.created_at) for r in rows]

    # --- exercises -------------------------------------------------------------------------

    def create_exercise(self, team_id: int, opened_by: int, title: str, moment: dict[str, Any],
                        anonymous: bool) -> Exercise:
        with self._db.begin() as db:
            row = ExerciseRow(team_id=team_id, opened_by=opened_by, title=title, moment=moment,
                              anonymous=anonymous, status="open", created_at=utcnow())
            db.add(row)
            db.flush()
            new_id = row.id
        return self.get_exercise(new_id)

    def get_exercise(self, exercise_id: int) -> Exercise:
        with self._db() as db:
            row = db.get(ExerciseRow, exercise_id)
            if row is None:
                raise ExerciseNotFound(f"There is no exercise {exercise_id}.")
            return _exercises(db, [row])[0]

    def list_exercises(self, team_ids: Iterable[int] | None = None) -> list[Exercise]:
        """Newest first; only those of ``team_ids`` when given."""
        query = select(ExerciseRow).order_by(ExerciseRow.created_at.desc(), ExerciseRow.id.desc())
        if team_ids is not None:
            query = query.where(ExerciseRow.team_id.in_(set(team_ids)))
        with self._db() as db:
            return _exercises(db, db.scalars(query).all())

    def close_exercise(self, exercise_id: int) -> Exercise:
        with self._db.begin() as db:
            done = changed(db, update(ExerciseRow).where(ExerciseRow.id == exercise_id,
                                                         ExerciseRow.status == "open")
                           .values(status="closed", closed_at=utcnow()))
            if not done and db.get(ExerciseRow, exercise_id) is None:
                raise ExerciseNotFound(f"There is no exercise {exercise_id}.")
        return self.get_exercise(exercise_id)

    def add_exercise_reply(self, exercise_id: int, user_id: int, text: str,
                           result: dict[str, Any]) -> ExerciseReply:
        """One reply per member while the exercise is open; otherwise ``StoreConflict``."""
        try:
            with self._db.begin() as db:
                row = db.get(ExerciseRow, exercise_id, with_for_update=True)
                if row is None:
                    raise ExerciseNotFound(f"There is no exercise {exercise_id}.")
                if row.status != "open":
                    raise StoreConflict("This exercise has been closed.")
                db.add(ExerciseReplyRow(exercise_id=exercise_id, user_id=user_id, text=text,
                                        result=result, created_at=utcnow()))
        except IntegrityError as exc:
            raise StoreConflict("You have already answered this exercise.") from exc
        return next(r for r in self.exercise_replies(exercise_id) if r.author.id == user_id)

    def exercise_replies(self, exercise_id: int | None = None,
                         user_id: int | None = None) -> list[ExerciseReply]:
        """An exercise's replies, or one member's across exercises; oldest first."""
        query = select(ExerciseReplyRow).order_by(ExerciseReplyRow.created_at, ExerciseReplyRow.id)
        if exercise_id is not None:
            query = query.where(ExerciseReplyRow.exercise_id == exercise_id)
        if user_id is not None:
            query = query.where(ExerciseReplyRow.user_id == user_id)
        with self._db() as db:
            rows = db.scalars(query).all()
            people = members_by_id(db, (r.user_id for r in rows))
            return [ExerciseReply(r.id, r.exercise_id, people[r.user_id], r.text, r.result,
                                  r.created_at) for r in rows]

    # --- rewinds ---------------------------------------------------------------------------

    def branch_session(self, parent_id: str, keep: int, state: dict[str, Any]) -> PracticeSession:
        """A new active session for the parent's trainee sharing its first ``keep`` turns
        (copied as they were stored, each turn's compact state included: it is relative to
        the same earlier turns), with the person's state as it stood after them."""
        now = utcnow()
        with self._db.begin() as db:
            parent = db.get(SessionRow, parent_id)
            if parent is None:
                raise SessionNotFound(f"There is no practice session {parent_id}.")
            if not 0 <= keep <= parent.turn_count:
                raise TurnNotFound(f"Session {parent_id} has {parent.turn_count} turns, "
                                   f"so {keep} cannot be kept.")
            turns = db.scalars(select(TurnRow).options(undefer(TurnRow.state_after))
                               .where(TurnRow.session_id == parent_id, TurnRow.index < keep)
                               .order_by(TurnRow.index)).all()
            child = SessionRow(
                id=str(uuid.uuid4()), user_id=parent.user_id, persona_id=parent.persona_id,
                status="active", opening=parent.opening, state=state, report=None,
                turn_count=keep, created_at=now, updated_at=now, ended_at=None,
                assignment_id=parent.assignment_id, parent_id=parent_id, branched_at=keep)
            db.add(child)
            db.flush()
            skip = {"id", "session_id"}
            for t in turns:
                values = {c.key: getattr(t, c.key) for c in TurnRow.__mapper__.column_attrs
                          if c.key not in skip}
                db.add(TurnRow(session_id=child.id, **values))
            child_id = child.id
        return self.get_session(child_id)  # type: ignore[attr-defined]  # a mixin of Store


def _exercises(db: Session, rows: Sequence[ExerciseRow]) -> list[Exercise]:
    people = members_by_id(db, (r.opened_by for r in rows))
    names = {team_id: name for team_id, name in db.execute(
        select(TeamRow.id, TeamRow.name).where(TeamRow.id.in_({r.team_id for r in rows})))}
    return [Exercise(r.id, r.team_id, names.get(r.team_id, "?"), people[r.opened_by], r.title,
                     r.moment, bool(r.anonymous), r.status, r.created_at, r.closed_at)
            for r in rows]
