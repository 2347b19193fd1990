"""Scoring a transcript: one turn per line as ``Worker: …`` / ``Person: …`` (other names
given by the caller; Markdown bold, bullets and headings are allowed). Every worker turn
is coded with what the person said before it, and the session indicators come from the
practice room's own report (``coach.report.build_report``), with no persona behind it and
so none of the report's hidden-item parts.

A line with no ``Name:`` carries on the turn above it (a wrapped paragraph); a line whose
name is neither speaker is skipped and reported, naming the speakers that were found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from coach.coding import CodeResult, HistoryTurn, InvalidReply
from coach.report import SessionReport, TurnRecord, build_report
from coach.retrieval import Search
from coach.scoring._input import ScoringError
from coach.scoring._replies import Problem
from coach.text import counted

# "Name: words", after any bullet or quote marker; a name is short and has no sentence in it.
_TURN = re.compile(r"^\s*(?:[-*>]\s+)?(?P<name>[^\W\d][\w .'’()/-]{0,39}?)\s*:\s*(?P<text>.*)$")
_EMPHASIS = re.compile(r"\*\*|__")

Speaker = Literal["worker", "person"]


@dataclass(frozen=True)
class Turn:
    index: int  # 1-based, in the order of the transcript, counting both speakers
    line: int
    speaker: Speaker
    text: str
    coded: CodeResult | None = None  # worker turns only

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "speaker": self.speaker,
            "text": self.text,
            "code": self.coded.code if self.coded else None,
            "stance": self.coded.stance if self.coded else None,
        }


@dataclass(frozen=True)
class TranscriptScores:
    name: str
    turns: tuple[Turn, ...]
    report: SessionReport
    problems: tuple[Problem, ...]

    @property
    def worker_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.speaker == "worker"]

    def indicators(self) -> dict[str, Any]:
        """``{"reflection_to_question", "complex_reflections", "open_questions"}`` as
        float or None, ``{"affirmations", "summaries"}`` as int, ``"outcomes_focus"``
        the mean stance score (−1 paperwork/risk-led … +1 outcomes-focused)."""
        value = {row.name: row.value for row in self.report.indicators}
        return {
            "reflection_to_question": _round(value["reflection_to_question"]),
            "complex_reflections": _round(value["complex_reflections"]),
            "open_questions": _round(value["open_questions"]),
            "affirmations": int(value["affirmations"] or 0),
            "summaries": int(value["summaries"] or 0),
            "outcomes_focus": _round(value["outcomes_focus"]) or 0.0,
        }

    def to_json(self) -> dict[str, Any]:
        return {"turns": [t.to_dict() for t in self.turns], "indicators": self.indicators()}


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def parse_transcript(
    lines: Sequence[str], worker: str = "Worker", person: str = "Person"
) -> tuple[list[Turn], list[Problem]]:
    """The turns of a transcript, and the lines skipped. ``ScoringError`` when there is
    no turn of both speakers to score."""
    if _key(worker) == _key(person):
        raise ScoringError(f"the worker and the person are both called {worker!r}")
    speakers: dict[str, Speaker] = {_key(worker): "worker", _key(person): "person"}
    turns: list[list[Any]] = []  # [line, speaker, text]
    problems: list[Problem] = []
    strangers: dict[str, int] = {}
    for number, raw in enumerate(lines, 1):
        line = _EMPHASIS.sub("", raw).strip()
        if not line or line.startswith("#") or set(line) <= {"-", "*", "_", "=", " "}:
            continue
        match = _TURN.match(line)
        who = speakers.get(_key(match.group("name"))) if match else None
        if match and who:
            turns.append([number, who, match.group("text").strip()])
        elif match and len(match.group("name").split()) <= 4:
            name = match.group("name").strip()
            strangers.setdefault(name, number)
            problems.append(Problem(number, f"{name!r} is neither the worker ({worker!r}) "
                                            f"nor the person ({person!r})"))
        elif turns:
            turns[-1][2] = f"{turns[-1][2]} {line}".strip()  # a wrapped line
    turns = [t for t in turns if t[2]]
    found = {s for _, s, _ in turns}
    hint = (f" The speakers found are {', '.join(repr(s) for s in strangers)}: give the worker's "
            "and the person's names (the two name boxes in the app; --worker NAME --person NAME "
            "with coach score)." if strangers else "")
    if not turns:
        raise ScoringError(
            f"no turns recognised: expected lines such as '{worker}: …' and '{person}: …'.{hint}"
        )
    if found != {"worker", "person"}:
        only = worker if "worker" in found else person
        missing = person if "worker" in found else worker
        raise ScoringError(
            f"only {only!r} speaks in this transcript ({counted(len(turns), 'turn')}); "
            f"a conversation needs {missing!r} too.{hint}"
        )
    return [Turn(k, n, s, t) for k, (n, s, t) in enumerate(turns, 1)], problems


def score_transcript(
    lines: Sequence[str],
    *,
    name: str,
    coder: Any,
    rubric: Any | None = None,
    search: Search | None = None,
    worker: str = "Worker",
    person: str = "Person",
) -> TranscriptScores:
    """Code every worker turn with the person's words before it and the conversation so
    far, and build the practice room's report over them (``search`` cites the guidance
    for strengths and next steps; without it they are uncited, with a note)."""
    turns, problems = parse_transcript(lines, worker, person)
    coded_turns: list[Turn] = []
    history: list[HistoryTurn] = []
    records: list[TurnRecord] = []
    for turn in turns:
        if turn.speaker == "worker":
            context = next((h.text for h in reversed(history) if h.speaker == "person"), None)
            try:
                coded = coder.code(turn.text, context=context, history=tuple(history))
            except InvalidReply as exc:
                problems.append(Problem(turn.line, str(exc)))
                continue
            turn = Turn(turn.index, turn.line, turn.speaker, turn.text, coded)
            records.append(TurnRecord(index=len(records) + 1, learner=turn.text, coded=coded,
                                      receptivity=0.0))
        elif records and not records[-1].reply:
            # What the person said next, as the report pairs each reply with its answer.
            records[-1] = records[-1].model_copy(update={"reply": turn.text})
        coded_turns.append(turn)
        history.append(HistoryTurn(turn.speaker, turn.text))
    report = build_report(name, records, [], search, 0.0, rubric=rubric)
    return TranscriptScores(name=name, turns=tuple(coded_turns), report=report,
                            problems=tuple(sorted(problems, key=lambda p: p.line)))
