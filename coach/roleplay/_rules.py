"""How the person's receptivity moves with each trainee reply: deterministic, named rules.

The input is the coder's ``CodeResult`` for the reply plus the reply's words; the output
is a list of ``Change(reason, delta)`` the UI can show ("Complex reflection — Debs feels
understood +0.08"). OARS skills and an outcomes-focused stance raise receptivity;
confronting, unsolicited advice, runs of closed questions, jargon, procedure and the
card's own triggers lower it. Mood and stage of change follow from the numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from coach.coding import CodeResult
from coach.roleplay._cards import STAGES, Mood, PersonaCard, Stage, phrase_pattern

MAX_LOSS = 0.12  # the most receptivity one reply can cost
# Headroom: above this receptivity a good reply gains less and less (the last steps of
# trust take sustained good practice), and a poor one costs more the more trust there
# was to lose, so the person keeps responding to the end of a long conversation.
HEADROOM_FROM = 0.5
MIN_GAIN_SCALE = 0.15


class Change(NamedTuple):
    reason: str
    delta: float


# Words from forms and procedures that mean nothing to the person on the other side.
JARGON = (
    "contract of expectations", "safeguarding", "section 47", "section 17", "child protection",
    "case conference", "core group", "strategy meeting", "threshold", "eligibility",
    "eligible", "care package", "package of care", "service user", "risk assessment",
    "assessment", "compliance", "non-compliance", "referral", "multi-agency", "protocol",
    "statutory", "care plan", "capacity assessment", "best interests", "signpost",
    "signposting", "outcome measure", "domiciliary", "reablement", "provision",
    "escalate", "allocation", "panel", "stoma output", "appliance", "peristomal",
)
_JARGON_RE = phrase_pattern(JARGON)

# Questions that invite a plan: what the person wants to happen next.
_PLAN_RE = re.compile(
    r"\b(what (would|could|might|will) help|next step|first step|a plan\b|the plan\b|"
    r"what needs to happen|where (do|shall|should) we go|what would you like to happen|"
    r"how (can|could|might|shall) (we|i) help|what (shall|should|could|can) we (do|try)|"
    r"what would (make|be) (a|the) (difference|first)|what do you want to (do|happen|try)|"
    r"what would you (like|want) to (try|do|happen)|shall we|could we (try|start)|"
    r"what could we|would it help|how would you like (us|me) to|what might help)",
    re.IGNORECASE,
)

MOOD_BANDS: tuple[tuple[float, Mood], ...] = (
    (0.20, "shut_down"),
    (0.45, "guarded"),
    (0.68, "warming"),
)


def mood_for(receptivity: float) -> Mood:
    for upper, mood in MOOD_BANDS:
        if receptivity < upper:
            return mood
    return "open"


def stage_for(previous: Stage, receptivity: float, n_unlocked: int, plan_agreed: bool) -> Stage:
    """Stage of change only moves forward in a session: once heard, a thing stays said."""
    candidate: Stage = "precontemplation"
    if receptivity >= 0.45 and n_unlocked >= 1:
        candidate = "contemplation"
    if receptivity >= 0.6 and n_unlocked >= 3:
        candidate = "preparation"
    if plan_agreed:
        candidate = "action"
    return STAGES[max(STAGES.index(previous), STAGES.index(candidate))]


def asks_for_plan(text: str) -> bool:
    return bool(_PLAN_RE.search(text))


@dataclass(frozen=True)
class Assessment:
    changes: tuple[Change, ...]
    hostile: bool  # confronting, or a trigger hit: the person defends
    closed_run: int  # consecutive closed questions including this reply

    @property
    def total(self) -> float:
        return round(sum(c.delta for c in self.changes), 4)


def assess(
    card: PersonaCard,
    coded: CodeResult,
    text: str,
    *,
    closed_run: int,
    repeated: bool = False,
    injection: bool = False,
    receptivity: float | None = None,
) -> Assessment:
    """The named receptivity changes for one trainee reply; with ``receptivity`` (the
    value before it) gains and losses are scaled for headroom."""
    name = card.brief.name
    if injection:
        change = Change(f"Spoke about the exercise, not to {name} — {name} is lost", -0.03)
        return Assessment((change,), hostile=False, closed_run=0)

    changes: list[Change] = []
    code, stance = coded.code, coded.stance
    run = closed_run + 1 if code == "closed_question" else 0
    if code == "reflection_complex":
        changes.append(Change(f"Complex reflection — {name} feels understood", 0.08))
    elif code == "reflection_simple":
        changes.append(Change(f"Reflection — {name} feels heard", 0.05))
    elif code == "summary":
        changes.append(Change(f"Summary — pulls together what {name} said", 0.08))
    elif code == "affirmation":
        changes.append(Change(f"Affirmation — noticed {name}'s strengths or efforts", 0.06))
    elif code == "open_question":
        if stance == "paperwork":
            changes.append(Change("Open question, but about the procedure", -0.02))
        else:
            changes.append(Change(f"Open question about {name}'s own view", 0.04))
    elif code == "closed_question" and run >= 3:
        changes.append(Change("Another closed question — it feels like an interrogation", -0.04))
    elif code == "closed_question" and run == 2:
        changes.append(Change("Closed questions stacking up", -0.02))
    elif code == "advice":
        changes.append(Change("Unsolicited advice", -0.05))
    elif code == "confront":
        changes.append(Change(f"Confronting — {name} feels blamed", -0.08))
    elif code == "information" and stance == "paperwork":
        changes.append(Change("Procedure-led information", -0.03))

    if stance == "outcomes":
        changes.append(Change("Outcomes-focused stance", 0.02))
    elif stance == "paperwork":
        changes.append(Change("Paperwork / risk-led stance", -0.03))

    jargon = _JARGON_RE.search(text) if _JARGON_RE else None
    if jargon:
        changes.append(Change(f"Jargon: '{jargon.group(0).lower()}'", -0.03))

    triggered = False
    for trigger in card.hidden.triggers:
        pattern = phrase_pattern(trigger.phrases)
        if pattern and pattern.search(text):
            changes.append(Change(trigger.reason, trigger.delta))
            triggered = True

    if repeated:
        # Saying the same thing again earns nothing new, however skilled it was.
        changes = [c for c in changes if c.delta < 0]
        changes.append(Change("Said much the same thing again", -0.02))

    if receptivity is not None:
        changes = _headroom(changes, receptivity)
    changes = _cap_losses(changes)
    hostile = code == "confront" or triggered
    return Assessment(tuple(changes), hostile=hostile, closed_run=run)


def _headroom(changes: list[Change], receptivity: float) -> list[Change]:
    gain = 1.0
    if receptivity > HEADROOM_FROM:
        gain = max(MIN_GAIN_SCALE, (1.0 - receptivity) / (1.0 - HEADROOM_FROM))
    loss = 1.0 + max(0.0, receptivity - HEADROOM_FROM)
    return [
        Change(c.reason, round(c.delta * (gain if c.delta > 0 else loss), 3)) for c in changes
    ]


def _cap_losses(changes: list[Change]) -> list[Change]:
    """One reply can cost at most ``MAX_LOSS``: each loss is scaled down in proportion,
    so the reasons shown still add up to the change. Several mistakes in one breath hurt
    more than one, but a single reply should not end a conversation on its own."""
    lost = -sum(c.delta for c in changes if c.delta < 0)
    if lost <= MAX_LOSS:
        return changes
    scale = MAX_LOSS / lost
    return [Change(c.reason, round(c.delta * scale, 3)) if c.delta < 0 else c for c in changes]
