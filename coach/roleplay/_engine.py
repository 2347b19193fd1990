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
from typing import Any, Protocol

import numpy as np

from coach.coding import CodeResult, HistoryTurn, reply_text
from coach.roleplay._cards import MOOD_LABELS, HiddenItem, PersonaCard, phrase_pattern
from coach.roleplay._guard import LeakGuard, looks_like_injection
from coach.roleplay._lines import Embeds, card_index
from coach.roleplay._policy import Decision, decide, topic_hits
from coach.roleplay._realisers import Realiser, RealiseRequest, ScriptedRealiser
from coach.roleplay._rules import assess, mood_for, stage_for
from coach.roleplay._state import ConversationEnded, PersonaState, TurnOutcome

__all__ = ["Decision", "RoleplayEngine", "decide"]

# A reply this close (cosine) to one the trainee already gave counts as a repeat.
REPEAT_SIMILARITY = 0.95
# How the recent conversation weighs against the trainee's own words when a line is
# matched to the moment (the words decide; the last thing the person said breaks ties).
RECENT_WEIGHT = 0.35
TIME_UP = "the visit ran out of time"
TRAINEE_ENDED = "the trainee ended the session"
# A first reply may answer the opener this much less well than the best bank line and
# still be chosen: it is written for openers, the bank is not.
FIRST_REPLY_SLACK = 0.0
# How much better a subject line from a neighbouring bank must fit than the decided
# bank's best before it is said instead.
SUBJECT_MARGIN = 0.08
SMALL_TALK = "small_talk"  # the card topic for greetings, tea and the weather


class Coder(Protocol):
    def code(
        self, reply: str, context: str | None = None, history: Sequence[HistoryTurn] = ()
    ) -> CodeResult: ...


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

    def start(self, seed: int = 0, recent_lines: Sequence[str] = ()) -> PersonaState:
        """A new session. ``recent_lines`` are the line keys the trainee heard in their
        recent sessions with this person: they are said again only when nothing else fits
        (the caller looks them up; the engine keeps no storage)."""
        r = self.card.hidden.starting_receptivity
        known = [k for k in dict.fromkeys(recent_lines) if k in self.index.by_key]
        return PersonaState(
            persona=self.card.id, receptivity=r, start_receptivity=r,
            stage=self.card.hidden.stage_of_change, seed=seed, avoid_lines=known,
        )

    def opening(self, state: PersonaState) -> str:
        """The person's first words; the same on every call for a session."""
        self._check_state(state)
        if state.opening_key is None:
            key = self.index.choose_opening(state.seed, state.avoid_lines)
            state.opening_key = key
            state.used_lines.append(key)
            state.history.append(["person", self.index.text(key)])
        return self.index.text(state.opening_key)

    def title(self, item_id: str, state: PersonaState) -> str:
        """The display title of an unlocked item (refused for a locked one)."""
        if item_id not in state.unlocked:
            raise KeyError(f"{item_id!r} is not unlocked")
        return self.card.item(item_id).title

    def finish(self, state: PersonaState, reason: str = TRAINEE_ENDED) -> None:
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
        opening_key = state.opening_key or self.index.choose_opening(state.seed, state.avoid_lines)
        past = state.history or [["person", self.index.text(opening_key)]]

        history = [HistoryTurn(speaker, t) for speaker, t in past]  # type: ignore[arg-type]  # stored as plain strings; written only as Speaker values
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
            receptivity=state.receptivity,
        )
        total = assessment.total
        good_turns = state.good_turns + (1 if total > 0 else 0)
        receptivity = round(min(1.0, max(0.0, state.receptivity + total)), 4)
        negative_run = state.negative_run + 1 if total < 0 else 0
        topics = {} if injection else topic_hits(self.index, text, vector)
        used = set(state.used_lines)
        has_unused = {
            item_id: any(k not in used for k in self.index.item_keys(item_id))
            for item_id in state.unlocked
        }
        decision = decide(
            self.card, state, coded=coded, text=text, receptivity=receptivity, total=total,
            hostile=assessment.hostile, injection=injection, negative_run=negative_run,
            topics=topics, has_unused=has_unused, good_turns=good_turns,
        )
        time_up = (
            decision.act != "end" and state.turn + 1 >= self.card.hidden.visit_turns
            and self.index.choose_time_up(state.seed) is not None
        )

        unlocked = dict(state.unlocked)
        newly: tuple[str, ...] = ()
        if decision.act == "disclose" and decision.first_time and decision.item:
            unlocked[decision.item] = state.turn + 1
            newly = (decision.item,)
        mood = mood_for(receptivity)
        used_lines = state.used_lines if state.opening_key else [*state.used_lines, opening_key]
        if time_up:
            key, act = self.index.choose_time_up(state.seed) or "", "end"
        else:
            # The words decide; the last thing the person said breaks ties between lines.
            recent = self._embed([context])[0] if context else None
            query = vector if recent is None else vector + RECENT_WEIGHT * recent
            query = query / max(float(np.linalg.norm(query)), 1e-9)
            key, act = self._choose_line(
                decision, mood, unlocked, used_lines, query, text=text, vector=vector,
                first=state.turn == 0 and not injection, seed=state.seed,
                avoid=state.avoid_lines,
            )

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

        ended = decision.act == "end" or time_up
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
        state.good_turns = good_turns
        state.stage = stage_for(state.stage, receptivity, len(unlocked), plan_agreed)  # type: ignore[arg-type]  # state.stage holds a Stage value as JSON text
        if ended:
            state.ended = True
            state.end_reason = TIME_UP if time_up else f"{self.card.brief.name} ended the conversation"
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
        query: np.ndarray,
        *,
        text: str = "",
        vector: np.ndarray | None = None,
        first: bool = False,
        seed: int = 0,
        avoid: Sequence[str] = (),
    ) -> tuple[str, str]:
        """The authored line for the decision, and the act it really carries out.

        A hidden item, a plan, an ending or an off-topic reply is what the state machine
        decided and is said as decided. Otherwise the person answers the question that
        was asked: a kind of question the card has answers for (date of birth, the police
        report, small talk …) gets one, in the person's mood; a first turn gets one of
        the card's first replies; anything else, the bank line closest to what was said.
        """
        used = set(used_lines)
        avoid_set = set(avoid)
        vector = query if vector is None else vector
        if decision.act == "disclose" and decision.item:
            key = self.index.choose_item_line(
                decision.item, first_time=decision.first_time, used=used, vector=query,
                avoid=avoid_set,
            )
            if key:
                return key, "disclose"
        answering = decision.act in ("answer", "short_answer", "deflect", "defend")
        if answering:
            topic = self.index.answer_topic(text, vector)
            if topic:
                key = self.index.choose_topic_line(
                    topic, mood, unlocked=unlocked, used=used_lines, vector=query, avoid=avoid_set
                )
                if key and first and topic == SMALL_TALK:
                    # A greeting may get a first reply instead, when one fits it better.
                    greeting = self.index.choose_first_reply(
                        mood, seed=seed, unlocked=unlocked, vector=query, avoid=avoid_set | used,
                        to_beat=self.index.score(key, mood, query),
                    )
                    key = greeting or key
                if key:
                    # The words answer the question; the act is still what the person
                    # decided to do (a curt answer from someone defending themselves).
                    return key, decision.act
        key = self.index.choose_from_bank(
            decision.act, mood, unlocked=unlocked, used=used, vector=query, avoid=avoid_set
        )
        if answering:
            best = key and self.index.score(key, mood, query)
            # A line written about what was asked, from a neighbouring bank, beats a
            # general one in the right temper ("Who comes in?" → the carers, twice a day).
            subject = self.index.best_subject_line(
                mood, unlocked=unlocked, used=used, vector=query, avoid=avoid_set,
                act=decision.act,
            )
            if subject and (key is None or subject[1] > (best or 0.0) + SUBJECT_MARGIN):
                key, best = subject
            if first and decision.act != "defend":
                # A first reply when it answers the opener at least as well.
                first_key = self.index.choose_first_reply(
                    mood, seed=seed, unlocked=unlocked, vector=query, avoid=avoid_set | used,
                    to_beat=(best or 0.0) - FIRST_REPLY_SLACK if key else -1.0,
                )
                if first_key:
                    return first_key, decision.act
            if key:
                return key, decision.act
        if key is None:
            key = self.index.least_recent(used_lines, unlocked)
        return key, self.index.by_key[key].act

    def _ended_by(self, state: PersonaState) -> str | None:
        """Who ended the conversation: "person", "trainee" or "time" (None if running)."""
        if not state.ended:
            return None
        if state.end_reason == TIME_UP:
            return "time"
        if state.end_reason == f"{self.card.brief.name} ended the conversation":
            return "person"
        return "trainee"

    def concerns_raised(self, text: str) -> list[str]:
        """The card's safeguarding concerns a trainee turn raises, by their phrases."""
        found = []
        for concern in self.card.safeguarding:
            pattern = phrase_pattern(concern.phrases)
            if pattern and pattern.search(text):
                found.append(concern.id)
        return found

    def raises_too_soon(self, text: str) -> bool:
        """Whether a trainee turn raises what the brief's goal says must wait."""
        guard = self.card.goal.not_first if self.card.goal else None
        pattern = phrase_pattern(guard.phrases) if guard else None
        return bool(pattern and pattern.search(text))

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
            "ended_by": self._ended_by(state),
            "items": [item_row(item) for item in self.card.hidden.items],
            "safeguarding": [{"id": c.id, "title": c.title} for c in self.card.safeguarding],
            "goal": self.card.goal.model_dump() if self.card.goal else None,
            "facilitator_notes": list(self.card.facilitator_notes),
        }
