"""Queries for a supervisor's review of a session: overrides of the coder's codes,
comments and the supervision note. A mixin of ``Store``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from coach.store._errors import SessionNotFound, TurnNotFound
from coach.store._schema import (
    CommentRow,
    OverrideRow,
    SessionRow,
    SupervisionNoteRow,
    utcnow,
)
from coach.store._team_records import Comment, Override, SupervisionNote
from coach.store._teams import members_by_id

NOTE_FIELDS = ("working_towards", "working_well", "worried_about", "needs_to_happen")


class ReviewQueries:
    _db: sessionmaker[Session]

    # --- overrides -------------------------------------------------------------------------

    def set_override(self, session_id: str, turn_index: int, code: str | None,
                     stance: str | None, reason: str, by: int) -> Override:
        """Record the supervisor's code and/or stance for one reply (0-based index),
        replacing an earlier override of the same reply."""
        with self._db.begin() as db:
            _check_turn(db, session_id, turn_index)
            db.execute(delete(OverrideRow).where(OverrideRow.session_id == session_id,
                                                 OverrideRow.turn_index == turn_index))
            row = OverrideRow(session_id=session_id, turn_index=turn_index, code=code,
                              stance=stance, reason=reason, by_user=by, created_at=utcnow())
            db.add(row)
        return self.overrides_for(session_id)[turn_index]

    def overrides_for(self, session_id: str) -> dict[int, Override]:
        """The session's overrides by 0-based turn index."""
        return {o.turn_index: o for o in self.overrides(session_ids=[session_id])}

    def overrides(self, session_ids: Iterable[str] | None = None) -> list[Override]:
        """Every override (of the given sessions), oldest first."""
        query = select(OverrideRow).order_by(OverrideRow.created_at, OverrideRow.id)
        if session_ids is not None:
            query = query.where(OverrideRow.session_id.in_(set(session_ids)))
        with self._db() as db:
            rows = db.scalars(query).all()
            people = members_by_id(db, (r.by_user for r in rows))
            return [Override(r.session_id, r.turn_index, r.code, r.stance, r.reason,
                             people[r.by_user], r.created_at) for r in rows]

    # --- comments --------------------------------------------------------------------------

    def add_comment(self, session_id: str, turn_index: int | None, author: int,
                    text: str) -> Comment:
        with self._db.begin() as db:
            if turn_index is None:
                if db.get(SessionRow, session_id) is None:
                    raise SessionNotFound(f"There is no practice session {session_id}.")
            else:
                _check_turn(db, session_id, turn_index)
            row = CommentRow(session_id=session_id, turn_index=turn_index, author=author,
                             text=text, created_at=utcnow())
            db.add(row)
            db.flush()
            people = members_by_id(db, [author])
            return Comment(row.id, session_id, turn_index, people[author], text, row.created_at)

    def comments_for(self, session_id: str) -> list[Comment]:
        with self._db() as db:
            rows = db.scalars(select(CommentRow).where(CommentRow.session_id == session_id)
                              .order_by(CommentRow.created_at, CommentRow.id)).all()
            people = members_by_id(db, (r.author for r in rows))
            return [Comment(r.id, r.session_id, r.turn_index, people[r.author], r.text,
                            r.created_at) for r in rows]

    # --- the supervision note --------------------------------------------------------------

    def set_note(self, session_id: str, author: int, **parts: str) -> SupervisionNote:
        """Write the session's note (one per session: a new one replaces the old)."""
        unknown = set(parts) - set(NOTE_FIELDS)
        if unknown:
            raise ValueError(f"Unknown parts of the note: {', '.join(sorted(unknown))}.")
        try:
            with self._db.begin() as db:
                if db.get(SessionRow, session_id) is None:
                    raise SessionNotFound(f"There is no practice session {session_id}.")
                db.execute(delete(SupervisionNoteRow)
                           .where(SupervisionNoteRow.session_id == session_id))
                db.add(SupervisionNoteRow(session_id=session_id, author=author,
                                          updated_at=utcnow(),
                                          **{f: parts.get(f, "") for f in NOTE_FIELDS}))
        except IntegrityError as exc:  # written by someone else at the same moment
            raise SessionNotFound(f"The note for {session_id} could not be saved: {exc}") from exc
        note = self.note_for(session_id)
        assert note is not None
        return note

    def note_for(self, session_id: str) -> SupervisionNote | None:
        with self._db() as db:
            row = db.get(SupervisionNoteRow, session_id)
            if row is None:
                return None
            people = members_by_id(db, [row.author])
            return SupervisionNote(row.session_id, people[row.author], row.working_towards,
                                   row.working_well, row.worried_about, row.needs_to_happen,
                                   row.updated_at)

    def reviewed_session_ids(self) -> set[str]:
        """Sessions a supervisor has reviewed: with an override, a comment by someone
        other than the trainee, or a note."""
        with self._db() as db:
            by_others = (select(CommentRow.session_id)
                         .join(SessionRow, SessionRow.id == CommentRow.session_id)
                         .where(CommentRow.author != SessionRow.user_id))
            query = union(select(OverrideRow.session_id), by_others,
                          select(SupervisionNoteRow.session_id))
            return set(db.scalars(select(query.subquery().c[0])))


def _check_turn(db: Session, session_id: str, turn_index: int) -> None:
    count = db.scalar(select(SessionRow.turn_count).where(SessionRow.id == session_id))
    if count is None:
        raise SessionNotFound(f"There is no practice session {session_id}.")
    if not 0 <= turn_index < count:
        raise TurnNotFound(f"Session {session_id} has {count} replies, so there is no reply "
                           f"{turn_index + 1}.")
