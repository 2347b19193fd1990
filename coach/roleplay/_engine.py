"""The role-played person's policy (``decide``) and engine; the session state is in ``_state``.

    engine = RoleplayEngine(card, coder, ScriptedRealiser())
    state = engine.start()
    engine.opening(state)                    # the person's first words
    outcome = engine.respond(state, "...")   # code the reply, move the state, answer

``respond`` **mutates** ``state`` in place, and only once everything for the turn has
succeeded: an empty reply (``InvalidReply``) or a turn after the end
(``ConversationEnded``) leaves it untouched. Given the same state and reply, and the
scripted realiser, the outcome is always the same.

Hidden material leaves the engine only as it unlocks: ``public_view`` shows titles of
unlocked items and a count of the rest, realisers receive only unlocked content, and
``debrief`` (everything, for the report) refuses until the conversation has ended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from coach.coding import CodeResult, HistoryTurn, reply_text
from coach.roleplay._cards import MOOD_LABELS, STAGES, HiddenItem, PersonaCard
from coach.roleplay._guard import LeakGuard, looks_like_injection
from coach.roleplay._lines import CardIndex, Embeds, card_index
from coach.roleplay._realisers import Realiser, RealiseRequest, ScriptedRealiser
from coach.roleplay._rules import asks_for_plan, assess, mood_for, stage_for
from coach.roleplay._state import ConversationEnded, PersonaState, TurnOutcome

__all__ = ["Decision", "RoleplayEngine", "decide"]

# A reply this close (cosine) to one the trainee already gave counts as a repeat.
REPEAT_SIMILARITY = 0.95
# Embedding similarity between a reply and an item's topic that counts as "on the topic".
TOPIC_SIMILARITY = 0.45
# A turn that costs more than this is too bruising for anything new to be shared.
DISCLOSURE_FLOOR = -0.05
# Replies that invite the person to say more, and how sure the coder must be of one
# before the person volunteers something they were not asked about.
INVITING = frozenset(
    {"open_question", "reflection_simple", "reflection_complex", "summary", "affirmation"}
)
VOLUNTEER_CONFIDENCE = 0.5
# The person ends the visit after the card's ``patience`` costly replies in a row once
# receptivity is at the card's floor, or after PUSHED_FURTHER more while shut down.
PUSHED_FURTHER = 3


class Coder(Protocol):
    def code(
        self, reply: str, context: str | None = None, history: Sequence[HistoryTurn] = ()
    ) -> CodeResult: ...


@dataclass(frozen=True)
class Decision:
    act: str
    item: str | None = None  # for disclose
    first_time: bool = False  # a newly unlocked item


def _topic_hits(index: CardIndex, text: str, vector: np.ndarray) -> dict[str, float]:
    """How strongly the reply touches each item's topic: embedding similarity, lifted by
    one when a topic word is used, so a named topic always counts and, between two named
    topics ("Peter" and "had words"), meaning decides."""
    sims = index.topic_similarity(vector)
    return {
        item_id: sim + 1.0 if index.keyword_topic(item_id, text) else sim
        for item_id, sim in sims.items()
    }


def decide(
    card: PersonaCard,
    state: PersonaState,
    *,
    coded: CodeResult,
    text: str,
    receptivity: float,
    total: float,
    hostile: bool,
    injection: bool,
    negative_run: int,
    topics: dict[str, float],
    has_unused: dict[str, bool],
) -> Decision:
    """What the person does next. ``receptivity`` is the value after this turn's changes."""
    mood = mood_for(receptivity)
    if injection:
        return Decision("off_topic")
    if total < 0 and (
        (receptivity <= card.hidden.end_below and negative_run >= card.hidden.patience)
        or (negative_run >= card.hidden.patience + PUSHED_FURTHER and receptivity < 0.2)
    ):
        return Decision("end")
    if hostile or total <= -0.06:
        return Decision("defend" if mood in ("shut_down", "guarded") else "deflect")

    if total > DISCLOSURE_FLOOR:
        # In order: something new on the topic raised; more about something already
        # shared; a plan, when asked for; last, something new the person volunteers.
        on_topic, volunteered = [], []
        for order, item in enumerate(card.hidden.items):
            if item.id in state.unlocked or receptivity < item.unlock.min_receptivity:
                continue
            if not set(item.unlock.requires) <= set(state.unlocked):
                continue
            if topics.get(item.id, 0.0) >= TOPIC_SIMILARITY:
                on_topic.append((-topics[item.id], order, item.id))
            elif item.unlock.volunteer_at is not None and receptivity >= item.unlock.volunteer_at:
                volunteered.append((order, item.id))
        plan_ready = (
            len(state.unlocked) >= 3
            and STAGES.index(state.stage) >= STAGES.index("contemplation")
            and receptivity >= 0.6
        )
        if plan_ready and asks_for_plan(text):
            # A summary that asks "what next?" touches every topic; the person answers
            # the question rather than opening a new one.
            return Decision("agree_plan")
        if on_topic:
            return Decision("disclose", min(on_topic)[2], first_time=True)

        if mood in ("warming", "open"):
            talked_about = [
                (-topics[i], i) for i in state.unlocked
                if topics.get(i, 0.0) >= TOPIC_SIMILARITY and has_unused.get(i)
            ]
            if talked_about:
                return Decision("disclose", min(talked_about)[1])

        if plan_ready and coded.code == "summary":
            return Decision("agree_plan")

        # Volunteering is the person opening up unasked, so it needs a clear invitation:
        # a listening move the coder is reasonably sure of, not anything that merely
        # scored well (a muddled or machine-directed reply must not coax secrets out).
        if volunteered and coded.code in INVITING and coded.confidence >= VOLUNTEER_CONFIDENCE:
            return Decision("disclose", min(volunteered)[1], first_time=True)

    if mood == "shut_down":
        return Decision("short_answer" if coded.code == "closed_question" else "deflect")
    if mood == "guarded":
        if coded.code == "closed_question":
            return Decision("short_answer")
        if coded.stance == "paperwork" or total < 0:
            return Decision("deflect")
        return Decision("answer")
    if coded.code == "closed_question" and mood == "warming":
        return Decision("short_answer")
    return Decision("answer")


class RoleplayEngine:
    """One person's behaviour. Stateless itself: all session state is in ``PersonaState``."""

    def __init__(
        self,
        card: PersonaCard,
        coder: Coder,
        realiser: Realiser | None = None,
        *,
        embedder: Embeds | None = None,
        injection_check: Callable[[str], bool] = looks_like_injection,
    ) -> None:
        if embedder is None:
            from coach.embedding import get_embedder

            embedder = get_embedder()
        self.card = card
        self.coder = coder
        self.realiser: Realiser = realiser or ScriptedRealiser()
        self.embedder = embedder
        self.index = card_index(card, embedder)
        self.guard = LeakGuard(self.index)
        # Swappable so an evaluation can measure what holds when detection misses.
        self.injection_check = injection_check
        self._vectors: dict[str, np.ndarray] = {}

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Embeddings of trainee replies, remembered: each turn compares with all before."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            if len(self._vectors) > 2048:
                self._vectors.clear()
            for t, v in zip(missing, self.embedder.embed(missing), strict=True):
                self._vectors[t] = v
        return np.vstack([self._vectors[t] for t in texts])

    # --- session -----------------------------------------------------------------------

    def start(self, seed: int = 0) -> PersonaState:
        r = self.card.hidden.starting_receptivity
        return PersonaState(
            persona=self.card.id, receptivity=r, start_receptivity=r,
            stage=self.card.hidden.stage_of_change, seed=seed,
        )

    def opening(self, state: PersonaState) -> str:
        """The person's first words; the same on every call for a session."""
        self._check_state(state)
        if state.opening_key is None:
            key = self.index.choose_opening(state.seed)
            state.opening_key = key
            state.used_lines.append(key)
            state.history.append(["person", self.index.text(key)])
        return self.index.text(state.opening_key)

    def title(self, item_id: str, state: PersonaState) -> str:
        """The display title of an unlocked item (refused for a locked one)."""
        if item_id not in state.unlocked:
            raise KeyError(f"{item_id!r} is not unlocked")
        return self.card.item(item_id).title

    def finish(self, state: PersonaState, reason: str = "the trainee ended the session") -> None:
        if not state.ended:
            state.ended = True
            state.end_reason = reason

    def _check_state(self, state: PersonaState) -> None:
        if state.persona != self.card.id:
            raise ValueError(f"this state belongs to {state.persona!r}, not {self.card.id!r}")

    def respond(self, state: PersonaState, learner_text: str) -> TurnOutcome:
        """Code the trainee's reply, update ``state`` in place and answer as the person."""
        self._check_state(state)
        if state.ended:
            raise ConversationEnded(
                f"the conversation with {self.card.brief.name} has ended ({state.end_reason}); "
                "start a new session to practise again"
            )
        text = reply_text(learner_text)
        # A trainee may speak first; the person's opening is still part of the record.
        opening_key = state.opening_key or self.index.choose_opening(state.seed)
        past = state.history or [["person", self.index.text(opening_key)]]

        history = [HistoryTurn(speaker, t) for speaker, t in past]  # type: ignore[arg-type]
        context = next((t for s, t in reversed(past) if s == "person"), None)
        coded = self.coder.code(text, context=context, history=history)

        previous = [t for s, t in past if s == "worker"]
        vectors = self._embed([*previous, text])
        vector = vectors[-1]
        repeated = bool(previous) and float(np.max(vectors[:-1] @ vector)) >= REPEAT_SIMILARITY
        injection = self.injection_check(text)
        assessment = assess(
            self.card, coded, text,
            closed_run=state.closed_run, repeated=repeated, injection=injection,
        )
        total = assessment.total
        receptivity = round(min(1.0, max(0.0, state.receptivity + total)), 4)
        negative_run = state.negative_run + 1 if total < 0 else 0
        topics = {} if injection else _topic_hits(self.index, text, vector)
        used = set(state.used_lines)
        has_unused = {
            item_id: any(k not in used for k in self.index.item_keys(item_id))
            for item_id in state.unlocked
        }
        decision = decide(
            self.card, state, coded=coded, text=text, receptivity=receptivity, total=total,
            hostile=assessment.hostile, injection=injection, negative_run=negative_run,
            topics=topics, has_unused=has_unused,
        )

        unlocked = dict(state.unlocked)
        newly: tuple[str, ...] = ()
        if decision.act == "disclose" and decision.first_time and decision.item:
            unlocked[decision.item] = state.turn + 1
            newly = (decision.item,)
        mood = mood_for(receptivity)
        used_lines = state.used_lines if state.opening_key else [*state.used_lines, opening_key]
        key, act = self._choose_line(decision, mood, unlocked, used_lines, vector)

        item = self.card.item(decision.item) if act == "disclose" and decision.item else None
        request = RealiseRequest(
            card=self.card, act=act, mood=mood, line=self.index.text(key), learner=text,
            history=tuple((s, t) for s, t in past),
            item=item, first_disclosure=bool(newly),
            shared=tuple(self.card.item(i) for i in unlocked),
            locked=tuple(i for i in self.index.item_ids if i not in unlocked),
            guard=self.guard,
        )
        realisation = self.realiser.realise(request)

        ended = decision.act == "end"
        plan_agreed = state.plan_agreed or act == "agree_plan"
        # Everything succeeded: now, and only now, the state moves.
        state.opening_key = opening_key
        state.turn += 1
        state.receptivity = receptivity
        state.unlocked = unlocked
        state.used_lines = [*used_lines, key]
        state.history = [*past, ["worker", text], ["person", realisation.text]]
        state.closed_run = assessment.closed_run
        state.negative_run = negative_run
        state.plan_agreed = plan_agreed
        state.stage = stage_for(state.stage, receptivity, len(unlocked), plan_agreed)  # type: ignore[arg-type]
        if ended:
            state.ended = True
            state.end_reason = f"{self.card.brief.name} ended the conversation"
        return TurnOutcome(
            turn=state.turn, learner=text, coded=coded, reply=realisation.text, act=act,
            receptivity=receptivity, mood=MOOD_LABELS[mood], changes=assessment.changes,
            unlocked=newly, ended=ended, realiser=realisation.realiser,
            fallback_reason=realisation.fallback_reason,
        )

    def _choose_line(
        self,
        decision: Decision,
        mood: str,
        unlocked: dict[str, int],
        used_lines: list[str],
        vector: np.ndarray,
    ) -> tuple[str, str]:
        """The authored line for the decision, and the act it really carries out."""
        used = set(used_lines)
        if decision.act == "disclose" and decision.item:
            key = self.index.choose_item_line(
                decision.item, first_time=decision.first_time, used=used, vector=vector
            )
            if key:
                return key, "disclose"
        key = self.index.choose_from_bank(
            decision.act, mood, unlocked=unlocked, used=used, vector=vector
        )
        if key is None:
            key = self.index.least_recent(used_lines, unlocked)
        return key, self.index.by_key[key].act

    # --- what others may see -------------------------------------------------------------

    def public_view(self, state: PersonaState) -> dict[str, Any]:
        """Only what the trainee may see: no locked item, not even its name."""
        self._check_state(state)
        return {
            "persona": self.card.id,
            "name": self.card.brief.name,
            "turn": state.turn,
            "receptivity": state.receptivity,
            "mood": MOOD_LABELS[state.mood],
            "unlocked": [
                {"id": i, "title": self.card.item(i).title, "turn": t}
                for i, t in state.unlocked.items()
            ],
            "still_hidden": len(self.card.hidden.items) - len(state.unlocked),
            "ended": state.ended,
        }

    def debrief(self, state: PersonaState) -> dict[str, Any]:
        """Everything, for the report and the supervisor, once the conversation is over."""
        self._check_state(state)
        if not state.ended:
            raise RuntimeError("the debrief reveals hidden material: finish the session first")

        def item_row(item: HiddenItem) -> dict[str, Any]:
            return {
                "id": item.id, "kind": item.kind, "title": item.title, "statement": item.statement,
                "unlocked": item.id in state.unlocked, "unlocked_at": state.unlocked.get(item.id),
            }

        return {
            "persona": self.card.id,
            "name": self.card.brief.name,
            "turns": state.turn,
            "start_receptivity": state.start_receptivity,
            "end_receptivity": state.receptivity,
            "mood": MOOD_LABELS[state.mood],
            "stage_start": self.card.hidden.stage_of_change,
            "stage_end": state.stage,
            "plan_agreed": state.plan_agreed,
            "end_reason": state.end_reason,
            "items": [item_row(item) for item in self.card.hidden.items],
            "facilitator_notes": list(self.card.facilitator_notes),
        }
