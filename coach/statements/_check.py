"""Checking a written outcome statement against the guidance's criteria for recording
outcomes, with the guidance quoted for every point made.

The criteria are the SSSC's core criteria for recording outcomes (outcomes not outputs,
personalised, the person's contribution noted, their voice included) and Social Care
Wales's "personal outcomes are not services or resources". The classifier decides
outcome / service / need; the other points are read from the wording, and say so: they
prompt the trainee to look again rather than pretend to know what the person said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.statements._classifier import StatementClassifier, Verdict
from coach.statements._data import LABEL_NAMES

MAX_STATEMENT_CHARS = 300


@dataclass(frozen=True)
class GuidanceQuote:
    key: str
    title: str
    publisher: str
    source: str  # file under knowledge/sources/
    section: str
    quote: str  # verbatim from the source (tests check it is)

    @property
    def citation(self) -> str:
        """What a trainee can look up: title, section and publisher (no file names)."""
        return f"{self.title} — {self.section} ({self.publisher})"


_SCW = ("Understanding an outcomes approach", "Social Care Wales",
        "guidance-understanding-outcomes-approach.md")
_SSSC = ("Personal outcomes", "Scottish Social Services Council (SSSC)",
         "guidance-personal-outcomes-sssc.md")
GUIDANCE: dict[str, GuidanceQuote] = {q.key: q for q in (
    GuidanceQuote("what", *_SCW, "What are personal outcomes?",
                  "Personal outcomes describe what a person wants to achieve."),
    GuidanceQuote("inputs", *_SCW, "Personal outcomes are not services or resources",
                  "These are the things the person does or is provided with (the inputs) to "
                  "help the person to achieve their outcomes, but they are not an outcome in "
                  "themselves."),
    GuidanceQuote("outputs", *_SSSC, "Recording and measuring outcomes",
                  "There should be outcomes (agreed purpose) not just outputs (services)."),
    GuidanceQuote("personal", *_SSSC, "Recording and measuring outcomes",
                  "The outcomes should be personalised."),
    GuidanceQuote("contribution", *_SSSC, "Recording and measuring outcomes",
                  "The person’s/family’s contribution should be noted."),
    GuidanceQuote("voice", *_SSSC, "Recording and measuring outcomes",
                  "The person’s voice included as appropriate."),
    GuidanceQuote("deficits", *_SSSC, "What difference does a personal outcomes approach make?",
                  "Build on capacities and strengths towards creative solutions"),
)}

_FIRST_PERSON = re.compile(r"\b(I|I'd|I'm|I've|I'll|my|me|we|our|us)\b|[“\"]", re.IGNORECASE)
_CONTRIBUTION = re.compile(
    r"\b(I can|I could|I will|I'll|I'm good at|good at|proud|managed?|manages|managing|"
    r"on (my|his|her|their) own|myself|himself|herself|with (help|support) from|"
    r"my (sister|brother|daughter|son|husband|wife|partner|mum|mam|dad|friends?|neighbours?|"
    r"family|church|chapel|group)|his (sister|brother|daughter|son|wife|friends?|family)|"
    r"her (sister|brother|daughter|son|husband|friends?|family)|strength|skill)\b",
    re.IGNORECASE)


@dataclass(frozen=True)
class Point:
    ok: bool
    text: str
    cites: tuple[str, ...] = ()  # keys of GUIDANCE


@dataclass(frozen=True)
class StatementCheck:
    text: str
    verdict: Verdict
    points: tuple[Point, ...]

    @property
    def label(self) -> str:
        return self.verdict.label

    @property
    def is_outcome(self) -> bool:
        return self.verdict.label == "outcome"

    def citations(self) -> list[GuidanceQuote]:
        keys = dict.fromkeys(k for p in self.points for k in p.cites)
        return [GUIDANCE[k] for k in keys]

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "label": self.label,
                "confidence": round(self.verdict.confidence, 3),
                "points": [{"ok": p.ok, "text": p.text, "cites": list(p.cites)}
                           for p in self.points]}


class StatementRejected(ValueError):
    """A statement that cannot be checked (empty, too long); the message says why."""


def clean_statement(text: str | None) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise StatementRejected("Write a statement first.")
    if len(text) > MAX_STATEMENT_CHARS:
        raise StatementRejected(f"Keep each statement to {MAX_STATEMENT_CHARS} characters "
                                f"(this one has {len(text)}): one outcome per statement.")
    if not re.search(r"[A-Za-z]", text):
        raise StatementRejected("That does not read as a statement: write it in words.")
    return text


def _points(text: str, verdict: Verdict) -> tuple[Point, ...]:
    name = LABEL_NAMES[verdict.label]
    if verdict.label == "service":
        first = Point(False, f"This reads as {name}: something provided or done, not what the "
                             "person wants to achieve. Ask what it would make possible for them "
                             "and record that.", ("inputs", "outputs"))
    elif verdict.label == "need":
        first = Point(False, f"This reads as {name}: a problem as a professional would list it. "
                             "Record what the person wants instead, and what they bring to it.",
                      ("deficits", "what"))
    else:
        first = Point(True, f"This reads as {name}: what the person wants to achieve.", ("what",))
    points = [first]
    if verdict.label != "outcome":
        return tuple(points)
    if _FIRST_PERSON.search(text):
        points.append(Point(True, "It is in the person's own voice.", ("voice", "personal")))
    else:
        points.append(Point(False, "It is written about the person. If they said it in their "
                                   "own words, record those words.", ("voice", "personal")))
    if _CONTRIBUTION.search(text):
        points.append(Point(True, "It notes what the person or those around them bring.",
                            ("contribution",)))
    else:
        points.append(Point(False, "Nothing here says what the person or their family bring "
                                   "to it. If you heard a strength, note it.", ("contribution",)))
    return tuple(points)


def check_statements(texts: list[str], classifier: StatementClassifier) -> list[StatementCheck]:
    """Each statement checked; raises ``StatementRejected`` naming the first bad one."""
    cleaned = []
    for n, text in enumerate(texts, 1):
        try:
            cleaned.append(clean_statement(text))
        except StatementRejected as exc:
            raise StatementRejected(f"Statement {n}: {exc}") from exc
    verdicts = classifier.classify(cleaned)
    return [StatementCheck(t, v, _points(t, v)) for t, v in zip(cleaned, verdicts, strict=True)]
