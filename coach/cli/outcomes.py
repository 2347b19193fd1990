"""``coach outcomes``: the recording-outcomes drill from the terminal.

    coach outcomes check "I want to walk Cassie again" "A walk-in shower" [--json]
    coach outcomes record SESSION --file statements.txt --as ann [--json]
    coach outcomes show SESSION --as nia [--json]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.cli._acting import acting, add_as, emit, guarded, services

if TYPE_CHECKING:
    from coach.recording import SessionRecording
from coach.settings import Settings


def _print_checks(checks: list[Any]) -> None:
    for n, c in enumerate(checks, 1):
        print(f"{n}. {c.text}\n   reads as {c.label} ({c.verdict.confidence:.0%})")
        for p in c.points:
            print(f"   {'ok ' if p.ok else 'try'} {p.text}")
        for q in c.citations():
            print(f"     “{q.quote}” ({q.citation})")


def _run(args: argparse.Namespace, settings: Settings) -> int:
    def run() -> int:
        from coach.recording import RecordingService

        sup = services(settings)
        rec = RecordingService(sup.service)
        if args.action == "check":
            checks = rec.check(_console(), args.statements)
            if args.json:
                emit([c.to_dict() for c in checks])
            else:
                _print_checks(checks)
            return 0
        user = acting(sup, args)
        found: SessionRecording | None
        if args.action == "record":
            text = args.file.read_text(encoding="utf-8") if args.file else "\n".join(args.text)
            found = rec.record(user, args.session, text)
        else:
            found = rec.recorded(user, args.session)
            if found is None:
                print("Nothing recorded for this session yet.")
                return 0
        if args.json:
            emit(found.to_dict())
            return 0
        c = found.comparison
        print(f"Recorded {c.recorded} of the {c.disclosed} things {found.persona_name} shared.")
        for item in c.items:
            print(f"  [{item.verdict}] {item.title}")
        _print_checks(list(found.checks))
        return 0

    return guarded(run)


def _console() -> Any:
    from coach.supervision import CONSOLE

    return CONSOLE


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("outcomes", help="recording outcomes: check statements, record them "
                                        "after a session")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("check", help="check statements against the guidance's criteria")
    q.add_argument("statements", nargs="+", metavar="STATEMENT")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_run)
    q = actions.add_parser("record", help="record statements for your ended session")
    q.add_argument("session", metavar="SESSION")
    q.add_argument("--file", type=Path, help="one statement per line")
    q.add_argument("--text", action="append", default=[], metavar="STATEMENT")
    add_as(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_run)
    q = actions.add_parser("show", help="what was recorded for a session you may see")
    q.add_argument("session", metavar="SESSION")
    add_as(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_run)
