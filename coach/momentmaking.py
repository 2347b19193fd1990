"""Moments as service operations: the curated moments for anyone signed in, the person's
reaction to a reply at one, and a supervisor's turning any turn of a session they may
see into a moment (for a team to answer as the trainee did).

    moments = MomentService(service)
    moment = moments.from_turn(supervisor, session_id, 3)   # what the trainee answered at turn 3
    moments.react(user, moment, "It sounds like ...")

Who may see a session is the practice room's own rule (``CoachService._visible``, from
``coach.teams``); making a moment of it is for supervisors and admins only.
"""

from __future__ import annotations

from coach.moments import Moment, MomentError, Reaction, get_moment
from coach.roleplay import PersonaState
from coach.service import CoachService, NotAllowed, ServiceError
from coach.store import User
from coach.teams import supervises
from coach.text import session_slug


class MomentService:
    def __init__(self, service: CoachService) -> None:
        self.service = service

    @staticmethod
    def _signed_in(user: User | None) -> User:
        if user is None:
            raise NotAllowed("Please sign in first.")
        return user

    def moments(self, user: User | None) -> list[Moment]:
        """The curated moments, persona by persona."""
        self._signed_in(user)
        return sorted(self.service.parts.moments.values(), key=lambda m: (m.persona, m.id))

    def moment(self, user: User | None, moment_id: str) -> Moment:
        self._signed_in(user)
        try:
            return get_moment(moment_id, self.service.parts.moments)
        except MomentError as exc:
            raise ServiceError(str(exc)) from exc

    def react(self, user: User | None, moment: Moment, reply: str) -> Reaction:
        """The person's reaction to ``reply`` at ``moment``: the same every time."""
        from coach.coding import InvalidReply

        self._signed_in(user)
        try:
            return self.service.parts.reactor.react(moment, reply)
        except (InvalidReply, MomentError) as exc:
            raise ServiceError(str(exc)) from exc

    def from_turn(self, user: User | None, session_id: str, turn: int) -> Moment:
        """The moment the trainee answered at ``turn`` (counting their replies from 1):
        the conversation up to the person's words just before it, and the person's state
        then. For supervisors and admins, of sessions they may see."""
        user = self._signed_in(user)
        if not supervises(user):
            raise NotAllowed("Only supervisors and admins can make a moment from a session.")
        session = self.service._visible(user, session_id)
        if not 1 <= turn <= session.turn_count:
            raise ServiceError(f"That conversation has {session.turn_count} replies, so there "
                               f"is no reply {turn} to make a moment of.")
        card = self.service.personas[session.persona_id]
        if turn == 1:
            # Before the first reply: the person's opening words at their starting state.
            after_first = self.service.state_after(user, session_id, 0)
            start = card.hidden.starting_receptivity
            state = PersonaState(persona=card.id, receptivity=start, start_receptivity=start,
                                 stage=card.hidden.stage_of_change,
                                 history=[after_first.history[0]])
        else:
            state = self.service.state_after(user, session_id, turn - 2)
        slug = session_slug(session_id)
        try:
            return Moment.from_state(
                card, state, id=f"{card.id}_{slug}_turn_{turn}",
                title=f"{card.name}, before reply {turn} of a practice session",
            )
        except MomentError as exc:
            raise ServiceError(str(exc)) from exc
