"""``coach teams``, ``coach assign`` and ``coach assignments``: teams and their members
(run by an administrator at the console), and assignments, set and seen as a named user.

    coach teams add North --supervisor nia
    coach teams join North ann bob
    coach assign North --persona debs --goal "practise complex reflections" --as nia --json
    coach assignments --as nia --json
    coach assignments cancel 3 --as nia
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from coach.cli._acting import acting, add_as, emit, guarded, services
from coach.settings import Settings


def _team_json(team: Any) -> dict[str, Any]:
    return {"team": team.name, "supervisors": [m.username for m in team.leads],
            "members": [m.username for m in team.members]}


def _team_line(team: Any) -> str:
    # A team made by a users import may have members and no supervisor yet.
    leads = ", ".join(m.username for m in team.leads)
    return (f"{team.name}: {f'led by {leads}' if leads else 'no supervisor yet'}; "
            f"members {', '.join(m.username for m in team.members) or 'none'}")


def _run_teams(args: argparse.Namespace, settings: Settings) -> int:
    from coach.supervision import CONSOLE

    def run() -> int:
        sup = services(settings)
        if args.teams_action == "list":
            teams = sup.teams(CONSOLE)
            if args.json:
                emit([_team_json(t) for t in teams])
            for t in [] if args.json else teams:
                print(_team_line(t))
            return 0
        if args.teams_action == "add":
            team = sup.add_team(CONSOLE, args.team, args.supervisor)
        elif args.teams_action == "join":
            team = sup.join_team(CONSOLE, args.team, args.users)
        else:
            team = sup.leave_team(CONSOLE, args.team, args.users)
        if args.json:
            emit(_team_json(team))
        else:
            print(_team_line(team))
        return 0

    return guarded(run)


def _run_assign(args: argparse.Namespace, settings: Settings) -> int:
    from coach.teams import parse_due

    def run() -> int:
        sup = services(settings)
        user = acting(sup, args)
        due = parse_due(args.due)
        target = sup.resolve_target(args.target)
        made = sup.assign(user, args.persona, args.goal, focus=args.focus, due=due,
                          **target)  # type: ignore[arg-type]  # team=str or trainees=list[str], by resolve_target
        if args.json:
            emit({"assignment_id": made.id})
        else:
            print(f"Assignment {made.id}: {made.persona_name} for "
                  f"{', '.join(a.user for a in made.assignees)}.")
        return 0

    return guarded(run)


def _run_assignments(args: argparse.Namespace, settings: Settings) -> int:
    def run() -> int:
        sup = services(settings)
        user = acting(sup, args)
        if args.assignments_action == "cancel":
            sup.cancel_assignment(user, args.id)
            if args.json:
                emit({"assignment_id": args.id, "cancelled": True})
            else:
                print(f"Assignment {args.id} cancelled.")
            return 0
        views = sup.assignments(user)
        if args.json:
            emit([v.to_dict() for v in views])
            return 0
        _print_assignments(views)
        return 0

    return guarded(run)


def _print_assignments(views: list[Any]) -> None:
    from coach.teams import DUE_LABELS, STATUS_LABELS

    if not views:
        print("No assignments.")
    for v in views:
        due = f", due {v.due:%d %b %Y}" if v.due else ""
        state = " (cancelled)" if v.cancelled else ""
        print(f"#{v.id} {v.persona_name}{due}{state}: {v.goal}")
        for a in v.assignees:
            progress = STATUS_LABELS[a.status].lower()
            # Without a due date "due" says nothing; done and cancelled are said already.
            if v.due and a.state in ("due", "overdue"):
                progress += f", {DUE_LABELS[a.state].lower()}"
            print(f"    {a.user:<20} {progress}")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("teams", help="create teams and change who is in them (administrators)")
    actions = p.add_subparsers(dest="teams_action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create a team led by a supervisor")
    add.add_argument("team")
    add.add_argument("--supervisor", required=True, metavar="NAME")
    for name, text in (("join", "put users in a team (supervisors join as its leads)"),
                       ("leave", "take users out of a team")):
        action = actions.add_parser(name, help=text)
        action.add_argument("team")
        action.add_argument("users", nargs="+", metavar="USER")
    listing = actions.add_parser("list", help="every team with its supervisors and members")
    for action in (add, listing, *(actions.choices[n] for n in ("join", "leave"))):
        action.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_run_teams)

    p = sub.add_parser("assign", help="set a scenario to a team or a trainee, with a goal")
    p.add_argument("target", metavar="TEAM_OR_USER")
    p.add_argument("--persona", required=True, metavar="ID")
    p.add_argument("--goal", required=True, metavar="TEXT")
    p.add_argument("--focus", metavar="SKILL", help="a skill from the rubric, e.g. complex_reflections")
    p.add_argument("--due", metavar="YYYY-MM-DD")
    add_as(p, "SUPERVISOR")
    p.add_argument("--json", action="store_true", help='print {"assignment_id": N}')
    p.set_defaults(handler=_run_assign)

    p = sub.add_parser("assignments", help="the assignments a user set or received, with "
                                           "each assignee's status")
    p.add_argument("assignments_action", nargs="?", choices=["cancel"], metavar="cancel")
    p.add_argument("id", nargs="?", type=int, metavar="ID")
    add_as(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_check_cancel(_run_assignments))


def _check_cancel(handler: Any) -> Any:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        if args.assignments_action == "cancel" and args.id is None:
            print("error: say which assignment to cancel: coach assignments cancel ID --as NAME",
                  file=sys.stderr)
            return 1
        return handler(args, settings)

    return run
