"""``coach score FILE``: score a CSV of replies or a whole transcript.

    coach score replies.csv                      # a readable table, best reply first
    coach score replies.csv --json               # [{"id", "code", "stance", "cues", "reaction", "rank"}]
    coach score replies.csv --persona debs --format csv
    coach score visit.md --worker Dawn --person Debs --json
    coach score visit.docx --report visit-report.md

The file type follows the extension (.csv, .txt/.md, .docx); files over 10 MB are
refused. Bad rows or lines are reported on standard error by line number and skipped.
Exit status 0 when anything was scored, 2 when nothing could be or the report
could not be written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coach.settings import Settings


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a .csv of replies, or a .txt, .md or .docx transcript")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the results as JSON")
    out.add_argument("--format", choices=("csv", "jsonl"),
                     help="print the results as CSV or as JSON lines")
    p.add_argument("--persona", metavar="ID",
                   help="for a CSV: the person whose reaction to compute where a row's moment "
                        "is their words rather than a moment id")
    p.add_argument("--worker", metavar="NAME", default="Worker",
                   help="for a transcript: the worker's name in it (default Worker)")
    p.add_argument("--person", metavar="NAME", default="Person",
                   help="for a transcript: the person's name in it (default Person)")
    p.add_argument("--report", metavar="PATH",
                   help="for a transcript: also write the practice room's report (less its "
                        "hidden-item parts) to PATH, Markdown or JSON by its extension; "
                        "strengths and next steps cite the guidance (indexing it on first use)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from coach.batchscoring import ScoringService
    from coach.report import report_markdown
    from coach.scoring import ReplyScores, render
    from coach.service import ServiceError
    from coach.supervision import CONSOLE
    from coach.wiring import Wiring

    is_csv = Path(args.file).suffix.lower() == ".csv"
    report_path = Path(args.report) if args.report else None
    if report_path and report_path.suffix.lower() not in (".md", ".json"):
        print("error: --report needs a path ending .md or .json", file=sys.stderr)
        return 2
    if is_csv and (args.worker != "Worker" or args.person != "Person" or report_path):
        print("note: --worker, --person and --report apply to transcripts; ignored for a CSV",
              file=sys.stderr)
    if not is_csv and args.persona:
        print("note: --persona applies to a CSV of replies; ignored for a transcript",
              file=sys.stderr)
    # Checked before scoring, so a mistyped folder costs nothing and prints no table
    # that looks like success; writing can still fail (permissions, a full disk) below.
    unwritable = _unwritable(report_path) if report_path and not is_csv else None
    if unwritable:
        print(f"error: cannot write the report to {report_path}: {unwritable}", file=sys.stderr)
        return 2

    parts = Wiring(settings)
    try:
        scores = ScoringService(parts).score(
            CONSOLE, args.file, persona=args.persona, worker=args.worker, person=args.person,
            cite=bool(report_path),
        )
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for notice in parts.notices:
        print(f"note: {notice}", file=sys.stderr)
    for problem in scores.problems:
        print(f"{Path(args.file).name}: {problem}", file=sys.stderr)
    sys.stdout.write(render(scores, "json" if args.json else args.format or "table"))
    if report_path and not isinstance(scores, ReplyScores):
        report = scores.report
        text = (json.dumps(report.to_dict(hidden_parts=False), ensure_ascii=False, indent=2)
                if report_path.suffix.lower() == ".json"
                else report_markdown(report, hidden_parts=False))
        try:
            report_path.write_text(text, encoding="utf-8")
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            print(f"error: cannot write the report to {report_path}: {reason}",
                  file=sys.stderr)
            return 2
        print(f"report written to {report_path}", file=sys.stderr)
    return 0


def _unwritable(path: Path) -> str | None:
    """Why a file could not be written at ``path``, when that can be told beforehand."""
    folder = path.parent
    if not folder.exists():
        return f"the folder {folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is a file, not a folder"
    if path.is_dir():
        return "it is a folder; give a file name ending .md or .json"
    return None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="score a CSV of replies or a transcript (.txt, .md, .docx)")
    add_arguments(p)
    p.set_defaults(handler=run)
