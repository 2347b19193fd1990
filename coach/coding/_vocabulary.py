"""The coding vocabulary and result types shared by the coder and everything that reads it.

Kept apart from ``coding.py`` so that role-play, feedback and reports can depend on the
shape of a coded reply without loading the coder itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from coach.strict import Strict
from coach.text import clean_text, is_blank

Code = Literal[
    "open_question",
    "closed_question",
    "affirmation",
    "reflection_simple",
    "reflection_complex",
    "summary",
    "information",
    "advice",
    "confront",
    "other",
]
Stance = Literal["outcomes", "neutral", "paperwork"]
Speaker = Literal["person", "worker"]

CODES: tuple[Code, ...] = (
    "open_question",
    "closed_question",
    "affirmation",
    "reflection_simple",
    "reflection_complex",
    "summary",
    "information",
    "advice",
    "confront",
    "other",
)
STANCES: tuple[Stance, ...] = ("outcomes", "neutral", "paperwork")

CODE_LABELS: dict[str, str] = {
    "open_question": "Open question",
    "closed_question": "Closed question",
    "affirmation": "Affirmation",
    "reflection_simple": "Simple reflection",
    "reflection_complex": "Complex reflection",
    "summary": "Summary",
    "information": "Information",
    "advice": "Advice",
    "confront": "Confronting",
    "other": "Other",
}
STANCE_LABELS: dict[str, str] = {
    "outcomes": "Outcomes-focused",
    "neutral": "Neutral",
    "paperwork": "Paperwork / risk-led",
}
REFLECTIONS = frozenset({"reflection_simple", "reflection_complex", "summary"})
QUESTIONS = frozenset({"open_question", "closed_question"})


class InvalidReply(ValueError):
    """A reply that cannot be coded (nothing visible in it); the message says why."""


def reply_text(reply: object) -> str:
    """The reply as kept (see ``coach.text.clean_text``): the one check, wherever a reply comes in,
    that there is something to code. ``InvalidReply`` says what is wrong."""
    if not isinstance(reply, str):
        raise InvalidReply(f"a reply must be text, not {type(reply).__name__}")
    text = clean_text(reply)
    if is_blank(text):
        raise InvalidReply("the reply is empty: type what you would say to the person")
    return text


@dataclass(frozen=True)
class HistoryTurn:
    speaker: Speaker
    text: str


@dataclass(frozen=True)
class SentenceCode:
    text: str
    code: Code


class CodeResult(Strict):
    """How one worker reply was coded.

    ``code`` is the primary code of the whole reply; ``sentences`` has one entry per
    sentence (a single entry for a one-sentence reply); ``cues`` are short human-readable
    reasons for the code and the stance; ``confidence`` is the coder's probability for
    ``code`` (0–1). ``extra`` carries the coder's workings for the caller in this process:
    it is neither stored nor compared.
    """

    code: Code
    stance: Stance
    sentences: tuple[SentenceCode, ...]
    cues: tuple[str, ...] = ()
    confidence: float = 1.0
    outcomes_score: float = 0.0  # -1 (paperwork-led) … +1 (outcomes-focused)
    extra: dict[str, object] = Field(default_factory=dict, exclude=True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CodeResult):
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def _compared(self) -> tuple[object, ...]:
        return (self.code, self.stance, self.sentences, self.cues, self.confidence,
                self.outcomes_score)

    @property
    def is_reflection(self) -> bool:
        return self.code in REFLECTIONS

    @property
    def is_question(self) -> bool:
        return self.code in QUESTIONS

    def to_dict(self) -> dict[str, Any]:
        """The stored form: ``{"code", "stance", "sentences": [{"text", "code"}], "cues",
        "confidence", "outcomes_score"}``."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CodeResult:
        return cls.model_validate(data)
