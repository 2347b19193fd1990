"""The person's reaction to one reply at a moment: what the role-play engine does with
that reply from the moment's state, and nothing else.

    reactor = Reactor(personas, coder, embedder=embedder)
    reaction = reactor.react(moment, "It sounds like you're at the end of your tether.")
    reaction.receptivity_change, reaction.mood, reaction.reply, reaction.unlocks

Each reaction starts from a fresh ``PersonaState`` built from the moment, so no reply
(and no other session) leaves a trace on the next. The engine always speaks through the
scripted realiser here, whatever realiser the practice room uses: a chat model phrasing
the line would make the same reply to the same moment read differently each time.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coach.coding import CodeResult
from coach.moments._files import Moment, MomentError
from coach.roleplay import MOOD_LABELS, PersonaCard, RoleplayEngine, ScriptedRealiser


@dataclass(frozen=True)
class Reaction:
    moment: str
    persona: str
    learner: str  # the reply as the engine read it
    coded: CodeResult
    receptivity_before: float
    receptivity_after: float
    mood_before: str  # labels: "shut down", "guarded", "warming", "open"
    mood: str
    reply: str  # what the person would say back
    act: str  # what the person does: answer, deflect, disclose, end ...
    unlocks: tuple[str, ...]  # titles of hidden items this reply would unlock
    unlock_ids: tuple[str, ...]
    changes: tuple[tuple[str, float], ...]  # (reason, delta) behind the change
    ended: bool  # the person would end the visit

    @property
    def receptivity_change(self) -> float:
        return round(self.receptivity_after - self.receptivity_before, 4)

    def to_dict(self) -> dict[str, Any]:
        """The reaction's public form: ``{"receptivity_change", "mood", "reply", "unlocks"}``."""
        return {
            "receptivity_change": self.receptivity_change,
            "mood": self.mood,
            "reply": self.reply,
            "unlocks": list(self.unlocks),
        }

    def to_full_dict(self) -> dict[str, Any]:
        """Everything, for a results page or a stored reply."""
        return {
            **self.to_dict(),
            "moment": self.moment,
            "persona": self.persona,
            "receptivity_before": self.receptivity_before,
            "receptivity_after": self.receptivity_after,
            "mood_before": self.mood_before,
            "act": self.act,
            "unlock_ids": list(self.unlock_ids),
            "changes": [[reason, delta] for reason, delta in self.changes],
            "ended": self.ended,
        }


def react(engine: RoleplayEngine, moment: Moment, reply: str) -> Reaction:
    """The person's reaction to ``reply`` at ``moment``, from the moment's state alone.

    Raises ``coach.coding.InvalidReply`` for an empty or over-long reply and
    ``MomentError`` when the engine is for a different persona.
    """
    if engine.card.id != moment.persona:
        raise MomentError(
            f"moment {moment.id!r} is with {moment.persona!r}, not {engine.card.id!r}"
        )
    state = moment.persona_state(engine.card)
    before, mood_before = state.receptivity, MOOD_LABELS[state.mood]
    outcome = engine.respond(state, reply)
    return Reaction(
        moment=moment.id,
        persona=moment.persona,
        learner=outcome.learner,
        coded=outcome.coded,
        receptivity_before=before,
        receptivity_after=outcome.receptivity,
        mood_before=mood_before,
        mood=outcome.mood,
        reply=outcome.reply,
        act=outcome.act,
        unlocks=tuple(engine.card.item(i).title for i in outcome.unlocked),
        unlock_ids=outcome.unlocked,
        changes=tuple((c.reason, c.delta) for c in outcome.changes),
        ended=outcome.ended,
    )


class Reactor:
    """Reactions for any persona: one scripted engine per persona, built on first use
    over the real coder and embedder, and shared by every caller (engines hold no
    session state)."""

    def __init__(
        self, personas: Mapping[str, PersonaCard], coder: Any, *, embedder: Any | None = None
    ) -> None:
        self.personas = personas
        self.coder = coder
        self.embedder = embedder
        self._engines: dict[str, RoleplayEngine] = {}
        self._lock = threading.Lock()

    def engine(self, persona_id: str) -> RoleplayEngine:
        """``MomentError`` for an unknown persona, naming the known ones."""
        with self._lock:
            if persona_id not in self._engines:
                card = self.personas.get(persona_id)
                if card is None:
                    raise MomentError(
                        f"no persona {persona_id!r} (known: {', '.join(sorted(self.personas))})"
                    )
                self._engines[persona_id] = RoleplayEngine(
                    card, self.coder, ScriptedRealiser(), embedder=self.embedder
                )
            return self._engines[persona_id]

    def react(self, moment: Moment, reply: str) -> Reaction:
        return react(self.engine(moment.persona), moment, reply)

    def moment_from_words(self, persona_id: str, words: str) -> Moment:
        """An ad hoc moment for words the person said, at the persona's starting state."""
        return Moment.from_words(self.engine(persona_id).card, words)
