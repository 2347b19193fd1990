"""The person's conversational checks, for ``python -m evals persona``:

* **topic fit** — every labelled trainee turn in evals/datasets/topic_fit.yaml (written
  for this eval) is played from a fresh session (after its ``before`` turns), and scores
  1 when the reply addresses the labelled topic: the line said is one of the card's lines
  for it (a question kind under ``lines.topics`` or a hidden item), or it says one of the
  row's ``words``. Pass: a share of at least ``TOPIC_FIT_PASS``.
* **repetition** — one good reply sent ten times: the nine repeats never raise
  receptivity and never unlock anything (what the first sending earned is reported).
* **headroom** — the 15-turn outcomes-style scripts: the last hidden item they reach comes
  no earlier than turn 10, and receptivity still moves (up or down) in turns 10–15.
* **variety** — five sessions with five different openers (and seeds) give at least three
  different first replies; three sessions with the same opener, each told the lines of
  the sessions before (as the service does), never repeat a first reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evals.common import PROJECT_ROOT

TOPIC_FIT = PROJECT_ROOT / "evals" / "datasets" / "topic_fit.yaml"
TOPIC_FIT_PASS = 0.85
REPEATS = 10
HEADROOM_TURNS = 15
LAST_ITEM_NOT_BEFORE = 10
MOVES_FROM = 10
MIN_FIRST_REPLIES = 3
OPENERS = (
    "Hello, thanks for seeing me today. How are you doing?",
    "I'm here because of the referral we received. Can we talk about it?",
    "How are you feeling about me coming round?",
    "Tell me a bit about how things are at the moment.",
    "Is it alright if I sit down?",
)
REPEATED = "It sounds like things have been really hard lately."


@dataclass
class TopicFit:
    rows: int = 0
    addressed: int = 0
    by_persona: dict[str, list[int]] = field(default_factory=dict)  # id -> [addressed, rows]
    misses: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.addressed / self.rows if self.rows else 0.0

    @property
    def passed(self) -> bool:
        return self.rows >= 60 and self.share >= TOPIC_FIT_PASS


def load_topic_rows(path: Path = TOPIC_FIT) -> list[dict[str, Any]]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    for n, row in enumerate(rows, 1):
        missing = {"persona", "say", "topic"} - set(row)
        if missing:
            raise SystemExit(f"{path.name} row {n}: missing {sorted(missing)}")
    return rows


def addresses(key: str, reply: str, topic: str, words: list[str]) -> bool:
    if key.startswith((f"topic.{topic}.", f"item.{topic}.")):
        return True
    low = reply.lower()
    return any(w.lower() in low for w in words)


def run_topic_fit(engines: dict[str, Any], rows: list[dict[str, Any]]) -> TopicFit:
    fit = TopicFit()
    for row in rows:
        engine = engines[row["persona"]]
        state = engine.start()
        engine.opening(state)
        for line in row.get("before", []):
            engine.respond(state, line)
        outcome = engine.respond(state, row["say"])
        ok = addresses(state.used_lines[-1], outcome.reply, row["topic"], row.get("words", []))
        fit.rows += 1
        fit.addressed += ok
        tally = fit.by_persona.setdefault(row["persona"], [0, 0])
        tally[0] += ok
        tally[1] += 1
        if not ok:
            fit.misses.append(f"{row['persona']} [{row['topic']}] {row['say']!r} -> {outcome.reply!r}")
    return fit


@dataclass
class Repetition:
    persona: str
    receptivity: list[float]
    unlocked: list[str]  # by the repeats
    unlocked_first: list[str]  # by the first sending, which is not a repeat

    @property
    def passed(self) -> bool:
        first = self.receptivity[0]
        return not self.unlocked and all(r <= first for r in self.receptivity[1:])


def run_repetition(engines: dict[str, Any]) -> list[Repetition]:
    out = []
    for pid, engine in engines.items():
        state = engine.start()
        engine.opening(state)
        values, unlocked, first = [], [], []
        for n in range(REPEATS):
            if state.ended:
                break
            outcome = engine.respond(state, REPEATED)
            values.append(outcome.receptivity)
            (unlocked if n else first).extend(outcome.unlocked)
        out.append(Repetition(pid, values, unlocked, first))
    return out


@dataclass
class Headroom:
    persona: str
    last_item_turn: int | None
    late_moves: int  # turns 10–15 whose receptivity differs from the turn before
    trajectory: list[float]

    @property
    def passed(self) -> bool:
        return (self.last_item_turn is not None and self.last_item_turn >= LAST_ITEM_NOT_BEFORE
                and self.late_moves > 0)


def run_headroom(engines: dict[str, Any], scripts: Path, read_lines: Any) -> list[Headroom]:
    out = []
    for pid, engine in engines.items():
        lines = read_lines(scripts / f"{pid}-outcomes.txt")
        if len(lines) != HEADROOM_TURNS:
            raise SystemExit(f"{pid}-outcomes.txt has {len(lines)} turns; headroom needs {HEADROOM_TURNS}")
        state = engine.start()
        engine.opening(state)
        values = [state.receptivity]
        for line in lines:
            if state.ended:
                break
            values.append(engine.respond(state, line).receptivity)
        last = max(state.unlocked.values()) if state.unlocked else None
        late = sum(1 for t in range(MOVES_FROM, len(values)) if values[t] != values[t - 1])
        out.append(Headroom(pid, last, late, values[1:]))
    return out


@dataclass
class Variety:
    persona: str
    first_replies: list[str]
    repeated_across_sessions: int  # same opener, recent lines passed on

    @property
    def passed(self) -> bool:
        return len(set(self.first_replies)) >= MIN_FIRST_REPLIES and not self.repeated_across_sessions


def run_variety(engines: dict[str, Any]) -> list[Variety]:
    out = []
    for pid, engine in engines.items():
        firsts = []
        for seed, opener in enumerate(OPENERS):
            state = engine.start(seed=seed)
            engine.opening(state)
            firsts.append(engine.respond(state, opener).reply)
        # The service passes the lines of the trainee's last three sessions with this person.
        recent: list[list[str]] = []
        seen, repeats = set(), 0
        for seed in range(3):
            state = engine.start(seed=seed, recent_lines=[k for s in recent[-3:] for k in s])
            engine.opening(state)
            reply = engine.respond(state, OPENERS[0]).reply
            repeats += reply in seen
            seen.add(reply)
            recent.append(list(state.used_lines))
        out.append(Variety(pid, firsts, repeats))
    return out


def print_checks(fit: TopicFit, reps: list[Repetition], heads: list[Headroom],
                 varieties: list[Variety]) -> None:
    print(f"Topic fit — {fit.rows} labelled trainee turns, scripted realiser, real coder")
    for pid, (ok, n) in fit.by_persona.items():
        print(f"  {pid:<14}{ok:>3}/{n:<3} {ok / n:.0%}")
    print(f"  overall       {fit.addressed}/{fit.rows} = {fit.share:.2f} "
          f"(pass ≥ {TOPIC_FIT_PASS})  {'✔' if fit.passed else '✘'}")
    for miss in fit.misses:
        print(f"  miss: {miss}")
    print()
    print(f"Repetition — the same reply sent {REPEATS} times: {REPEATED!r}")
    for r in reps:
        print(f"  {r.persona:<14}receptivity {' '.join(f'{v:.2f}' for v in r.receptivity)}"
              f"  unlocked by a repeat {len(r.unlocked)} (by the first sending "
              f"{len(r.unlocked_first)})  {'✔' if r.passed else '✘'}")
    print()
    print(f"Headroom — outcomes-style scripts of {HEADROOM_TURNS} turns: last item at turn "
          f"≥ {LAST_ITEM_NOT_BEFORE}, receptivity moving in turns {MOVES_FROM}–{HEADROOM_TURNS}")
    for h in heads:
        print(f"  {h.persona:<14}last item at turn {h.last_item_turn}  moves in 10–15: {h.late_moves}  "
              f"{' '.join(f'{v:.2f}' for v in h.trajectory)}  {'✔' if h.passed else '✘'}")
    print()
    print(f"Variety — first replies to {len(OPENERS)} different openers (pass ≥ {MIN_FIRST_REPLIES} "
          "different); the same opener in 3 sessions with recent lines passed on")
    for v in varieties:
        print(f"  {v.persona:<14}{len(set(v.first_replies))} different; repeated across sessions "
              f"{v.repeated_across_sessions}  {'✔' if v.passed else '✘'}")
    print()


def checks_passed(fit: TopicFit, reps: list[Repetition], heads: list[Headroom],
                  varieties: list[Variety]) -> bool:
    return (fit.passed and all(r.passed for r in reps) and all(h.passed for h in heads)
            and all(v.passed for v in varieties))
