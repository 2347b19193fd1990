"""The coding vocabulary and result types shared by the coder and everything that reads it.

Kept apart from ``coding.py`` so that role-play, feedback and reports can depend on the
shape of a coded reply without loading the coder itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

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
    """A reply that cannot be coded (empty or whitespace only); the message says why."""


@dataclass(frozen=True)
class HistoryTurn:
    speaker: Speaker
    text: str


@dataclass(frozen=True)
class SentenceCode:
    text: str
    code: Code


@dataclass(frozen=True)
class CodeResult:
    """How one worker reply was coded.

    ``code`` is the primary code of the whole reply; ``sentences`` has one entry per
    sentence (a single entry for a one-sentence reply); ``cues`` are short human-readable
    reasons for the code and the stance; ``confidence`` is the coder's probability for
    ``code`` (0–1).
    """

    code: Code
    stance: Stance
    sentences: tuple[SentenceCode, ...]
    cues: tuple[str, ...] = ()
    confidence: float = 1.0
    outcomes_score: float = 0.0  # -1 (paperwork-led) … +1 (outcomes-focused)
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def is_reflection(self) -> bool:
        return self.code in REFLECTIONS

    @property
    def is_question(self) -> bool:
        return self.code in QUESTIONS

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["sentences"] = [asdict(s) for s in self.sentences]
        data["cues"] = list(self.cues)
        data.pop("extra", None)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> CodeResult:
        sentences = tuple(
            SentenceCode(text=str(s["text"]), code=s["code"])  # type: ignore[index,arg-type]
            for s in data.get("sentences", [])  # type: ignore[union-attr]
        )
        return cls(
            code=data["code"],  # type: ignore[arg-type]
            stance=data["stance"],  # type: ignore[arg-type]
            sentences=sentences,
            cues=tuple(data.get("cues", ())),  # type: ignore[arg-type]
            confidence=float(data.get("confidence", 1.0)),  # type: ignore[arg-type]
            outcomes_score=float(data.get("outcomes_score", 0.0)),  # type: ignore[arg-type]
        )
