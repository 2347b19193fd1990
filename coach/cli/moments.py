"""``coach moments``: the curated moments, the person's reaction to a reply at one, and a
supervisor's making a moment from a turn of a session.

    coach moments list
    coach moments show debs_take_him_into_care
    coach moments react debs_take_him_into_care "You sound worn out with it all." --json
    coach moments from-turn SESSION 3 --as nia --save moments/

``from-turn`` acts as ``--as USER`` with their permissions (supervisors and admins, of
sessions they may see); ``--save DIR`` writes the moment as ``DIR/{id}.yaml``, the format
of knowledge/moments/. Exit status 2 for a refusal or an unknown moment, 1 for a failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coach.cli._acting import REFUSED, acting, add_as, emit, guarded, services
from coach.settings import Settings

if TYPE_CHECKING:
    from coach.moments import Moment, Reaction


def _print_moment(moment: Moment) -> None:
    print(f"{moment.id}: {moment.title} ({moment.persona})")
    for said in moment.conversation:
        print(f"  {said.speaker}: {said.text}")
    print(f"  person: {moment.last_words}")
    state = moment.state
    shared = ", ".join(state.unlocked) or "nothing yet"
    print(f"  state: receptivity {state.receptivity:.2f} ({state.mood.replace('_', ' ')}), "
          f"{state.stage}; shared: {shared}")


def _show(moment: Moment, as_json: bool) -> None:
    if as_json:
        emit(moment.model_dump(mode="json", exclude_none=True))
    else:
        _print_moment(moment)


def _print_reaction(reaction: Reaction) -> None:
    coded = reaction.coded
    print(f"Code:   {coded.code}, stance {coded.stance}")
    print(f"Change: receptivity {reaction.receptivity_before:.2f} → "
          f"{reaction.receptivity_after:.2f} ({reaction.receptivity_change:+.2f}), "
          f"{reaction.mood_before} → {reaction.mood}")
    for reason, delta in reaction.changes:
        print(f"  {delta:+.2f}  {reason}")
    print(f"They would say: {reaction.reply}")
    if reaction.unlocks:
        print(f"It would unlock: {'; '.join(reaction.unlocks)}")


def _curated(args: argparse.Namespace, settings: Settings) -> int:
    from coach.coding import InvalidReply
    from coach.moments import MomentError, get_moment
    from coach.wiring import Wiring

    parts = Wiring(settings)
    try:
        if args.action == "list":
            moments = sorted(parts.moments.values(), key=lambda m: (m.persona, m.id))
            if args.json:
                emit([{"id": m.id, "persona": m.persona, "title": m.title,
                       "last_words": m.last_words} for m in moments])
            else:
                for m in moments:
                    print(f"{m.id:<32} {m.persona:<13} {m.last_words}")
            return 0
        moment = get_moment(args.moment, parts.moments)
        if args.action == "show":
            _show(moment, args.json)
            return 0
        reaction = parts.reactor.react(moment, args.reply)
    except (MomentError, InvalidReply) as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return REFUSED
    if args.json:
        emit({"code": reaction.coded.code, "stance": reaction.coded.stance,
              "cues": list(reaction.coded.cues), **reaction.to_full_dict()})
    else:
        _print_reaction(reaction)
    return 0


def _from_turn(args: argparse.Namespace, settings: Settings) -> int:
    from coach.momentmaking import MomentService

    def run() -> int:
        sup = services(settings)
        moment = MomentService(sup.service).from_turn(acting(sup, args), args.session, args.turn)
        if args.save:
            folder = Path(args.save)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{moment.id}.yaml"
            path.write_text(moment.to_yaml(), encoding="utf-8")
            print(f"saved {path}", file=sys.stderr)
        _show(moment, args.json)
        return 0

    return guarded(run)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("moments", help="curated moments, reactions to a reply, moments from sessions")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the curated moments")
    show = actions.add_parser("show", help="one moment: the conversation so far and the state")
    show.add_argument("moment", metavar="ID")
    react = actions.add_parser("react", help="the person's reaction to a reply at a moment")
    react.add_argument("moment", metavar="ID")
    react.add_argument("reply")
    for q in (listing, show, react):
        q.add_argument("--json", action="store_true", help="print JSON")
        q.set_defaults(handler=_curated)
    turn = actions.add_parser("from-turn", help="make a moment from a turn of a session "
                                                "(supervisors and admins)")
    turn.add_argument("session")
    turn.add_argument("turn", type=int, metavar="TURN_INDEX",
                      help="the trainee's reply, counting from 1: the moment they answered")
    turn.add_argument("--save", metavar="DIR", help="write the moment to DIR/{id}.yaml")
    turn.add_argument("--json", action="store_true", help="print JSON")
    add_as(turn)
    turn.set_defaults(handler=_from_turn)

