"""``coach exercise``: the same-moment team exercise from the terminal, with the web
app's rules (``--as USER`` acts with that user's permissions).

    coach exercise moments
    coach exercise open North --moment debs_take_him_into_care --as nia [--anonymous]
    coach exercise open North --session SESSION --turn 3 --as nia
    coach exercise answer 1 --text "You sound worn out with it all." --as ann
    coach exercise show 1 --as nia --json [--plot spread.png]
    coach exercise close 1 --as nia
    coach exercise list --as ann
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coach.cli._acting import acting, add_as, emit, guarded, services
from coach.settings import Settings

if TYPE_CHECKING:
    from coach.exercises import ExerciseService, ExerciseView


def _service(settings: Settings) -> ExerciseService:
    from coach.exercises import ExerciseService

    return ExerciseService(services(settings).service)


def _print(view: ExerciseView) -> None:
    print(f"#{view.id} {view.title} · team {view.team} · {view.status}"
          f"{' · anonymous' if view.anonymous else ''} · {view.answered} of {view.members} answered")
    print(f"  {view.persona_name}: “{view.last_words}”")
    if view.my_reply:
        print(f"  Your reply: {view.my_reply}")
    if not view.shows_replies:
        print("  (the others' replies show once you have answered, or the exercise is closed)")
        return
    for r in view.replies:
        who = "you" if r.mine else r.name or "anonymous"
        print(f"{r.rank:>3}. [{who}] {r.text}\n     {r.code_label} · {r.stance_label}; receptivity "
              f"{r.reaction['receptivity_change']:+.2f}, {r.reaction['mood']}; "
              f"they would say: {r.reaction['reply']}")
    for e in view.exemplars:
        print(f"  {e.name}: {e.text}\n     {e.code_label}; receptivity "
              f"{e.reaction['receptivity_change']:+.2f}; they would say: {e.reaction['reply']}")


def _show(view: ExerciseView, as_json: bool) -> int:
    if as_json:
        emit(view.to_dict())
    else:
        _print(view)
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    def run() -> int:
        ex = _service(settings)
        if args.action == "moments":
            for label, moment_id in ex.moment_choices():
                print(f"{moment_id:<32} {label}")
            return 0
        from coach.supervision import SupervisionService

        user = acting(SupervisionService(ex.service), args)
        plotted = None
        if args.action == "open":
            if bool(args.moment) == bool(args.session):
                raise ValueError("Give either --moment ID or --session ID with --turn N.")
            view = ex.open(user, args.team, moment_id=args.moment, session_id=args.session,
                           turn=args.turn, anonymous=args.anonymous)
        elif args.action == "answer":
            view = ex.answer(user, args.exercise, args.text)
        elif args.action == "close":
            view = ex.close(user, args.exercise)
        elif args.action == "list":
            found = ex.exercises(user)
            if args.json:
                emit([v.to_dict() for v in found])
                return 0
            if not found:
                print("No exercises found.")
            for v in found:
                print(f"#{v.id:<4} {v.team:<12} {v.status:<6} {v.answered}/{v.members}  {v.title}")
            return 0
        else:
            view = ex.view(user, args.exercise)
            if args.plot:
                plotted = ex.spread(user, view.id, args.plot)
                if plotted is None:
                    raise ValueError("No plot yet: answer first, or wait for the exercise to close.")
        # Keep the vectors of the exemplars and persona lines for the next command.
        ex.service.parts.vectors.save()
        shown = _show(view, args.json)
        if plotted:
            # On standard error, so that --json output stays JSON.
            print(f"Wrote the spread plot to {plotted}.", file=sys.stderr)
        return shown

    return guarded(run)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("exercise", help="the same-moment team exercise")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("moments", help="the curated moments").set_defaults(handler=_run)

    q = actions.add_parser("open", help="open a moment (or a session's turn) for a team")
    q.add_argument("team", metavar="TEAM")
    q.add_argument("--moment", metavar="ID")
    q.add_argument("--session", metavar="SESSION")
    q.add_argument("--turn", type=int, metavar="N", help="the moment before the trainee's reply N (from 1)")
    q.add_argument("--anonymous", action="store_true", help="no names on the results")
    for name, helped in (("answer", "answer an exercise as a team member"),
                         ("show", "the moment and, when you may see them, the results"),
                         ("close", "close an exercise (its supervisor)")):
        r = actions.add_parser(name, help=helped)
        r.add_argument("exercise", type=int, metavar="ID")
        if name == "answer":
            r.add_argument("--text", required=True)
        if name == "show":
            r.add_argument("--plot", type=Path, metavar="PNG", help="write the spread plot here")
    actions.add_parser("list", help="the exercises of your teams")
    for parser in actions.choices.values():
        if parser.prog.endswith("moments"):
            continue
        add_as(parser)
        parser.add_argument("--json", action="store_true")
        parser.set_defaults(handler=_run)
