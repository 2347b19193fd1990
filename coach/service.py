"""The application API: what the web app (and tests) ask of Outcomes Coach.

The service owns a practice session: it validates the trainee's message, asks the persona
engine to react, stores the turn with the person's new state in one transaction, and
builds the report at the end. Session state lives in the database, so a restarted app
(or another replica) carries on where the conversation was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coach import practising
from coach.coding import CodeResult, InvalidReply
from coach.llm import ChatModel
from coach.locks import SessionLocks
from coach.retrieval import Passage, SearchError
from coach.roleplay import ConversationEnded, PersonaState, RoleplayEngine
from coach.settings import Settings
from coach.store import PracticeSession, Store, StoreConflict, User
from coach.teams import with_human_code
from coach.text import clean_text
from coach.views import HistoryRow, Scenario, SessionView, TurnView
from coach.wiring import Wiring

Progress = Callable[[str], None]


class ServiceError(ValueError):
    """A request the service refuses; the message is shown to the user as it is."""


class NotAllowed(ServiceError):
    pass


class CoachService:
    """One per process. Heavy parts (coder, persona indexes, knowledge base) come from
    ``coach.wiring``, built lazily or in ``warm_up``; everything per-session comes from
    the store on each call. Tests may pass in a store, a coder or a chat model."""

    def __init__(self, settings: Settings, *, wiring: Wiring | None = None,
                 store: Store | None = None, coder: Any | None = None,
                 chat_model: ChatModel | None = None) -> None:
        self.settings = settings
        self.parts = wiring or Wiring(settings, store=store, coder=coder, chat_model=chat_model)
        self.store = self.parts.store
        self.personas = self.parts.personas
        self.knowledge = self.parts.knowledge
        self._session_locks = SessionLocks()

    # --- start-up --------------------------------------------------------------------

    @property
    def coder(self) -> Any:
        return self.parts.coder

    @property
    def exemplars(self) -> Any:
        return self.parts.exemplars

    @property
    def rubric(self) -> Any:
        """The rubric from the knowledge folder in use (COACH_KNOWLEDGE_DIR applies);
        ``load_rubric`` caches it until the file changes."""
        from coach.coaching import load_rubric

        return load_rubric(self.settings.knowledge.rubric_path)

    def engine(self, persona_id: str) -> RoleplayEngine:
        if persona_id not in self.personas:
            raise ServiceError(f"There is no scenario called {persona_id!r}.")
        return self.parts.engine(persona_id)

    def warm_up(self, progress: Progress | None = None) -> float:
        """Load everything a first turn would otherwise wait for; returns seconds taken."""
        say = progress or (lambda _m: None)
        started = time.perf_counter()
        say("Loading the coder…")
        _ = self.coder
        say("Preparing the people you can talk to…")
        for persona_id in self.personas:
            self.engine(persona_id)
        say("Checking the guidance library…")
        self.knowledge.ensure_indexed(progress=say)
        _ = self.exemplars
        self.parts.vectors.save()
        for notice in self.parts.notices:
            say(notice)
        return time.perf_counter() - started

    # --- accounts --------------------------------------------------------------------

    def user(self, user_id: int) -> User:
        user = self.store.get_user(user_id)
        if user is None:
            raise NotAllowed("Your account no longer exists; please sign in again.")
        return user

    def user_by_name(self, username: str) -> User:
        """Who a sign-in (``coach.auth``) names; NotAllowed once the account is gone."""
        user = self.store.get_user_by_name(username)
        if user is None:
            raise NotAllowed("Your account no longer exists; please sign in again.")
        return user

    # --- scenarios and sessions ------------------------------------------------------

    def scenarios(self) -> list[Scenario]:
        return [
            Scenario(id=c.id, name=c.brief.name, age=c.brief.age, role_of_trainee=c.brief.role_of_trainee,
                     situation=c.brief.situation, why_visiting=c.brief.why_visiting,
                     your_goal=c.brief.your_goal)
            for c in sorted(self.personas.values(), key=lambda c: c.brief.name)
        ]

    def start_session(self, user: User, persona_id: str, resume: bool = True,
                      assignment_id: int | None = None) -> SessionView:
        """Resume the trainee's unfinished conversation with this person, or start one;
        with ``assignment_id`` (checked by the caller), the one started from that assignment."""
        engine = self.engine(persona_id)
        if resume:
            active = (self.store.latest_active_session(user.id, persona_id)
                      if assignment_id is None else next(iter(self.store.sessions_of(
                          [user.id], assignment_id=assignment_id, status="active")), None))
            if active is not None:
                view = self._view(self.store.get_session(active.id))
                return _with_notice(view, f"Welcome back: your conversation with "
                                          f"{view.persona_name} is where you left it.")
        heard = practising.heard_lines(self.store, user.id, persona_id)
        state = engine.start(seed=int(time.time_ns() % 1_000_000), recent_lines=heard)
        opening = engine.opening(state)
        session = self.store.create_session(user.id, persona_id, state.to_dict(), opening,
                                            assignment_id=assignment_id)
        return self._view(self.store.get_session(session.id))

    def session(self, user: User, session_id: str) -> SessionView:
        return self._view(self._visible(user, session_id))

    def discard_session(self, user: User, session_id: str) -> None:
        """Delete the trainee's own unfinished session (a "start again" left behind)."""
        from coach.store import StoreError

        with self._session_locks.hold(session_id):
            session = self._owned(user, session_id)
            if session.status != "active":
                raise ServiceError("Only an unfinished conversation can be discarded; ended "
                                   "ones are kept with their reports.")
            try:
                self.store.discard_session(session_id)
            except StoreError as exc:
                raise ServiceError(str(exc)) from exc

    def past_report(self, user: User, session_id: str) -> Any:
        """The report of an ended session the user may see (with any supervisor's codes)."""
        from coach.report import SessionReport

        session = self._visible(user, session_id)
        if not session.report:
            raise ServiceError("That conversation has not ended yet, so it has no report.")
        return SessionReport.from_dict(session.report)

    def state_after(self, user: User, session_id: str, index: int) -> PersonaState:
        """The person's whole state just after turn ``index`` (0-based), restored from the
        store without replaying the conversation: where rewinding to a turn, or making it
        a team exercise, starts from."""
        session = self._visible(user, session_id)
        if not 0 <= index < session.turn_count:
            raise ServiceError(f"That conversation has {session.turn_count} turns, so there "
                               f"is no turn {index + 1}.")
        return PersonaState.from_dict(self.store.state_after(session_id, index))

    def _resent(self, session: PracticeSession, index: int, message: str) -> SessionView:
        """The session as it is, for a turn sent again under the id it was stored with; an
        id reused for other words is a fault of the page, and that message is not sent."""
        turns = session.turns or []
        if index < len(turns) and turns[index].learner != message:
            raise ServiceError("A reply with other words was already sent under this turn's "
                               "id, so this one was not sent: press Send again.")
        return self._view(session)

    def take_turn(self, user: User, session_id: str, text: str,
                  client_turn_id: str | None = None) -> SessionView:
        """``client_turn_id``: the id the browser gave this turn; sending it again (a retry,
        perhaps to another replica) stores nothing more and returns the session as it is."""
        # A message with nothing visible is refused by the engine, with the coder's one check.
        message = clean_text(text or "")
        limit = self.settings.app.max_message_chars
        if len(message) > limit:
            raise ServiceError(f"Messages are limited to {limit:,} characters (yours has "
                               f"{len(message):,}). Nobody says that much in one go: try a shorter reply.")
        client_turn_id = (client_turn_id or "").strip() or None
        if client_turn_id is not None and len(client_turn_id) > 64:
            raise ServiceError("A turn id can be at most 64 characters.")
        with self._session_locks.hold(session_id):
            session = self._owned(user, session_id)
            if client_turn_id:
                sent = self.store.turn_with_client_id(session_id, client_turn_id)
                if sent is not None:
                    return self._resent(session, sent, message)
            if session.status != "active":
                raise ServiceError("This conversation has ended. Start a new one to practise again.")
            engine = self.engine(session.persona_id)
            state = PersonaState.from_dict(session.state)
            before = state.receptivity
            try:
                outcome = engine.respond(state, message)
            except InvalidReply as exc:
                raise ServiceError(str(exc)) from exc
            except ConversationEnded as exc:
                raise ServiceError(str(exc)) from exc
            feedback = practising.reply_feedback(outcome, engine, state.receptivity - before,
                                                 self.rubric)
            try:
                self.store.append_turn(
                    session_id, session.turn_count, learner=message, coded=outcome.coded.to_dict(),
                    reply=outcome.reply, act=outcome.act, receptivity=outcome.receptivity,
                    mood=outcome.mood, changes=[{"reason": c.reason, "delta": c.delta} for c in outcome.changes],
                    unlocked=list(outcome.unlocked), realiser=outcome.realiser,
                    fallback_reason=outcome.fallback_reason, feedback=feedback,
                    state_after=state.to_dict(), client_turn_id=client_turn_id,
                )
            except StoreConflict:
                stored = self.store.get_session(session_id)
                sent = (self.store.turn_with_client_id(session_id, client_turn_id)
                        if client_turn_id else None)
                if sent is not None:  # the same turn, stored by another replica meanwhile
                    return self._resent(stored, sent, message)
                view = self._view(stored)
                return _with_notice(view, "This conversation moved on in another window; here it is "
                                          "as it stands now. Your last message was not sent.")
            if outcome.ended:
                self._finish(user, session_id)
            view = self._view(self.store.get_session(session_id))
        if outcome.fallback_reason:
            return _with_notice(view, "The language model could not be used for that reply, so the "
                                      f"scripted person answered instead ({outcome.fallback_reason}).")
        return view

    def hint(self, user: User, session_id: str, previous: Any | None = None) -> Any:
        """What to try next; ``previous`` is the last hint's ``memo()`` (not repeated)."""
        session = self._owned(user, session_id)
        return practising.session_hint(session, self.engine(session.persona_id),
                                       self._search_guidance, self.exemplars, self.rubric,
                                       self.parts.secrets, previous)

    def end_session(self, user: User, session_id: str) -> Any:
        with self._session_locks.hold(session_id):
            session = self._owned(user, session_id)
            if session.status == "ended" and session.report:
                from coach.report import SessionReport

                return SessionReport.from_dict(session.report)
            return self._finish(user, session_id)

    def history(self, user: User) -> list[HistoryRow]:
        rows = []
        for s in self.store.list_sessions(user.id):
            card = self.personas.get(s.persona_id)
            indicators = {}
            if s.report:
                indicators = {i["name"]: i for i in s.report.get("indicators", [])}
            rows.append(HistoryRow(
                session_id=s.id, persona_name=card.brief.name if card else s.persona_id,
                started=s.created_at.strftime("%d %b %Y %H:%M"), status=s.status,
                turns=s.turn_count, indicators=indicators, assignment_id=s.assignment_id,
            ))
        return rows

    def trend_png(self, user: User, path: Path) -> Path | None:
        """The trainee's indicators across their ended sessions, oldest first."""
        from coach.report import trend_png

        return trend_png([(s.created_at.strftime("%d %b"), s.report) for s in reversed(
            self.store.list_sessions(user.id, status="ended")) if s.report], path)

    # --- internals -------------------------------------------------------------------

    def _finish(self, user: User, session_id: str) -> Any:
        session = self._owned(user, session_id)
        state = PersonaState.from_dict(session.state)
        self.engine(session.persona_id).finish(state)
        report = self._build_report(session, state)
        try:
            self.store.end_session(session_id, report.to_dict(), state_after=state.to_dict())
        except StoreConflict:
            # Another window or replica ended it first: its report is the one kept.
            from coach.report import SessionReport

            stored = self.store.get_session(session_id)
            if stored.report:
                return SessionReport.from_dict(stored.report)
            raise
        return report

    def _build_report(self, session: PracticeSession, state: PersonaState) -> Any:
        return practising.session_report(session, state, self.engine(session.persona_id),
                                         self.store, self._search_guidance, self.rubric,
                                         self.human_codes(session.id))

    def human_codes(self, session_id: str) -> dict[int, tuple[str | None, str | None]]:
        """THE HOOK for supervisors' overrides: {0-based turn: (code, stance)}, None where
        the machine's stands. Reports, views and reviews use these in place of the coder's
        through ``coach.teams.with_human_code``, the one override path."""
        return {i: (o.code, o.stance) for i, o in self.store.overrides_for(session_id).items()}

    def rebuild_report(self, session_id: str) -> Any:
        """Build an ended session's report again (after an override) and store it."""
        session = self.store.get_session(session_id)
        if session.status != "ended":
            return None
        report = self._build_report(session, PersonaState.from_dict(session.state))
        self.store.replace_report(session_id, report.to_dict())
        return report

    def _search_guidance(self, query: str) -> list[Passage]:
        try:
            return self.knowledge.search(query, k=6, kind="guidance")
        except SearchError:
            return []

    def _owned(self, user: User, session_id: str,
               refusal: str = "Only the trainee who started this conversation can carry it "
                              "on.") -> PracticeSession:
        """The user's own session: only its trainee talks in it, asks for hints or ends it
        (``refusal`` says so for another act, to someone who may see the session)."""
        session = self._visible(user, session_id)
        if session.user_id != user.id:
            raise NotAllowed(refusal)
        return session

    def _visible(self, user: User, session_id: str) -> PracticeSession:
        """A session the user may see: their own; as a supervisor, their teams' members';
        as an admin, any. Otherwise say no more than "not found"."""
        from coach.store import SessionNotFound
        from coach.teams import may_see

        try:
            session = self.store.get_session(session_id)
        except SessionNotFound as exc:
            raise NotAllowed("That conversation could not be found.") from exc
        led = self.store.led_member_ids(user.id) if user.role == "supervisor" else set()
        if not may_see(user, session.user_id, led):
            raise NotAllowed("That conversation could not be found.")
        return session

    def _view(self, session: PracticeSession) -> SessionView:
        engine = self.engine(session.persona_id)
        state = PersonaState.from_dict(session.state)
        public = engine.public_view(state)
        turns = []
        human = self.human_codes(session.id)
        for t in session.turns or []:
            machine = CodeResult.from_dict(t.coded)
            coded = with_human_code(machine, human.get(t.index))
            turns.append(TurnView(
                index=t.index, learner=t.learner, reply=t.reply, code=coded.code, stance=coded.stance,
                machine_code=machine.code if t.index in human else None,
                machine_stance=machine.stance if t.index in human else None,
                cues=coded.cues, mood=t.mood, receptivity=t.receptivity,
                changes=tuple((c["reason"], float(c["delta"])) for c in t.changes),
                unlocked=tuple(engine.card.item(i).title for i in t.unlocked),
                feedback=t.feedback, realiser=t.realiser, fallback_reason=t.fallback_reason,
            ))
        return SessionView(
            id=session.id, persona_id=session.persona_id, persona_name=engine.card.brief.name,
            opening=session.opening, status=session.status, turns=tuple(turns),
            mood=public["mood"], receptivity=float(public["receptivity"]),
            start_receptivity=state.start_receptivity,
            uncovered=tuple(u["title"] for u in public["unlocked"]),
            still_hidden=int(public["still_hidden"]),
        )


def _with_notice(view: SessionView, notice: str) -> SessionView:
    from dataclasses import replace

    return replace(view, notice=notice)

