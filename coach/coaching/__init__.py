"""Coaching: the rubric (thresholds, rules, hint and feedback wording, as validated data),
hints that suggest a next move with cited guidance and an exemplar reply, and per-turn
feedback.
"""

from __future__ import annotations

from coach.coaching._ask import GuidanceAnswer, ask_guidance
from coach.coaching._feedback import ExemplarIndex, Hint, HintMemo, Secrets, hint_for
from coach.coaching._quote import (
    CleanCiter,
    answer_units,
    clean_sentences,
    depends_on_context,
    is_clean_sentence,
    mentions_media,
    source_label,
)
from coach.coaching._rubric import Condition, CountBand, Rubric, RubricError, Rule, load_rubric
from coach.coaching._turn import Reaction, turn_feedback

__all__ = [
    "GuidanceAnswer",
    "ask_guidance",
    "CleanCiter",
    "answer_units",
    "depends_on_context",
    "mentions_media",
    "clean_sentences",
    "is_clean_sentence",
    "source_label",
    "Condition",
    "CountBand",
    "ExemplarIndex",
    "Hint",
    "HintMemo",
    "Reaction",
    "Secrets",
    "Rubric",
    "RubricError",
    "Rule",
    "hint_for",
    "load_rubric",
    "turn_feedback",
]
