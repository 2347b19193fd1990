"""``coach practice``, ``sessions``, ``review``, ``override``, ``comment``, ``note``,
``overrides export`` and ``dashboard``: a supervisor's review from the terminal, and
scripted practice for checks. Each acts as ``--as USER`` (``practice`` as ``--user``)
with that user's permissions; ``TURN_INDEX`` counts the trainee's replies from 1.

    coach practice --user ann --persona debs --script lines.txt --assignment 1 --json
    coach review SESSION --as nia --json
    coach override SESSION 2 --code open_question --reason "asks what matters" --as nia
    coach comment SESSION 2 --text "Lovely reflection" --as nia
    coach dashboard North --as nia --format csv
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from coach.cli._acting import FAILED, acting, add_as, emit, guarded, services
from coach.settings import Settings


def _run_practice(args: argparse.Namespace, settings: Settings) -> int:
    from coach.cli.roleplay import read_script

    def run() -> int:
        lines = read_script(args.script, max_chars=settings.app.max_message_chars)
        sup = services(settings)
        user = sup.user_named(args.user)
        if args.assignment is not None:
            view = sup.start_assignment(user, args.assignment, persona=args.persona)
        else:
            view = sup.service.start_session(user, args.persona, resume=False)
        for line in lines:
            if view.ended:
                break
            view = sup.service.take_turn(user, view.id, line)
        report = sup.service.end_session(user, view.id)
        if args.json:
            emit({"session_id": view.id, "report": report.to_dict()})
        else:
            print(f"Session {view.id}: {len(view.turns)} replies; report stored.")
        return 0

    return guarded(run)


def _run_sessions(args: argparse.Namespace, settings: Settings) -> int:
    def run() -> int:
        sup = services(settings)
        found = sup.sessions(acting(sup, args))
        if args.json:
            emit([s.to_dict() for s in found])
            return 0
        if not found:
            print("No sessions found.")
        for s in found:
            print(f"{s.session_id}  {s.started}  {s.user:<16} {s.persona_name:<14} "
                  f"{s.status:<6} {s.turns:>3} replies{'  reviewed' if s.reviewed else ''}")
        return 0

    return guarded(run)


def _print_review(view: Any) -> None:
    from coach.teams import SUPERVISION_FRAME

    print(f"{view.display_name} ({view.user}) with {view.persona_name}, {view.started}, {view.status}")
    print(f"  {view.persona_name}: {view.opening}")
    for t in view.turns:
        code = t.code if not t.override else f"{t.code} (coder: {t.machine_code})"
        print(f"{t.index:>2} You: {t.trainee}\n     [{code} · {t.stance}] receptivity "
              f"{t.receptivity:.2f}\n     {view.persona_name}: {t.person}")
        if t.override:
            print(f"     override by {t.override.by}: {t.override.reason}")
        for c in t.comments:
            print(f"     comment by {c.by}: {c.text}")
    for c in view.comments:
        print(f"Comment by {c.by}: {c.text}")
    if view.note:
        print(f"Supervision note by {view.note['by']}:")
        for field, question, _ in SUPERVISION_FRAME:
            if view.note.get(field):
                # A part may run over several lines; keep them under its question.
                answer = "\n    ".join(view.note[field].splitlines())
                print(f"  {question}\n    {answer}")


def _run_review(args: argparse.Namespace, settings: Settings) -> int:
    def run() -> int:
        sup = services(settings)
        view = sup.review(acting(sup, args), args.session)
        if args.json:
            emit(view.to_dict())
        else:
            _print_review(view)
        return 0

    return guarded(run)


def _run_override(args: argparse.Namespace, settings: Settings) -> int:
    if not (args.code or args.stance):
        print("error: give --code, --stance or both", file=sys.stderr)
        return FAILED

    def run() -> int:
        sup = services(settings)
        view = sup.override(acting(sup, args), args.session, args.turn, code=args.code,
                            stance=args.stance, reason=args.reason)
        turn = view.turns[args.turn - 1]
        print(f"Reply {turn.index}: {turn.code} · {turn.stance} (the coder said "
              f"{turn.machine_code} · {turn.machine_stance}).")
        return 0

    return guarded(run)


def _run_comment(args: argparse.Namespace, settings: Settings) -> int:
    def run() -> int:
        sup = services(settings)
        sup.comment(acting(sup, args), args.session, args.turn, args.text)
        print("Comment added" + (f" to reply {args.turn}." if args.turn else " to the session."))
        return 0

    return guarded(run)


def _run_note(args: argparse.Namespace, settings: Settings) -> int:
    def run() -> int:
        sup = services(settings)
        sup.set_note(acting(sup, args), args.session, working_towards=args.towards or "",
                     working_well=args.well or "", worried_about=args.worried or "",
                     needs_to_happen=args.needs or "")
        print("Supervision note saved.")
        return 0

    return guarded(run)


def _run_overrides(args: argparse.Namespace, settings: Settings) -> int:
    from coach.supervision import CONSOLE

    def run() -> int:
        sup = services(settings)
        moments = sup.export_overrides(CONSOLE)
        text = "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in moments)
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
            print(f"Wrote {len(moments)} override(s) to {args.out}.", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0

    return guarded(run)


def _run_dashboard(args: argparse.Namespace, settings: Settings) -> int:
    def run() -> int:
        sup = services(settings)
        user = acting(sup, args)
        if args.format == "csv":
            sys.stdout.write(sup.dashboard_csv(user, args.team))
        else:
            emit(sup.dashboard_data(user, args.team))
        return 0

    return guarded(run)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("practice", help="play a script of replies as a user, stored like a "
                                        "web session and ended at the end of the script")
    p.add_argument("--user", required=True, metavar="NAME")
    p.add_argument("--persona", required=True, metavar="ID")
    p.add_argument("--script", required=True, type=Path, metavar="FILE",
                   help="one reply per line ('#' comments)")
    p.add_argument("--assignment", type=int, metavar="ID", help="start it from this assignment")
    p.add_argument("--json", action="store_true", help='print {"session_id", "report"}')
    p.set_defaults(handler=_run_practice)

    p = sub.add_parser("sessions", help="the sessions a user may see")
    add_as(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_run_sessions)

    p = sub.add_parser("review", help="a session's transcript with codes, overrides and comments")
    p.add_argument("session", metavar="SESSION")
    add_as(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_run_review)

    p = sub.add_parser("override", help="put a supervisor's code and/or stance on one reply")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("turn", type=int, metavar="TURN_INDEX", help="the trainee's reply, from 1")
    p.add_argument("--code")
    p.add_argument("--stance", choices=["outcomes", "neutral", "paperwork"])
    p.add_argument("--reason", required=True, metavar="TEXT")
    add_as(p, "SUPERVISOR")
    p.set_defaults(handler=_run_override)

    p = sub.add_parser("comment", help="comment on a reply or on the whole session")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("turn", type=int, nargs="?", metavar="TURN_INDEX")
    p.add_argument("--text", required=True)
    add_as(p)
    p.set_defaults(handler=_run_comment)

    p = sub.add_parser("note", help="the session's note in the outcomes-focused supervision frame")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--towards", metavar="TEXT", help="what are we working towards?")
    p.add_argument("--well", metavar="TEXT", help="what is working well?")
    p.add_argument("--worried", metavar="TEXT", help="what are we worried about?")
    p.add_argument("--needs", metavar="TEXT", help="what needs to happen?")
    add_as(p, "SUPERVISOR")
    p.set_defaults(handler=_run_note)

    p = sub.add_parser("overrides", help="supervisors' overrides as labelled data")
    actions = p.add_subparsers(dest="overrides_action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write every override as JSONL in the exemplar "
                                               "format (knowledge/exemplars/*.yaml moments)")
    export.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(handler=_run_overrides)

    p = sub.add_parser("dashboard", help="a team's practice indicators over time")
    p.add_argument("team", metavar="TEAM")
    add_as(p, "SUPERVISOR")
    p.add_argument("--format", choices=["csv", "json"], default="json")
    p.set_defaults(handler=_run_dashboard)
