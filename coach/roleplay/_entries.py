"""One authored line of a persona card as the engine indexes it, and the two ways lines are
weighed besides meaning: the mood they were written for and the topic words they answer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from coach.roleplay._cards import MOODS


@dataclass(frozen=True)
class LineEntry:
    key: str
    act: str
    mood: str  # a MoodKey, or "any"
    text: str
    needs: tuple[str, ...] = ()
    about: str | None = None
    # Which bank the line is from ("answer", "first_reply", "topic", "item" …): a line is
    # chosen from its own bank only, whatever act it carries out.
    bank: str = ""
    topic: str | None = None  # for lines answering a kind of question


# How much a line written for another mood is discounted against one for the current
# mood, per step: a line that answers the trainee's point in a slightly different temper
# beats one in the right temper about something else. Warmer than the person feels is
# discounted more than cooler: opening up too soon is the worse mistake.
WARMER_PENALTY = 0.15
COOLER_PENALTY = 0.08


def mood_penalty(mood: str, line_mood: str) -> float:
    if line_mood == "any":
        return 0.05
    steps = MOODS.index(line_mood) - MOODS.index(mood)
    return steps * WARMER_PENALTY if steps > 0 else -steps * COOLER_PENALTY


def prefix_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    """Topic words match as word prefixes ('argu' finds 'argument', 'arguing')."""
    parts = sorted((re.escape(p.lower().strip()) for p in phrases if p.strip()), key=len, reverse=True)
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")", re.IGNORECASE)
