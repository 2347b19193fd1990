"""``coach roleplay``: talk to a persona in the terminal, or run a script of trainee lines.

    coach roleplay --persona debs                       # interactive
    coach roleplay --persona debs --script FILE --json  # one trainee line per line of FILE

The JSON contract (kept stable for scripts and evals):
``{"persona", "turns": [{"learner", "reply", "code", "stance", "receptivity", "unlocked"}],
"unlocked": [ids], "hidden": [all hidden ids]}`` — turns also carry ``act``, ``mood`` and
``realiser``, and the top level ``ended``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from coach.cli._acting import BadInput, read_text
from coach.coding import CODE_LABELS, STANCE_LABELS, InvalidReply
from coach.settings import Settings
from coach.text import clean_text, is_blank
from coach.wiring import RealiserChoice, Wiring

if TYPE_CHECKING:
    from coach.roleplay import RoleplayEngine


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--persona", required=True, help="persona id, e.g. debs, britton, iris")
    p.add_argument("--script", type=Path, help="a file of trainee lines, one per line ('#' comments)")
    p.add_argument("--json", action="store_true", help="with --script: print the session as JSON")
    p.add_argument(
        "--realiser", choices=["auto", "scripted", "llm"], default="auto",
        help="scripted lines, or an LLM phrasing them (auto: LLM when COACH_LLM_* is set)",
    )
    p.add_argument("--seed", type=int, default=0, help="which opening line to use")


def read_script(path: Path, *, max_chars: int) -> list[str]:
    """The trainee lines of a script: blank lines and ``#`` comments skipped, every other
    line checked as the app checks a message before anything starts, so a bad line 40 does
    not leave a half-played session behind (``max_chars``: the settings' limit on a
    message). BadInput names the file and the line."""
    lines = []
    for number, raw in enumerate(read_text(path).splitlines(), 1):
        line = clean_text(raw)
        if not line or line.startswith("#"):
            continue
        if is_blank(line):
            raise BadInput(f"{path}, line {number} shows nothing (only invisible characters); "
                           "delete it or write out the reply. Nothing was started.")
        if len(line) > max_chars:
            raise BadInput(f"{path}, line {number} has {len(line):,} characters; a reply is "
                           f"limited to {max_chars:,}. Nothing was started.")
        lines.append(line)
    if not lines:
        raise BadInput(f"{path} has no lines to say (blank lines and lines starting with # "
                       "are skipped).")
    return lines


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def build_engine(settings: Settings, persona: str, realiser: RealiserChoice = "scripted",
                 *, notices: TextIO | None = None) -> RoleplayEngine:
    """The engine for ``persona`` with the configured coder; raises ValueError with a
    message. What the wiring had to fall back on is written to ``notices``."""
    from coach.roleplay import PersonaError

    parts = Wiring(settings, realiser=realiser)
    try:
        cards = parts.personas
    except PersonaError as exc:
        raise ValueError(str(exc)) from exc
    if persona not in cards:
        raise ValueError(f"no persona {persona!r}; choose from {', '.join(sorted(cards))}")
    try:
        _ = parts.coder
    except (ImportError, OSError, ValueError) as exc:
        raise ValueError(f"the coder is not available: {exc}") from exc
    engine = parts.engine(persona)  # WiringError (a ValueError) if the realiser cannot be had
    for notice in parts.notices:
        print(f"note: {notice}", file=notices or sys.stderr)
    return engine


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.json and not args.script:
        return _fail("--json needs --script FILE")
    script: list[str] | None = None
    if args.script:
        try:
            script = read_script(args.script, max_chars=settings.app.max_message_chars)
        except BadInput as exc:
            return _fail(str(exc))
    try:
        engine = build_engine(settings, args.persona, args.realiser)
    except ValueError as exc:
        return _fail(str(exc))
    if script is not None:
        session = run_script(engine, script, seed=args.seed)
        if args.json:
            print(json.dumps(session, ensure_ascii=False, indent=2))
        else:
            _print_transcript(engine, session)
        return 0
    return interactive(engine, seed=args.seed)


def run_script(engine, lines: Sequence[str], *, seed: int = 0) -> dict[str, Any]:
    """Play the trainee lines in order; stops early if the person ends the conversation."""
    state = engine.start(seed=seed)
    opening = engine.opening(state)
    turns = []
    for line in lines:
        if state.ended:
            break
        outcome = engine.respond(state, line)
        turns.append({
            "learner": outcome.learner,
            "reply": outcome.reply,
            "code": outcome.coded.code,
            "stance": outcome.coded.stance,
            "receptivity": outcome.receptivity,
            "unlocked": list(outcome.unlocked),
            "act": outcome.act,
            "mood": outcome.mood,
            "realiser": outcome.realiser,
        })
    return {
        "persona": engine.card.id,
        "opening": opening,
        "turns": turns,
        "unlocked": list(state.unlocked),
        "hidden": [item.id for item in engine.card.hidden.items],
        "start_receptivity": state.start_receptivity,
        "ended": state.ended,
    }


def _print_transcript(engine, session: dict[str, Any], out: TextIO = sys.stdout) -> None:
    name = engine.card.brief.name
    print(f"{name}: {session['opening']}", file=out)
    for turn in session["turns"]:
        print(f"\nYou: {turn['learner']}", file=out)
        print(f"   [{CODE_LABELS[turn['code']]} · {STANCE_LABELS[turn['stance']]}] "
              f"receptivity {turn['receptivity']:.2f} · {turn['mood']}", file=out)
        print(f"{name}: {turn['reply']}", file=out)
    print(f"\nUnlocked {len(session['unlocked'])} of {len(session['hidden'])}: "
          f"{', '.join(session['unlocked']) or 'none'}", file=out)


def interactive(engine, *, seed: int = 0, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    card = engine.card
    brief = card.brief
    age = f", {brief.age}" if brief.age else ""
    print(f"== {brief.name}{age} ==\nYou are: {brief.role_of_trainee}\n\n{brief.situation}\n\n"
          f"Why you're visiting: {brief.why_visiting}\nYour goal: {brief.your_goal}\n\n"
          "Type what you would say. /status shows how it's going, /end finishes.\n", file=out)
    state = engine.start(seed=seed)
    print(f"{brief.name}: {engine.opening(state)}\n", file=out)
    while not state.ended:
        print("You: ", end="", file=out, flush=True)
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if text in ("/end", "/quit"):
            break
        if text == "/status":
            view = engine.public_view(state)
            titles = "; ".join(u["title"] for u in view["unlocked"]) or "nothing yet"
            print(f"   receptivity {view['receptivity']:.2f} · {view['mood']} · shared: {titles} · "
                  f"{view['still_hidden']} still hidden\n", file=out)
            continue
        try:
            outcome = engine.respond(state, text)
        except InvalidReply as exc:
            print(f"   ({exc})\n", file=out)
            continue
        changes = ", ".join(f"{reason} {delta:+.2f}" for reason, delta in outcome.changes)
        print(f"   [{CODE_LABELS[outcome.coded.code]} · {STANCE_LABELS[outcome.coded.stance]}] "
              f"receptivity {outcome.receptivity:.2f} · mood: {outcome.mood}"
              + (f" · {changes}" if changes else ""), file=out)
        for item_id in outcome.unlocked:
            print(f"   ✔ {brief.name} shared: {engine.title(item_id, state)}", file=out)
        if outcome.fallback_reason:
            print(f"   (scripted line used: {outcome.fallback_reason})", file=out)
        print(f"{brief.name}: {outcome.reply}\n", file=out)
    engine.finish(state)
    report = engine.debrief(state)
    print(f"-- Session over after {report['turns']} turns: receptivity "
          f"{report['start_receptivity']:.2f} → {report['end_receptivity']:.2f} ({report['mood']}).",
          file=out)
    for row in report["items"]:
        mark = f"✔ turn {row['unlocked_at']}" if row["unlocked"] else "✘ not reached"
        print(f"   {mark:16s} {row['title']}", file=out)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("roleplay", help="talk to a persona, or run a script of trainee lines")
    add_arguments(p)
    p.set_defaults(handler=run)
