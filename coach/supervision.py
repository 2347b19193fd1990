"""The supervisor's and the administrator's half of Outcomes Coach, as service
operations: accounts and teams (admins), assignments (supervisors of a team, admins),
and, from ``ReviewOps``, reviews, overrides, comments, notes, agreement and the
dashboard. Every rule is checked here, so the web app and the ``coach`` command cannot
differ: ``NotAllowed`` is a refusal (may not, or no such thing), any other
``ServiceError`` a request that cannot be done as asked.

    supervision = SupervisionService(CoachService(settings))
    supervision.assign(supervisor, "debs", "practise complex reflections", team="North")
"""

from __future__ import annotations

import csv
import io
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from coach.reviewing import ReviewOps
from coach.service import NotAllowed, ServiceError
from coach.store import Assignment, StoreError, Team, User, accounts
from coach.teams import (
    AssigneeView,
    AssignmentView,
    a_role,
    assignee_status,
    due_state,
    is_admin,
    supervises,
)
from coach.text import clean_text, is_blank
from coach.views import SessionView

# The person at the console running ``coach`` against the data directory: an
# administrator (they can edit the database file anyway). Never stored.
CONSOLE = User(id=0, username="console", display_name="Administrator at the console",
               role="admin", created_at=datetime(2000, 1, 1, tzinfo=UTC))
TEAM_NAME_MAX = 64
MAX_GOAL_CHARS = 500


@dataclass(frozen=True)
class ImportResult:
    created: tuple[tuple[str, str], ...] = ()  # (username, one-time password)
    joined: tuple[tuple[str, str], ...] = ()  # (username, team)
    problems: tuple[tuple[int, str], ...] = ()  # (line number, what is wrong)
    teams_created: tuple[str, ...] = field(default=())


def new_password() -> str:
    """A one-time password to hand over: 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


def validate_team_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("Please give the team a name.")
    if len(name) > TEAM_NAME_MAX:
        raise ServiceError(f"Team names can be at most {TEAM_NAME_MAX} characters.")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise ServiceError("A team name cannot contain control characters.")
    return name


class SupervisionService(ReviewOps):
    # --- accounts (admins) ------------------------------------------------------------

    def _admin(self, user: User, what: str) -> None:
        if not is_admin(user):
            raise NotAllowed(f"Only an admin can {what}.")

    def user_named(self, username: str) -> User:
        found = self.store.get_user_by_name(username)
        if found is None:
            raise NotAllowed(f"There is no account called '{accounts.normalise_username(username)}'.")
        return found

    def add_user(self, actor: User, username: str, role: str, password: str | None = None,
                 display_name: str | None = None) -> tuple[User, str]:
        """A new account; returns it with its password (a one-time one when none is given)."""
        self._admin(actor, "create accounts")
        password = password or new_password()
        try:
            user = self.store.add_user(username, password, accounts.validate_role(role),
                                       display_name or username.strip())
        except (accounts.AccountError, StoreError) as exc:
            raise ServiceError(str(exc)) from exc
        return user, password

    def reset_password(self, actor: User, username: str, password: str | None = None) -> str:
        self._admin(actor, "reset passwords")
        user = self.user_named(username)
        password = password or new_password()
        try:
            self.store.set_password(user.username, password)
        except (accounts.AccountError, StoreError) as exc:
            raise ServiceError(str(exc)) from exc
        return password

    def import_users(self, actor: User, text: str) -> ImportResult:
        """Accounts from CSV (``username,display_name,role,team``). A bad row is reported
        by its line and skipped; good rows land; a team that does not exist is created; an
        existing user named again is only put in the row's team."""
        self._admin(actor, "import accounts")
        reader = csv.DictReader(io.StringIO(text))
        wanted = ["username", "display_name", "role", "team"]
        if [h.strip() for h in (reader.fieldnames or [])] != wanted:
            raise ServiceError(f"The first line must be the columns {','.join(wanted)} "
                               f"(found {','.join(reader.fieldnames or []) or 'nothing'}).")
        created, joined, problems, teams = [], [], [], []
        for row in reader:
            line = reader.line_num
            try:
                name = accounts.validate_username(row.get("username") or "")
                role = accounts.validate_role((row.get("role") or "").strip())
                shown = accounts.validate_display_name(row.get("display_name") or None, name)
                team_name = (row.get("team") or "").strip()
                if team_name:
                    validate_team_name(team_name)
                user = self.store.get_user_by_name(name)
                if user is None:
                    password = new_password()
                    user = self.store.add_user(name, password, role, shown)
                    created.append((name, password))
                elif user.role != role:
                    raise ServiceError(f"'{name}' already exists as {a_role(user.role)}, "
                                       f"not {a_role(role)}.")
                if team_name:
                    team = self.store.get_team(team_name)
                    if team is None:
                        team = self.store.create_team(team_name, [])
                        teams.append(team_name)
                    self.store.set_members(team.id, [user.id],
                                           "lead" if role == "supervisor" else "member")
                    joined.append((name, team_name))
            except (accounts.AccountError, StoreError, ServiceError) as exc:
                problems.append((line, str(exc)))
        return ImportResult(tuple(created), tuple(joined), tuple(problems), tuple(teams))

    # --- teams --------------------------------------------------------------------------

    def team(self, actor: User, name: str) -> Team:
        team = self.store.get_team(name)
        if team is None or not (is_admin(actor) or team.has_lead(actor.id)
                                or team.has_member(actor.id)):
            raise NotAllowed(f"There is no team called '{name}' that you belong to.")
        return team

    def teams(self, actor: User) -> list[Team]:
        """All teams for an admin; the teams someone leads or belongs to otherwise."""
        return self.store.list_teams() if is_admin(actor) else self.store.teams_of(actor.id)

    def add_team(self, actor: User, name: str, supervisor: str) -> Team:
        self._admin(actor, "create teams")
        name = validate_team_name(name)
        lead = self.user_named(supervisor)
        if lead.role != "supervisor":
            raise ServiceError(f"'{lead.username}' is {a_role(lead.role)}; a team is led by a "
                               "supervisor.")
        if self.store.get_team(name) is not None:
            raise ServiceError(f"There is already a team called '{name}'.")
        return self.store.create_team(name, [lead.id])

    def join_team(self, actor: User, name: str, usernames: Sequence[str]) -> Team:
        """Put people in a team: trainees as members, supervisors as its (co-)leads."""
        self._admin(actor, "change teams")
        team = self._existing_team(name)
        people = [self.user_named(u) for u in usernames]
        for kind in ("lead", "member"):
            ids = [p.id for p in people if ("lead" if p.role == "supervisor" else "member") == kind]
            if ids:
                self.store.set_members(team.id, ids, kind)
        return self._existing_team(name)

    def leave_team(self, actor: User, name: str, usernames: Sequence[str]) -> Team:
        self._admin(actor, "change teams")
        team = self._existing_team(name)
        people = [self.user_named(u) for u in usernames]
        outside = [p.username for p in people
                   if not (team.has_member(p.id) or team.has_lead(p.id))]
        if outside:
            raise NotAllowed(f"Not in {team.name}: {', '.join(outside)}.")
        self.store.remove_members(team.id, [p.id for p in people])
        return self._existing_team(name)

    def _existing_team(self, name: str) -> Team:
        team = self.store.get_team(name)
        if team is None:
            raise NotAllowed(f"There is no team called '{name}'.")
        return team

    # --- assignments --------------------------------------------------------------------

    def assign(self, actor: User, persona_id: str, goal: str, *, team: str | None = None,
               trainees: Sequence[str] = (), focus: str | None = None,
               due: date | None = None) -> AssignmentView:
        """Set a scenario to a team (its members now) or to named trainees, with a goal in
        words, an optional focus skill from the rubric and an optional due date."""
        if not supervises(actor):
            raise NotAllowed("Only supervisors and admins set assignments.")
        if persona_id not in self.service.personas:
            raise NotAllowed(f"There is no scenario called '{persona_id}'.")
        goal = clean_text(goal or "")
        if is_blank(goal):
            raise ServiceError("Say what the assignment is for, e.g. 'practise complex "
                               "reflections when Debs gets defensive'.")
        if len(goal) > MAX_GOAL_CHARS:
            raise ServiceError(f"Goals are limited to {MAX_GOAL_CHARS} characters: say in a "
                               "sentence or two what the practice is for.")
        if due is not None and due < date.today():
            raise ServiceError(f"The due date {due:%d %b %Y} has already passed: choose today "
                               "or a later date.")
        focus = (focus or "").strip() or None
        skills = focus_skills()
        if focus is not None and focus not in skills:
            raise ServiceError(f"Unknown focus skill '{focus}': choose one of {', '.join(skills)}.")
        if (team is None) == (not trainees):
            raise ServiceError("Assign to a team or to named trainees (one of the two).")
        led = self._led(actor)
        team_id = None
        if team is not None:
            found = self._existing_team(team)
            if not (is_admin(actor) or found.has_lead(actor.id)):
                raise NotAllowed(f"You do not lead {found.name}, so you cannot assign to it.")
            if not found.members:
                raise ServiceError(f"{found.name} has no members to assign to yet.")
            team_id, assignees = found.id, [m.id for m in found.members]
        else:
            people = [self.user_named(t) for t in trainees]
            refused = [p.username for p in people if not (is_admin(actor) or p.id in led)]
            if refused:
                raise NotAllowed(f"Not in a team you lead: {', '.join(refused)}.")
            assignees = [p.id for p in people]
        made = self.store.create_assignment(persona_id, goal, focus, due, team_id, actor.id,
                                            assignees)
        return self._assignment_view(actor, made)

    def resolve_target(self, name: str) -> dict[str, str | list[str]]:
        """``coach assign TEAM_OR_USER``: a team of that name, else a user."""
        if self.store.get_team(name) is not None:
            return {"team": name}
        if self.store.get_user_by_name(name) is not None:
            return {"trainees": [name]}
        raise NotAllowed(f"There is no team or account called '{name}'.")

    def cancel_assignment(self, actor: User, assignment_id: int) -> None:
        found = self._assignment(assignment_id)
        if not (is_admin(actor) or found.set_by.id == actor.id):
            raise NotAllowed("Only the supervisor who set an assignment (or an admin) can cancel it.")
        if found.cancelled:
            raise ServiceError(f"Assignment {assignment_id} has already been cancelled.")
        self.store.cancel_assignment(assignment_id)

    def assignments(self, actor: User, today: date | None = None) -> list[AssignmentView]:
        """What the user set (or, for an admin, everything) and what they received;
        a trainee's own first by urgency: overdue, due, done."""
        if is_admin(actor):
            found = self.store.list_assignments()
        else:
            found = self.store.list_assignments(set_by=actor.id, assignee=actor.id)
        views = [self._assignment_view(actor, a, today) for a in found]
        order = {"overdue": 0, "due": 1, "done": 2, "cancelled": 3, None: 4}
        return sorted(views, key=lambda v: (order[v.my_state],
                                            v.due or date.max, -v.id))

    def start_assignment(self, actor: User, assignment_id: int,
                         persona: str | None = None) -> SessionView:
        """Start (or resume) the trainee's session for an assignment, linked to it;
        ``persona``, if given, must be the assignment's."""
        found = self._assignment(assignment_id)
        if not any(a.id == actor.id for a in found.assignees):
            raise NotAllowed(f"Assignment {assignment_id} was not set to you.")
        if found.cancelled:
            raise ServiceError("That assignment has been cancelled.")
        if persona is not None and persona != found.persona_id:
            raise ServiceError(f"Assignment {assignment_id} is with {found.persona_id}, "
                               f"not {persona}.")
        return self.service.start_session(actor, found.persona_id, assignment_id=found.id)

    def _assignment(self, assignment_id: int) -> Assignment:
        try:
            return self.store.get_assignment(assignment_id)
        except StoreError as exc:
            raise NotAllowed(f"There is no assignment {assignment_id}.") from exc

    def _assignment_view(self, actor: User, a: Assignment,
                         today: date | None = None) -> AssignmentView:
        sees_all = is_admin(actor) or a.set_by.id == actor.id
        shown = [m for m in a.assignees if sees_all or m.id == actor.id]
        people = []
        mine = None
        for m in shown:
            sessions = self.store.sessions_of([m.id], assignment_id=a.id)
            status = assignee_status(sessions)
            ended = next((s for s in sessions if s.status == "ended"), None)
            current = ended or next(iter(sessions), None)
            indicators = ({i["name"]: i.get("display") for i in ended.report.get("indicators", [])}
                          if ended and ended.report else {})
            state = due_state(status, a.due, today or date.today(), a.cancelled)
            people.append(AssigneeView(m.username, m.display_name, status,
                                       current.id if current else None, indicators, state))
            if m.id == actor.id:
                mine = state
        return AssignmentView(
            id=a.id, persona=a.persona_id, persona_name=self._name(a.persona_id), goal=a.goal,
            focus=a.focus, due=a.due, team=a.team, set_by=a.set_by.username,
            cancelled=a.cancelled, assignees=tuple(people), my_state=mine,
        )


def focus_skills() -> list[str]:
    """The skills an assignment may focus on: the rubric's indicators."""
    from coach.coaching import load_rubric

    return list(type(load_rubric().thresholds).model_fields)
