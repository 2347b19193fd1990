"""The supervisor's review of sessions, as service operations: every session a user may
see, the review of one (transcript with the coder's and the supervisor's codes, the
person's receptivity and what came out when, comments, the supervision note, the
report), overrides, comments, the note, coder-versus-supervisor agreement, overrides as
labelled data, and the team dashboard. A base of ``SupervisionService``; every
permission is checked here, whoever calls (web app or ``coach`` command)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coach.coding import CODES, STANCES, CodeResult
from coach.service import CoachService, NotAllowed, ServiceError
from coach.store import NOTE_FIELDS, PracticeSession, StoreError, User
from coach.teams import (
    NOT_RATINGS,
    Agreement,
    CommentInfo,
    DashboardRow,
    OverrideInfo,
    ReviewTurn,
    ReviewView,
    SessionSummary,
    agreement,
    bands,
    dashboard_png,
    dashboard_row,
    is_admin,
    may_review,
    may_see,
    override_moment,
    summary,
    to_csv,
    with_human_code,
)
from coach.text import clean_text, is_blank

MAX_COMMENT_CHARS = 2000


class ReviewOps:
    """Built over one ``CoachService`` (its store, personas and report builder)."""

    def __init__(self, service: CoachService) -> None:
        self.service = service
        self.store = service.store

    # --- who may see whom ---------------------------------------------------------------

    def _led(self, user: User) -> set[int]:
        return self.store.led_member_ids(user.id) if user.role == "supervisor" else set()

    def _visible_ids(self, user: User) -> set[int] | None:
        """The users whose sessions ``user`` may see; None for everyone (an admin)."""
        if is_admin(user):
            return None
        return {user.id, *self._led(user)}

    def _session(self, user: User, session_id: str) -> PracticeSession:
        # The practice room's own rule: one rule for every screen and command.
        return self.service._visible(user, session_id)

    def _reviewable(self, user: User, session_id: str) -> PracticeSession:
        session = self._session(user, session_id)
        if not may_review(user, session.user_id, self._led(user)):
            raise NotAllowed("Only a supervisor of this trainee's team (or an admin) can do that; "
                             "nobody reviews their own practice.")
        return session

    def _name(self, persona_id: str) -> str:
        card = self.service.personas.get(persona_id)
        return card.brief.name if card else persona_id

    # --- sessions and review ------------------------------------------------------------

    def sessions(self, user: User) -> list[SessionSummary]:
        """Every session ``user`` may see, newest first."""
        ids = self._visible_ids(user)
        found = self.store.all_sessions() if ids is None else self.store.sessions_of(ids)
        people = {u.id: u for u in self.store.list_users()}
        reviewed = self.store.reviewed_session_ids()
        return [
            SessionSummary(
                session_id=s.id, user=people[s.user_id].username,
                display_name=people[s.user_id].display_name, persona=s.persona_id,
                persona_name=self._name(s.persona_id), status=s.status,
                started=s.created_at.strftime("%Y-%m-%d %H:%M"), turns=s.turn_count,
                assignment_id=s.assignment_id, reviewed=s.id in reviewed,
            )
            for s in found
        ]

    def review(self, user: User, session_id: str) -> ReviewView:
        session = self._session(user, session_id)
        owner = self.store.get_user(session.user_id)
        assert owner is not None
        overrides = self.store.overrides_for(session_id)
        comments = self.store.comments_for(session_id)
        card = self.service.personas.get(session.persona_id)
        turns = []
        for t in session.turns or []:
            machine = CodeResult.from_dict(t.coded)
            o = overrides.get(t.index)
            human = with_human_code(machine, (o.code, o.stance) if o else None)
            turns.append(ReviewTurn(
                index=t.index + 1, trainee=t.learner, person=t.reply,
                code=human.code, stance=human.stance,
                machine_code=machine.code, machine_stance=machine.stance, cues=machine.cues,
                receptivity=t.receptivity, mood=t.mood,
                unlocked=tuple(card.item(i).title if card else i for i in t.unlocked),
                override=OverrideInfo(o.by.username, o.reason, o.code, o.stance) if o else None,
                comments=tuple(_comment(c) for c in comments if c.turn_index == t.index),
            ))
        note = self.store.note_for(session_id)
        return ReviewView(
            session_id=session.id, user=owner.username, display_name=owner.display_name,
            persona=session.persona_id, persona_name=self._name(session.persona_id),
            status=session.status, started=session.created_at.strftime("%Y-%m-%d %H:%M"),
            opening=session.opening, turns=tuple(turns), report=session.report,
            comments=tuple(_comment(c) for c in comments if c.turn_index is None),
            note=({**{f: getattr(note, f) for f in NOTE_FIELDS}, "by": note.by.username}
                  if note else None),
            assignment_id=session.assignment_id,
            may_override=may_review(user, session.user_id, self._led(user)),
        )

    def override(self, user: User, session_id: str, turn: int, *, code: str | None = None,
                 stance: str | None = None, reason: str) -> ReviewView:
        """The supervisor's code and/or stance for reply ``turn`` (counted from 1), with a
        reason; an ended session's report is built again with it."""
        session = self._reviewable(user, session_id)
        code, stance = (code or None), (stance or None)
        if code is None and stance is None:
            raise ServiceError("Give a code, a stance or both to override.")
        if code is not None and code not in CODES:
            raise ServiceError(f"Unknown code '{code}': choose one of {', '.join(CODES)}.")
        if stance is not None and stance not in STANCES:
            raise ServiceError(f"Unknown stance '{stance}': choose one of {', '.join(STANCES)}.")
        reason = clean_text(reason or "")
        if is_blank(reason):
            raise ServiceError("Say why, in a few words: the reason is what the trainee and "
                               "the coder's training learn from.")
        if len(reason) > MAX_COMMENT_CHARS:
            raise ServiceError(f"Reasons are limited to {MAX_COMMENT_CHARS:,} characters.")
        self._check_turn(session, turn)
        self.store.set_override(session_id, turn - 1, code, stance, reason, user.id)
        self.service.rebuild_report(session_id)
        return self.review(user, session_id)

    def comment(self, user: User, session_id: str, turn: int | None, text: str) -> ReviewView:
        """A comment on reply ``turn`` (from 1) or, with None, on the whole session; by a
        supervisor who may review it, or by the trainee answering on their own session."""
        session = self._session(user, session_id)
        text = clean_text(text or "")
        if is_blank(text):
            raise ServiceError("The comment is empty.")
        if len(text) > MAX_COMMENT_CHARS:
            raise ServiceError(f"Comments are limited to {MAX_COMMENT_CHARS:,} characters.")
        if turn is not None:
            self._check_turn(session, turn)
        self.store.add_comment(session_id, None if turn is None else turn - 1, user.id, text)
        return self.review(user, session_id)

    def set_note(self, user: User, session_id: str, **parts: str) -> ReviewView:
        """The session's note under the outcomes-focused supervision frame."""
        self._reviewable(user, session_id)
        unknown = set(parts) - set(NOTE_FIELDS)
        if unknown:
            raise ServiceError(f"Unknown parts of the note: {', '.join(sorted(unknown))}.")
        cleaned = {f: clean_text(parts.get(f) or "") for f in NOTE_FIELDS}
        cleaned = {f: "" if is_blank(v) else v for f, v in cleaned.items()}
        if not any(cleaned.values()):
            raise ServiceError("The note is empty: answer at least one of the four questions.")
        if any(len(v) > MAX_COMMENT_CHARS for v in cleaned.values()):
            raise ServiceError(f"Each part of the note is limited to {MAX_COMMENT_CHARS:,} "
                               "characters.")
        self.store.set_note(session_id, user.id, **cleaned)
        return self.review(user, session_id)

    @staticmethod
    def _check_turn(session: PracticeSession, turn: int) -> None:
        if not 1 <= turn <= session.turn_count:
            raise NotAllowed(f"That conversation has {session.turn_count} replies, so there "
                             f"is no reply {turn}.")

    # --- agreement and labelled data ----------------------------------------------------

    def _reviewed(self, user: User) -> list[PracticeSession]:
        ids = self._visible_ids(user)
        reviewed = self.store.reviewed_session_ids()
        found = []
        for session_id in sorted(reviewed):
            try:
                session = self.store.get_session(session_id)
            except StoreError:
                continue
            if session.user_id != user.id and (ids is None or session.user_id in ids):
                found.append(session)
        return found

    def agreement(self, user: User) -> Agreement:
        """Coder against supervisor over every reply of every reviewed session the user
        may see (not their own): a reply without an override counts as agreement."""
        if user.role == "trainee":
            raise NotAllowed("Coder agreement is for supervisors and admins.")
        code_pairs, stance_pairs, overridden = [], [], 0
        sessions = self._reviewed(user)
        for session in sessions:
            human = self.store.overrides_for(session.id)
            for t in session.turns or []:
                o = human.get(t.index)
                machine_code, machine_stance = t.coded["code"], t.coded["stance"]
                code_pairs.append((machine_code, (o.code if o else None) or machine_code))
                stance_pairs.append((machine_stance, (o.stance if o else None) or machine_stance))
                overridden += o is not None
        return agreement(len(sessions), code_pairs, stance_pairs, overridden)

    def export_overrides(self, user: User) -> list[dict[str, Any]]:
        """Every override the user may see, as exemplar moments (``coach overrides export``)."""
        if user.role == "trainee":
            raise NotAllowed("Exporting overrides is for supervisors and admins.")
        ids = self._visible_ids(user)
        moments = []
        sessions: dict[str, PracticeSession] = {}
        for o in self.store.overrides():
            if o.session_id not in sessions:
                sessions[o.session_id] = self.store.get_session(o.session_id)
            session = sessions[o.session_id]
            if ids is not None and session.user_id not in ids:
                continue
            moments.append(override_moment(session.id, session.persona_id, session.opening,
                                           session.turns or [], o))
        return moments

    # --- the team dashboard -------------------------------------------------------------

    def dashboard(self, user: User, team_name: str) -> list[DashboardRow]:
        """Each ended session of the team's members, oldest first; for the team's leads
        and admins only."""
        return self._dashboard(user, team_name)[1]

    def _dashboard(self, user: User, team_name: str) -> tuple[list[str], list[DashboardRow]]:
        """The usernames of the members the user may see, and their ended sessions' rows."""
        team = self.store.get_team(team_name)
        if team is None:
            raise NotAllowed(f"There is no team called '{team_name}'.")
        if not (is_admin(user) or team.has_lead(user.id)):
            raise NotAllowed(f"Only the supervisors of {team.name} (or an admin) can see its "
                             "dashboard.")
        led = self._led(user)
        members = [m for m in team.members if may_see(user, m.id, led)]
        rows = []
        for m in members:
            for s in self.store.sessions_of([m.id], status="ended"):
                if s.report:
                    rows.append(dashboard_row(team.name, m.username, m.display_name, s.id,
                                              s.ended_at or s.updated_at, s.report))
        return ([m.username for m in members],
                sorted(rows, key=lambda r: (r.ended, r.trainee, r.session_id)))

    def dashboard_data(self, user: User, team_name: str) -> dict[str, Any]:
        members, rows = self._dashboard(user, team_name)
        return {"team": team_name, "note": NOT_RATINGS, "bands": self.bands(),
                "sessions": [r.to_dict() for r in rows], "summary": summary(rows, members)}

    def dashboard_csv(self, user: User, team_name: str) -> str:
        return to_csv(self.dashboard(user, team_name))

    def dashboard_png(self, user: User, team_name: str, path: Path) -> Path | None:
        rows = self.dashboard(user, team_name)
        return dashboard_png(rows, self.bands(), path,
                             f"{team_name}: practice indicators over time")

    @staticmethod
    def bands() -> dict[str, tuple[float, float]]:
        from coach.coaching import load_rubric

        return bands(load_rubric().thresholds)


def _comment(c: Any) -> CommentInfo:
    return CommentInfo(c.by.username, c.text, c.created_at.isoformat(timespec="seconds"))

