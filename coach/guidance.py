"""Ask the guidance, as a service operation: any signed-in user (trainee, supervisor or
admin) asks a question about practice and gets an answer built from the retrieved
guidance passages, every sentence cited. Written by the chat model when one is configured
(its citations checked against the passages it was given), otherwise taken from the
passages themselves.

    GuidanceService(CoachService(settings)).ask(user, "How do I summarise well?")
"""

from __future__ import annotations

from coach.coaching import GuidanceAnswer, ask_guidance
from coach.service import CoachService, ServiceError
from coach.store import User


class GuidanceService:
    """Built over one ``CoachService`` (its guidance search, embedder and chat model)."""

    def __init__(self, service: CoachService) -> None:
        self.service = service

    def ask(self, user: User, question: str) -> GuidanceAnswer:
        self.service.user(user.id)  # the account still exists
        parts = self.service.parts
        try:
            return ask_guidance(question, self.service._search_guidance, parts.vectors,
                                parts.chat_model, max_tokens=self.service.settings.llm.max_tokens)
        except ValueError as exc:
            # An empty or over-long question: said as it is, nothing else lost.
            raise ServiceError(str(exc)) from exc
