"""Coaching: the rubric (thresholds, rules, hint and feedback wording, as validated data),
hints that suggest a next move with cited guidance and an exemplar reply, and per-turn
feedback.
"""

from __future__ import annotations

from coach.coaching._feedback import ExemplarIndex, hint_for, turn_feedback
from coach.coaching._rubric import Condition, CountBand, Rubric, RubricError, Rule, load_rubric

__all__ = [
    "Condition",
    "CountBand",
    "ExemplarIndex",
    "Rubric",
    "RubricError",
    "Rule",
    "hint_for",
    "load_rubric",
    "turn_feedback",
]
