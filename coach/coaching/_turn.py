"""Per-turn feedback: about *this* reply — what in it the coder picked up, and what the
person did with it — not only the sentence the rubric keeps for its code.

    turn_feedback(coded)                                   # the code and stance alone
    turn_feedback(coded, text="Why did you refuse?", reaction=Reaction("Mr Britton", "defend", -0.08))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from coach.coaching._quote import CleanCiter
from coach.coaching._rubric import Rubric, load_rubric
from coach.coding import CODE_LABELS, STANCE_LABELS, CodeResult
from coach.retrieval import Search

__all__ = ["Reaction", "turn_feedback"]

# "Why did you …?" asks for a justification: people hear blame in it, whatever its code.
_WHY = re.compile(r"^\s*(?:so,?\s*)?why\b(?!\s+not\b)", re.IGNORECASE)
# The coder's generic cues, which say no more than the code's label does.
_GENERIC = ("follows the person's lead", "led by the worker's agenda rather than the person's")

# What the person did, by act, in words a trainee reads ("{name} …").
_DID = {
    "defend": "{name} became defensive",
    "deflect": "{name} side-stepped it",
    "short_answer": "{name} answered in a few words",
    "answer": "{name} answered and kept talking",
    "disclose": "{name} told you more",
    "agree_plan": "{name} agreed a first step with you",
    "end": "{name} ended the visit",
    "off_topic": "{name} could not follow what you meant",
}


@dataclass(frozen=True)
class Reaction:
    """What the person did with the reply: their act, the change in openness, and the
    titles of anything newly shared (already shown to the trainee)."""

    name: str
    act: str
    delta: float = 0.0
    shared: Sequence[str] = ()


def _cue_sentence(coded: CodeResult, text: str) -> str | None:
    if coded.is_question and _WHY.search(text):
        return "starting with “why” asks them to justify themselves, which tends to sound like blame"
    specific = [c for c in coded.cues if c not in _GENERIC and not c[0].isdigit()
                and not c.startswith("long reply")]
    return specific[0] if specific else None


def _reaction_sentence(reaction: Reaction) -> str:
    did = _DID.get(reaction.act, "{name} answered").format(name=reaction.name)
    if reaction.shared:
        did += f" — something new came out: {'; '.join(reaction.shared)}"
    if reaction.delta >= 0.005:
        did += f", and opened up a little (openness +{reaction.delta:.2f})"
    elif reaction.delta <= -0.005:
        did += f", and closed up (openness {reaction.delta:+.2f})"
    else:
        did += ", and their openness did not change"
    return did + "."


def turn_feedback(
    coded: CodeResult,
    search: Search | None = None,
    rubric: Rubric | None = None,
    *,
    text: str = "",
    reaction: Reaction | None = None,
) -> str:
    """A sentence or two on this reply: its code and stance, the cue in it (the coder's,
    or a "why" that sounds like blame), and what the person did with it; with ``search``
    a short quotation from the guidance."""
    rubric = rubric or load_rubric()
    about = rubric.turn_feedback.codes[coded.code]
    label = CODE_LABELS.get(coded.code, coded.code)
    stance = STANCE_LABELS.get(coded.stance, coded.stance)
    cue = _cue_sentence(coded, text) if text else None
    if cue and cue.lower().startswith(f"{label.lower()}: "):
        # "Open question: leaves room …" after the label "Open question" says it twice.
        cue = cue[len(label) + 2:]
    if coded.extra.get("uncodable") and coded.cues:
        # Not coded (another language, an instruction to the system): say why, and no
        # stock sentence about what a code this reply never got would do.
        why = coded.cues[0].rstrip(".")
        out = f"{why[0].upper()}{why[1:]}."
    elif cue is None:
        out = f"{label} ({stance.lower()}): {about.text} {rubric.turn_feedback.stances[coded.stance]}"
    else:
        blame = cue.startswith("starting with")
        # The code's stock sentence only when it does not contradict what this reply did.
        stock = "" if blame else f" {about.text[0].upper()}{about.text[1:]}"
        out = f"{label} ({stance.lower()}): {cue[0].upper()}{cue[1:].rstrip('.')}.{stock}"
    if reaction is not None:
        out += f" {_reaction_sentence(reaction)}"
    if search is not None:
        cited = CleanCiter(search).cite(about.query, about.keywords)
        if cited:
            out += f" Guidance: “{cited.snippet}” ({cited.title}; {cited.source})."
    return out
