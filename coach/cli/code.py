"""``coach code``: code one reply readably, or a JSONL file of replies for other tools.

The JSONL contract is stable: each input line is ``{"id", "reply", "context", "history"}``
(``context`` and ``history`` optional; history is ``[{"speaker": "person"|"worker",
"text": ...}]``, oldest first) and each output line is ``{"id", "code", "stance",
"sentences": [{"text", "code"}], "cues", "confidence", "outcomes_score"}``. A line that
cannot be coded gives ``{"id", "line", "error"}`` instead and the rest are still coded.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from coach.cli._acting import BadInput, check_text, reading_problem
from coach.coding import CODE_LABELS, STANCE_LABELS, CodeResult, HistoryTurn, InvalidReply
from coach.settings import Settings
from coach.text import counted
from coach.wiring import Wiring

BATCH = 256  # larger batches pad less once sorted by length (measured)
# Bytes that are not UTF-8 arrive from standard input as lone surrogates (surrogateescape);
# decoded UTF-8 never holds one.
_NOT_UTF8 = re.compile("[\ud800-\udfff]")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("reply", nargs="?", help="the reply to code (omit with --jsonl)")
    p.add_argument("--context", help="what the person said just before the reply")
    p.add_argument("--jsonl", metavar="FILE",
                   help="code every line of a JSONL file ('-' for standard input); "
                        "exit status 1 if any line could not be coded")
    p.add_argument("--json", action="store_true", help="print the single result as JSON")


class LineError(ValueError):
    """An input line that is not a valid request; the message says what is wrong."""


def parse_line(raw: str) -> tuple[Any, tuple[str, str | None, tuple[HistoryTurn, ...]]]:
    """The id and (reply, context, history) of one JSONL line, or LineError."""
    if _NOT_UTF8.search(raw):
        raise LineError("not UTF-8 text: save the input as UTF-8")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LineError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(data, dict):
        raise LineError("each line must be a JSON object")
    line_id = data.get("id")
    reply = data.get("reply")
    if not isinstance(reply, str):
        raise LineError("'reply' must be a string", line_id)
    context = data.get("context")
    if context is not None and not isinstance(context, str):
        raise LineError("'context' must be a string or null", line_id)
    history_raw = data.get("history") or []
    if not isinstance(history_raw, list):
        raise LineError("'history' must be a list of {speaker, text}", line_id)
    history = []
    for i, turn in enumerate(history_raw):
        if (not isinstance(turn, dict) or turn.get("speaker") not in ("person", "worker")
                or not isinstance(turn.get("text"), str)):
            raise LineError(
                f"history[{i}] must be {{\"speaker\": \"person\"|\"worker\", \"text\": \"...\"}}",
                line_id,
            )
        history.append(HistoryTurn(turn["speaker"], turn["text"]))
    return line_id, (reply, context, tuple(history))


def result_json(line_id: Any, result: CodeResult) -> dict[str, Any]:
    return {
        "id": line_id,
        "code": result.code,
        "stance": result.stance,
        "sentences": [{"text": s.text, "code": s.code} for s in result.sentences],
        "cues": list(result.cues),
        "confidence": result.confidence,
        "outcomes_score": result.outcomes_score,
    }


def _chunks(stream: IO[str]) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for number, raw in enumerate(stream, 1):
        if not raw.strip():
            continue  # blank lines (a trailing newline) are not requests
        chunk.append((number, raw))
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def code_jsonl(stream: IO[str], out: IO[str], coder: Any) -> int:
    """Code a JSONL stream in batches with ``coder`` (the local coder or the LLM coder over
    it); returns the number of lines that failed."""
    from coach.coding import CodeRequest, prepare

    failures = 0
    for chunk in _chunks(stream):
        rows: list[dict[str, Any]] = []
        pending = []
        for number, raw in chunk:
            line_id: Any = None
            try:
                line_id, (reply, context, history) = parse_line(raw)
                prepared = prepare(CodeRequest(reply, context, history))
            except (LineError, InvalidReply) as exc:
                if isinstance(exc, LineError) and len(exc.args) > 1:
                    line_id = exc.args[1]
                rows.append({"id": line_id, "line": number, "error": str(exc.args[0])})
                failures += 1
                continue
            rows.append({})
            pending.append((len(rows) - 1, line_id, prepared))
        for (slot, line_id, _), result in zip(
            pending, coder.code_prepared([p for _, _, p in pending]), strict=True
        ):
            rows[slot] = result_json(line_id, result)
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()
    return failures


def format_result(result: CodeResult) -> str:
    lines = [
        f"Code:     {CODE_LABELS[result.code]} ({result.code}), confidence {result.confidence:.2f}",
        f"Stance:   {STANCE_LABELS[result.stance]} ({result.stance}), "
        f"outcomes score {result.outcomes_score:+.2f}",
    ]
    if len(result.sentences) > 1:
        lines.append("Sentences:")
        for i, s in enumerate(result.sentences, 1):
            lines.append(f"  {i}. [{CODE_LABELS[s.code]}] {s.text}")
    if result.cues:
        lines.append("Why:")
        lines.extend(f"  - {cue}" for cue in result.cues)
    return "\n".join(lines)


def _coder(settings: Settings) -> Any:
    parts = Wiring(settings)
    coder = parts.coder
    for notice in parts.notices:
        print(f"note: {notice}", file=sys.stderr)
    return coder


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.jsonl:
        if args.reply is not None:
            print("error: give either a reply or --jsonl FILE, not both", file=sys.stderr)
            return 2
        if args.jsonl == "-":
            if isinstance(sys.stdin, io.TextIOWrapper):
                # A stream cannot be checked before coding starts, so a line that is not
                # UTF-8 becomes that line's error rather than a crash part-way through.
                sys.stdin.reconfigure(errors="surrogateescape")
            failures = code_jsonl(sys.stdin, sys.stdout, _coder(settings))
        else:
            path = Path(args.jsonl)
            try:
                # A file can be checked first: refuse it whole rather than code half of it.
                check_text(path)
                stream = path.open(encoding="utf-8-sig")
            except BadInput as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            except OSError as exc:
                print(f"error: {reading_problem(path, exc)}", file=sys.stderr)
                return 2
            with stream:
                failures = code_jsonl(stream, sys.stdout, _coder(settings))
        if failures:
            print(f"{counted(failures, 'line')} could not be coded; see the \"error\" lines",
                  file=sys.stderr)
        return 1 if failures else 0
    if args.reply is None:
        print("error: give a reply to code, or --jsonl FILE", file=sys.stderr)
        return 2
    try:
        result = _coder(settings).code(args.reply, context=args.context)
    except InvalidReply as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result_json(None, result), ensure_ascii=False))
    else:
        print(format_result(result))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("code", help="code a reply (OARS code, stance, cues), or a JSONL file of them")
    add_arguments(p)
    p.set_defaults(handler=run)
