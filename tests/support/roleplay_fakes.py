"""Test doubles for role-play tests: a coder whose answers the test decides.

The engine's input is a ``CodeResult``; these tests are about how the person reacts to a
given code, so the coder is scripted rather than trained. ``RuleCoder`` codes by a few
obvious surface patterns (enough to drive whole conversations); ``ScriptCoder`` returns
exactly the results a test lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from coach.coding._vocabulary import CodeResult, HistoryTurn, SentenceCode, reply_text


def result(code: str, stance: str = "neutral", text: str = "x") -> CodeResult:
    return CodeResult(code=code, stance=stance, sentences=(SentenceCode(text, code),))  # type: ignore[arg-type]


_RULES: list[tuple[str, str]] = [
    (r"\b(it sounds like|sounds like|you feel|you're feeling|you were|it seems|you've been)\b", "reflection_complex"),
    (r"^so\b.*\band\b", "summary"),
    (r"\b(well done|you've managed|you've kept|that took|great that|you clearly)\b", "affirmation"),
    (r"\b(you need to|you should|you'll have to|you must|why don't you)\b", "advice"),
    (r"\b(why did you let|that's not acceptable|you can't|you let)\b", "confront"),
    (r"^(what|how|tell me|could you tell|can you tell|in what way)\b", "open_question"),
    (r"^(do|did|is|are|have|has|can|will|would|was|were)\b.*\?$", "closed_question"),
]
_PAPERWORK = re.compile(r"\b(report|contract|sign|comply|monitor|police|procedure|form|assessment|care home)\b", re.I)
_OUTCOMES = re.compile(r"\b(you|your)\b.*\b(feel|hope|matter|want|like|view|think)\w*", re.I)


class RuleCoder:
    """Codes by surface patterns; stance from procedure words versus the person's view."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None, int]] = []

    def code(self, reply: str, context: str | None = None, history: Sequence[HistoryTurn] = ()) -> CodeResult:
        reply_text(reply)  # the real coder's check
        self.calls.append((reply, context, len(history)))
        low = reply.strip().lower()
        code = "other"
        for pattern, name in _RULES:
            if re.search(pattern, low):
                code = name
                break
        else:
            if low.endswith("?"):
                code = "open_question"
            elif low:
                code = "information"
        stance = "paperwork" if _PAPERWORK.search(low) else "outcomes" if _OUTCOMES.search(low) else "neutral"
        return result(code, stance, reply)


class ScriptCoder:
    """Returns the given results in order, whatever the reply says."""

    def __init__(self, results: Iterable[CodeResult]) -> None:
        self.results = list(results)

    def code(self, reply: str, context: str | None = None, history: Sequence[HistoryTurn] = ()) -> CodeResult:
        reply_text(reply)  # the real coder's check
        return self.results.pop(0)
