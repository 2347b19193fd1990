"""Scoring a file whatever its kind, and writing the results: a readable table, JSON, JSON
lines or CSV. The table is for a terminal; everything a trainee or persona wrote goes
out as data (JSON strings, quoted CSV cells), never as markup."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from coach.coding import CODE_LABELS, STANCE_LABELS
from coach.moments import Moment, Reactor
from coach.retrieval import Search
from coach.scoring._input import ScoringError, file_kind, read_docx_lines, read_text
from coach.scoring._replies import ReplyScores, score_replies
from coach.scoring._transcript import TranscriptScores, score_transcript
from coach.text import counted, spreadsheet_text

Scores = ReplyScores | TranscriptScores
Format = Literal["table", "json", "jsonl", "csv"]
REPLY_COLUMNS = ("rank", "id", "code", "stance", "cues", "receptivity_change", "mood",
                 "reply", "unlocks")
TURN_COLUMNS = ("index", "speaker", "text", "code", "stance")


def score_file(
    path: str | Path,
    *,
    coder: Any,
    reactor: Reactor,
    moments: Mapping[str, Moment],
    rubric: Any | None = None,
    search: Search | None = None,
    persona: str | None = None,
    worker: str = "Worker",
    person: str = "Person",
    name: str | None = None,
) -> Scores:
    """Score a reply CSV or a transcript; the kind follows the extension of ``name``
    (the uploaded file's own name) or of ``path``. ``ScoringError`` when nothing could
    be scored; problems with single rows or lines are in the result's ``problems``."""
    path = Path(path)
    name = Path(name or path.name).name
    kind = file_kind(name)
    if kind == "replies":
        return score_replies(read_text(path), name=name, coder=coder, reactor=reactor,
                             moments=moments, persona=persona)
    lines = read_docx_lines(path) if kind == "docx" else read_text(path).splitlines()
    return score_transcript(lines, name=name, coder=coder, rubric=rubric, search=search,
                            worker=worker, person=person)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:+.2f}"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


def reply_rows(scores: ReplyScores) -> list[dict[str, Any]]:
    """One flat row per reply, best first: the CSV and the web table."""
    out = []
    for row in scores.ranked:
        reaction = row.reaction.to_dict() if row.reaction else {}
        out.append({
            "rank": row.rank, "id": row.id, "code": row.coded.code, "stance": row.coded.stance,
            "cues": list(row.coded.cues),
            "receptivity_change": reaction.get("receptivity_change"),
            "mood": reaction.get("mood"), "reply": reaction.get("reply"),
            "unlocks": reaction.get("unlocks"),
        })
    return out


def turn_rows(scores: TranscriptScores) -> list[dict[str, Any]]:
    return [t.to_dict() for t in scores.turns]


def _csv_cell(value: Any) -> str:
    # A number this program computed cannot carry a formula, and a quote before "-0.25"
    # would make a spreadsheet treat it as text; every other cell may hold words from the
    # file (an id, a turn, a reaction built from them) and is neutralised.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _cell(value)
    return spreadsheet_text(_cell(value))


def to_csv(scores: Scores) -> str:
    """Best first for replies, in order for a transcript. Any text cell that begins like
    a formula (=, +, -, @, tab or carriage return) is prefixed with ' so that a
    spreadsheet shows it as text rather than running it."""
    columns, rows = ((REPLY_COLUMNS, reply_rows(scores)) if isinstance(scores, ReplyScores)
                     else (TURN_COLUMNS, turn_rows(scores)))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])
    return buffer.getvalue()


def to_jsonl(scores: Scores) -> str:
    items = scores.to_json() if isinstance(scores, ReplyScores) else scores.to_json()["turns"]
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)


def to_json(scores: Scores) -> str:
    return json.dumps(scores.to_json(), ensure_ascii=False, indent=2) + "\n"


def _clip(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return lines


def to_table(scores: Scores) -> str:
    """A readable table: replies best first, or a transcript's turns and its indicators."""
    if isinstance(scores, ReplyScores):
        rows = []
        for row in scores.ranked:
            r = row.reaction
            rows.append([
                str(row.rank), _clip(row.id, 12), CODE_LABELS[row.coded.code],
                STANCE_LABELS[row.coded.stance],
                f"{r.receptivity_change:+.2f}" if r else "—", r.mood if r else "—",
                _clip(row.reply, 48), _clip(r.reply, 48) if r else "",
            ])
        out = [f"{scores.name}: {counted(len(scores.rows), 'reply', 'replies')} scored, "
               "best first", ""]
        out += _table(["Rank", "Id", "Code", "Stance", "Δ recep.", "Mood", "Reply",
                       "The person would say"], rows)
        unlocking = [(row.id, row.reaction.unlocks) for row in scores.ranked
                     if row.reaction and row.reaction.unlocks]
        if unlocking:
            out += ["", "Would unlock:"]
            out += [f"  {rid}: {'; '.join(titles)}" for rid, titles in unlocking]
        return "\n".join(out) + "\n"
    turns = [[str(t.index), t.speaker, _clip(t.text, 70),
              CODE_LABELS[t.coded.code] if t.coded else "", STANCE_LABELS[t.coded.stance]
              if t.coded else ""] for t in scores.turns]
    out = [f"{scores.name}: {counted(len(scores.worker_turns), 'worker turn')} coded", ""]
    out += _table(["Turn", "Speaker", "Text", "Code", "Stance"], turns)
    out += ["", "Indicators (MITI-style bands)", ""]
    out += _table(["Indicator", "This transcript", "Fair", "Good", "Band"], [
        [row.label, row.display, row.level(row.fair), row.level(row.good), row.band]
        for row in scores.report.indicators
    ])
    return "\n".join(out) + "\n"


def render(scores: Scores, fmt: Format) -> str:
    if fmt == "json":
        return to_json(scores)
    if fmt == "jsonl":
        return to_jsonl(scores)
    if fmt == "csv":
        return to_csv(scores)
    if fmt == "table":
        return to_table(scores)
    raise ScoringError(f"unknown output format {fmt!r}")
