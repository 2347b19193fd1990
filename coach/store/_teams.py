"""Queries for teams, their members and assignments, and the sessions they lead to.

A mixin of ``Store`` (it shares the Store's engine and short transactions); the rules of
who may do what are the service's, not these queries'.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from coach.store._engine import changed
from coach.store._errors import (
    AssignmentNotFound,
    SessionNotFound,
    StoreConflict,
    TeamExists,
    TeamNotFound,
)
from coach.store._records import PracticeSession
from coach.store._schema import (
    AssigneeRow,
    AssignmentRow,
    SessionRow,
    TeamMemberRow,
    TeamRow,
    UserRow,
    utcnow,
)
from coach.store._team_records import Assignment, Member, Team


def member(row: UserRow) -> Member:
    return Member(row.id, row.username, row.display_name, row.role)


def members_by_id(db: Session, ids: Iterable[int]) -> dict[int, Member]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = db.scalars(select(UserRow).where(UserRow.id.in_(wanted))).all()
    return {r.id: member(r) for r in rows}


class TeamQueries:
    _db: sessionmaker[Session]

    # --- teams ---------------------------------------------------------------------------

    def create_team(self, name: str, lead_ids: Iterable[int]) -> Team:
        name = name.strip()
        try:
            with self._db.begin() as db:
                row = TeamRow(name=name, created_at=utcnow())
                db.add(row)
                db.flush()
                for user_id in lead_ids:
                    db.add(TeamMemberRow(team_id=row.id, user_id=user_id, kind="lead"))
        except IntegrityError as exc:
            raise TeamExists(f"There is already a team called '{name}'.") from exc
        found = self.get_team(name)
        assert found is not None
        return found

    def get_team(self, name: str) -> Team | None:
        with self._db() as db:
            row = db.scalars(select(TeamRow).where(TeamRow.name == name.strip())).one_or_none()
            return _team(db, row) if row else None

    def list_teams(self) -> list[Team]:
        with self._db() as db:
            return [_team(db, r) for r in db.scalars(select(TeamRow).order_by(TeamRow.name))]

    def teams_of(self, user_id: int) -> list[Team]:
        """The teams a user leads or is a member of, by name."""
        with self._db() as db:
            ids = select(TeamMemberRow.team_id).where(TeamMemberRow.user_id == user_id)
            rows = db.scalars(select(TeamRow).where(TeamRow.id.in_(ids)).order_by(TeamRow.name))
            return [_team(db, r) for r in rows]

    def set_members(self, team_id: int, user_ids: Iterable[int], kind: str) -> None:
        """Put users in a team as leads or members (a user already in it changes kind)."""
        with self._db.begin() as db:
            if db.get(TeamRow, team_id) is None:
                raise TeamNotFound(f"There is no team with id {team_id}.")
            for user_id in user_ids:
                found = db.get(TeamMemberRow, (team_id, user_id))
                if found is None:
                    db.add(TeamMemberRow(team_id=team_id, user_id=user_id, kind=kind))
                else:
                    found.kind = kind

    def remove_members(self, team_id: int, user_ids: Iterable[int]) -> int:
        with self._db.begin() as db:
            return changed(db, 
                delete(TeamMemberRow).where(TeamMemberRow.team_id == team_id,
                                            TeamMemberRow.user_id.in_(set(user_ids)))
            )

    def led_member_ids(self, lead_id: int) -> set[int]:
        """Everyone in the teams ``lead_id`` leads (members and co-leads alike)."""
        with self._db() as db:
            led = select(TeamMemberRow.team_id).where(TeamMemberRow.user_id == lead_id,
                                                      TeamMemberRow.kind == "lead")
            return set(db.scalars(select(TeamMemberRow.user_id).where(
                TeamMemberRow.team_id.in_(led), TeamMemberRow.kind == "member")))

    # --- assignments -----------------------------------------------------------------------

    def create_assignment(self, persona_id: str, goal: str, focus: str | None, due: date | None,
                          team_id: int | None, set_by: int, assignee_ids: Iterable[int]) -> Assignment:
        with self._db.begin() as db:
            row = AssignmentRow(persona_id=persona_id, goal=goal, focus=focus, due=due,
                                team_id=team_id, set_by=set_by, created_at=utcnow())
            db.add(row)
            db.flush()
            for user_id in sorted(set(assignee_ids)):
                db.add(AssigneeRow(assignment_id=row.id, user_id=user_id))
            new_id = row.id
        return self.get_assignment(new_id)

    def get_assignment(self, assignment_id: int) -> Assignment:
        with self._db() as db:
            row = db.get(AssignmentRow, assignment_id)
            if row is None:
                raise AssignmentNotFound(f"There is no assignment {assignment_id}.")
            return _assignments(db, [row])[0]

    def list_assignments(self, set_by: int | None = None, assignee: int | None = None,
                         team_ids: Iterable[int] = ()) -> list[Assignment]:
        """Assignments set by ``set_by``, received by ``assignee`` or set to one of
        ``team_ids`` (any of these), newest first."""
        query = select(AssignmentRow)
        conditions: list[Any] = []
        if set_by is not None:
            conditions.append(AssignmentRow.set_by == set_by)
        if assignee is not None:
            conditions.append(AssignmentRow.id.in_(
                select(AssigneeRow.assignment_id).where(AssigneeRow.user_id == assignee)))
        teams = set(team_ids)
        if teams:
            conditions.append(AssignmentRow.team_id.in_(teams))
        if conditions:
            query = query.where(or_(*conditions))
        with self._db() as db:
            rows = db.scalars(query.order_by(AssignmentRow.created_at.desc(),
                                             AssignmentRow.id.desc())).all()
            return _assignments(db, rows)

    def cancel_assignment(self, assignment_id: int) -> None:
        with self._db.begin() as db:
            done = changed(db, 
                update(AssignmentRow).where(AssignmentRow.id == assignment_id,
                                            AssignmentRow.cancelled_at.is_(None))
                .values(cancelled_at=utcnow())
            )
            if not done:
                if db.get(AssignmentRow, assignment_id) is None:
                    raise AssignmentNotFound(f"There is no assignment {assignment_id}.")
                raise StoreConflict(f"Assignment {assignment_id} has already been cancelled.")

    # --- sessions across users -------------------------------------------------------------

    def sessions_of(self, user_ids: Iterable[int], *, assignment_id: int | None = None,
                    status: str | None = None) -> list[PracticeSession]:
        """The sessions of several users (without their turns), newest first."""
        query = select(SessionRow).where(SessionRow.user_id.in_(set(user_ids)))
        if assignment_id is not None:
            query = query.where(SessionRow.assignment_id == assignment_id)
        if status is not None:
            query = query.where(SessionRow.status == status)
        query = query.order_by(SessionRow.created_at.desc(), SessionRow.id)
        with self._db() as db:
            return [PracticeSession.from_row(r) for r in db.scalars(query).all()]

    def all_sessions(self) -> list[PracticeSession]:
        with self._db() as db:
            rows = db.scalars(select(SessionRow).order_by(SessionRow.created_at.desc())).all()
            return [PracticeSession.from_row(r) for r in rows]

    def discard_session(self, session_id: str) -> None:
        """Delete an unfinished session and its turns; an ended one is kept (StoreConflict)."""
        with self._db.begin() as db:
            done = changed(db, delete(SessionRow).where(SessionRow.id == session_id,
                                                       SessionRow.status == "active"))
            if not done:
                if db.get(SessionRow, session_id) is None:
                    raise SessionNotFound(f"There is no practice session {session_id}.")
                raise StoreConflict(f"Session {session_id} has ended; ended sessions are kept.")

    def replace_report(self, session_id: str, report: dict[str, Any]) -> None:
        """Store a rebuilt report for an ended session (after a supervisor's override)."""
        with self._db.begin() as db:
            done = changed(db, update(SessionRow).where(SessionRow.id == session_id,
                                                       SessionRow.status == "ended")
                              .values(report=report))
            if not done:
                raise SessionNotFound(f"There is no ended practice session {session_id}.")


def _team(db: Session, row: TeamRow) -> Team:
    links = db.execute(select(TeamMemberRow.user_id, TeamMemberRow.kind)
                       .where(TeamMemberRow.team_id == row.id)).all()
    people = members_by_id(db, (u for u, _ in links))
    by_kind: dict[str, list[Member]] = {"lead": [], "member": []}
    for user_id, kind in links:
        by_kind[kind].append(people[user_id])
    return Team(row.id, row.name,
                tuple(sorted(by_kind["lead"], key=lambda m: m.username)),
                tuple(sorted(by_kind["member"], key=lambda m: m.username)), row.created_at)


def _assignments(db: Session, rows: Iterable[AssignmentRow]) -> list[Assignment]:
    rows = list(rows)
    ids = [r.id for r in rows]
    links = db.execute(select(AssigneeRow.assignment_id, AssigneeRow.user_id)
                       .where(AssigneeRow.assignment_id.in_(ids))).all() if ids else []
    teams = dict(db.execute(select(TeamRow.id, TeamRow.name).where(
        TeamRow.id.in_({r.team_id for r in rows if r.team_id}))).all()) if rows else {}
    people = members_by_id(db, [u for _, u in links] + [r.set_by for r in rows])
    assignees: dict[int, list[Member]] = {i: [] for i in ids}
    for assignment_id, user_id in links:
        assignees[assignment_id].append(people[user_id])
    return [
        Assignment(
            id=r.id, persona_id=r.persona_id, goal=r.goal, focus=r.focus, due=r.due,
            team=teams.get(r.team_id) if r.team_id else None, set_by=people[r.set_by],
            assignees=tuple(sorted(assignees[r.id], key=lambda m: m.username)),
            created_at=r.created_at, cancelled_at=r.cancelled_at,
        )
        for r in rows
    ]

