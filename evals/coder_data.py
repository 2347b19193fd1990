"""Loading the coder's evaluation data: the hand-coded seed transcripts and AnnoMI.

AnnoMI is read from a path outside the project and only ever used to measure; nothing
here fits or tunes anything on it.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from coach.coding import CODES, STANCES, CodeRequest, HistoryTurn
from evals.common import PROJECT_ROOT

SEED_FILE = PROJECT_ROOT / "evals" / "datasets" / "seed_worker_turns.yaml"
_TURN_RE = re.compile(r"^\*\*(.+?):\*\*\s*(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class SeedTurn:
    conversation: str
    style: str
    request: CodeRequest
    code: str
    stance: str


def transcript_turns(path: Path) -> list[tuple[str, str]]:
    """(speaker, text) pairs of a Markdown transcript in knowledge/sources."""
    return [(s.strip(), t.strip()) for s, t in _TURN_RE.findall(path.read_text(encoding="utf-8"))]


def load_seed_turns(path: Path = SEED_FILE, root: Path = PROJECT_ROOT) -> list[SeedTurn]:
    """Hand-coded worker turns with context and history taken from the transcripts.

    Raises ValueError if the coded texts no longer match the transcript, so the labels
    cannot silently drift from the source.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[SeedTurn] = []
    for conv in data["conversations"]:
        turns = transcript_turns(root / conv["source"])
        labelled = conv["turns"]
        history: list[HistoryTurn] = []
        last_person = ""
        k = 0
        for speaker, text in turns:
            if "(worker)" in speaker:
                if k >= len(labelled):
                    raise ValueError(f"{conv['id']}: more worker turns in the transcript than coded")
                entry = labelled[k]
                if entry["text"].strip() != text:
                    raise ValueError(
                        f"{conv['id']} worker turn {k + 1}: coded text differs from the "
                        f"transcript:\n  coded:      {entry['text']!r}\n  transcript: {text!r}"
                    )
                if entry["code"] not in CODES or entry["stance"] not in STANCES:
                    raise ValueError(f"{conv['id']} worker turn {k + 1}: unknown code or stance")
                out.append(SeedTurn(conv["id"], conv.get("style", ""),
                                    CodeRequest(text, last_person or None, tuple(history)),
                                    entry["code"], entry["stance"]))
                history.append(HistoryTurn("worker", text))
                k += 1
            else:
                history.append(HistoryTurn("person", text))
                last_person = text
        if k != len(labelled):
            raise ValueError(f"{conv['id']}: {len(labelled)} coded turns, {k} in the transcript")
    return out


# --- AnnoMI ------------------------------------------------------------------------------

# The coder's codes on AnnoMI's four therapist behaviours (MITI codes summaries as
# reflections; AnnoMI has no affirmation code, its "other" holds them).
TO_ANNOMI: dict[str, str] = {
    "open_question": "question",
    "closed_question": "question",
    "reflection_simple": "reflection",
    "reflection_complex": "reflection",
    "summary": "reflection",
    "information": "therapist_input",
    "advice": "therapist_input",
    "confront": "therapist_input",
    "affirmation": "other",
    "other": "other",
}
ANNOMI_LABELS = ("question", "reflection", "therapist_input", "other")


@dataclass(frozen=True)
class AnnomiUtterance:
    transcript: str
    quality: str  # high | low
    request: CodeRequest
    behaviour: str
    question_subtype: str | None  # open | closed, when the majority coded a question


def _majority(values: list[str]) -> str | None:
    """The most common value; ties go to the alphabetically first, so it is reproducible."""
    counts = Counter(v for v in values if v and v != "n/a")
    if not counts:
        return None
    top = max(counts.values())
    return sorted(v for v, c in counts.items() if c == top)[0]


def load_annomi(path: Path, history_turns: int = 12) -> list[AnnomiUtterance]:
    """Therapist utterances with the previous client utterance as context.

    Works with annomi-dev.csv (one row per utterance) and annomi-full-dev.csv (one row per
    annotator: the majority behaviour and subtype are taken per utterance).
    """
    rows_by_utt: dict[tuple[str, int], list[dict[str, str]]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows_by_utt[(row["transcript_id"], int(row["utterance_id"]))].append(row)
    by_transcript: dict[str, list[int]] = defaultdict(list)
    for tid, uid in rows_by_utt:
        by_transcript[tid].append(uid)

    out: list[AnnomiUtterance] = []
    for tid in sorted(by_transcript, key=lambda t: int(t) if t.isdigit() else t):
        history: list[HistoryTurn] = []
        last_client = ""
        for uid in sorted(by_transcript[tid]):
            rows = rows_by_utt[(tid, uid)]
            first = rows[0]
            text = first["utterance_text"].strip()
            if first["interlocutor"] == "client":
                if text:
                    history.append(HistoryTurn("person", text))
                    last_client = text
                continue
            behaviour = _majority([r["main_therapist_behaviour"] for r in rows])
            if text and behaviour in ANNOMI_LABELS:
                subtype = None
                if behaviour == "question" and "question_subtype" in first:
                    subtype = _majority([r["question_subtype"] for r in rows
                                         if r["main_therapist_behaviour"] == "question"])
                out.append(AnnomiUtterance(
                    transcript=tid, quality=first["mi_quality"],
                    request=CodeRequest(text, last_client or None,
                                        tuple(history[-history_turns:])),
                    behaviour=behaviour, question_subtype=subtype,
                ))
            if text:
                history.append(HistoryTurn("worker", text))
    return out
