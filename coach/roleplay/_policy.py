"""The person's policy: what they do next (deflect, defend, answer, disclose, agree a
plan, end), decided from the coded reply, their state and the topics it touches.
Deterministic and free of any I/O, so it is tested on its own."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coach.coding import CodeResult
from coach.roleplay._cards import STAGES, PersonaCard
from coach.roleplay._lines import CardIndex
from coach.roleplay._rules import asks_for_plan, mood_for
from coach.roleplay._state import PersonaState

__all__ = ["Decision", "decide", "topic_hits"]

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
# Volunteering takes up what the trainee said: after a reply with some content (at least
# MINIMAL_WORDS words) the item offered must be at least this close (cosine) to it, or
# the person answers what was said instead. After a minimal encourager ("Mm, go on.")
# the person chooses what to bring up.
VOLUNTEER_FIT = 0.25
MINIMAL_WORDS = 4
# The person ends the visit after the card's ``patience`` costly replies in a row once
# receptivity is at the card's floor, or after PUSHED_FURTHER more while shut down.
PUSHED_FURTHER = 3


@dataclass(frozen=True)
class Decision:
    act: str
    item: str | None = None  # for disclose
    first_time: bool = False  # a newly unlocked item


def topic_hits(index: CardIndex, text: str, vector: np.ndarray) -> dict[str, float]:
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
    good_turns: int = 0,
) -> Decision:
    """What the person does next. ``receptivity`` is the value after this turn's changes;
    ``good_turns`` counts the replies that helped, this one included."""
    mood = mood_for(receptivity)
    if injection:
        return Decision("off_topic")
    needs_fit = len(text.split()) >= MINIMAL_WORDS
    if total < 0 and (
        (receptivity <= card.hidden.end_below and negative_run >= card.hidden.patience)
        or (negative_run >= card.hidden.patience + PUSHED_FURTHER and receptivity < 0.2)
    ):
        return Decision("end")
    if hostile or total <= -0.06:
        return Decision("defend" if mood in ("shut_down", "guarded") else "deflect")

    # Something new is shared only with someone listening to the person: a paperwork- or
    # risk-led reply (filling in a form, checking the risks) gets the question it asked
    # answered, however open the person has become, and is never credited with an item.
    may_share = coded.stance != "paperwork"
    if total > DISCLOSURE_FLOOR:
        # In order: something new on the topic raised; more about something already
        # shared; a plan, when asked for; last, something new the person volunteers.
        on_topic, volunteered = [], []
        for order, item in enumerate(card.hidden.items):
            if not may_share or item.id in state.unlocked:
                continue
            if receptivity < item.unlock.min_receptivity:
                continue
            if not set(item.unlock.requires) <= set(state.unlocked):
                continue
            if good_turns < item.unlock.after_good_turns:
                continue  # kept back for sustained good practice
            if topics.get(item.id, 0.0) >= TOPIC_SIMILARITY:
                on_topic.append((-topics[item.id], order, item.id))
            elif (item.unlock.volunteer_at is not None and receptivity >= item.unlock.volunteer_at
                  and (not needs_fit or topics.get(item.id, 0.0) >= VOLUNTEER_FIT)):
                fit = topics.get(item.id, 0.0) if needs_fit else 0.0
                volunteered.append((-fit, order, item.id))
        plan_ready = (
            len(state.unlocked) >= 3
            and STAGES.index(state.stage) >= STAGES.index("contemplation")
            and receptivity >= 0.6
            and good_turns >= card.hidden.plan_after_good_turns
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
            return Decision("disclose", min(volunteered)[2], first_time=True)

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
