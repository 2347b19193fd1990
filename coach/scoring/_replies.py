"""Scoring a CSV of replies: every good row coded (code, stance, cues) and, when the row's
moment is a curated moment or a persona is given, the person's reaction to it; rows
ranked so that rank 1 is the reply the person would respond to best. A bad row is
reported by its line number and skipped; the rest are still scored.

The CSV's header is ``id,moment,reply`` or ``id,reply``, with an optional ``context``
column, in any order. ``moment`` holds a moment id (``debs_take_him_into_care``) or the
person's words verbatim; words that are a curated moment's last words, or the start of
them (ignoring case and punctuation), are that moment. A value that looks like an id (lower case with
an underscore, no spaces) but names no moment is a bad row rather than words, so a typo
is not silently scored against the wrong thing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from coach.coding import CodeResult, InvalidReply, reply_text
from coach.moments import Moment, MomentError, Reaction, Reactor
from coach.scoring._input import ScoringError
from coach.text import counted

REQUIRED = ("id", "reply")
OPTIONAL = ("moment", "context")
MAX_ROWS = 5000
MIN_QUOTE = 5  # words: a shorter quotation could begin many things people say  # a reaction takes tens of milliseconds: beyond this, split the file
_ID_LIKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}; skipped"


@dataclass(frozen=True)
class ScoredReply:
    line: int
    id: str
    reply: str
    moment: str | None  # the curated moment's id, "adhoc" for words, None for none
    coded: CodeResult
    reaction: Reaction | None
    rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        """``{"id", "code", "stance", "cues", "reaction", "rank"}``."""
        return {
            "id": self.id,
            "code": self.coded.code,
            "stance": self.coded.stance,
            "cues": list(self.coded.cues),
            "reaction": self.reaction.to_dict() if self.reaction else None,
            "rank": self.rank,
        }


@dataclass(frozen=True)
class ReplyScores:
    name: str
    rows: tuple[ScoredReply, ...]  # in the file's order
    problems: tuple[Problem, ...]

    @property
    def ranked(self) -> list[ScoredReply]:
        return sorted(self.rows, key=lambda r: (r.rank, r.line))

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.rows]


def _norm(words: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", words.lower()).split())


def _rank_key(row: ScoredReply) -> tuple[float, int, float]:
    """Higher is better: how much more receptive the person becomes, then what the reply
    unlocks, then how outcomes-focused it is (the only measure when there is no persona)."""
    change = row.reaction.receptivity_change if row.reaction else 0.0
    unlocks = len(row.reaction.unlocks) if row.reaction else 0
    return (round(change, 4), unlocks, round(row.coded.outcomes_score, 4))


def rank(rows: list[ScoredReply]) -> list[ScoredReply]:
    """Competition ranks (1, 2, 2, 4): replies that score the same share a rank."""
    keys = [_rank_key(r) for r in rows]
    ordered = sorted(set(keys), reverse=True)
    first = {}
    position = 1
    for key in ordered:
        first[key] = position
        position += keys.count(key)
    return [replace(r, rank=first[k]) for r, k in zip(rows, keys, strict=True)]


class _Resolver:
    """Which moment, if any, a row's reply answers."""

    def __init__(self, reactor: Reactor, moments: Mapping[str, Moment], persona: str | None):
        self.reactor = reactor
        self.moments = moments
        self.persona = persona
        self.by_words = {(m.persona, _norm(m.last_words)): m for m in moments.values()}
        self._adhoc: dict[str, Moment] = {}

    def _curated(self, words: str) -> Moment | None:
        """The one curated moment these are the last words of, or whose last words they
        begin (a quotation of its first sentences, at least MIN_QUOTE words long)."""
        said = _norm(words)
        if not said:
            return None
        exact = [m for (_, w), m in self.by_words.items() if w == said]
        if exact:
            return exact[0] if len(exact) == 1 else None
        if len(said.split()) < MIN_QUOTE:
            return None
        begun = [m for (_, w), m in self.by_words.items() if w.startswith(said + " ")]
        return begun[0] if len(begun) == 1 else None

    def moment(self, value: str, context: str) -> Moment | None:
        value = value.strip()
        if value in self.moments:
            found = self.moments[value]
            if self.persona and found.persona != self.persona:
                raise MomentError(
                    f"moment {value!r} is with {found.persona!r}, not --persona {self.persona!r}"
                )
            return found
        if _ID_LIKE.match(value):
            raise MomentError(f"no moment {value!r}; give a moment id or the person's words")
        words = value or context.strip()
        curated = self._curated(words)
        if curated and (self.persona is None or curated.persona == self.persona):
            return curated
        if self.persona is None:
            return None
        if not words:
            # No words at all: the person as they open the visit.
            words = self.reactor.engine(self.persona).card.lines.opening[0].text
        if words not in self._adhoc:
            self._adhoc[words] = self.reactor.moment_from_words(self.persona, words)
        return self._adhoc[words]


class _Lines:
    """The file's lines for the CSV reader, noting where each record starts (a quoted
    reply may span lines, and blank lines are skipped), so problems name the right line."""

    def __init__(self, text: str) -> None:
        # Split as the csv module expects a file opened with newline="" to be split.
        self._lines = list(io.StringIO(text, newline=""))
        self.number = 0
        self.start = 0
        self._waiting = True

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.number >= len(self._lines):
            raise StopIteration
        line = self._lines[self.number]
        self.number += 1
        if self._waiting and line.strip():
            self.start, self._waiting = self.number, False
        return line

    def next_record(self) -> None:
        self._waiting = True

    def read_again_after(self, line: int) -> None:
        """Go back to just after ``line``: the lines an unclosed quote swallowed are rows
        of their own, not part of one reply."""
        self.number = line
        self._waiting = True


_NEVER_CLOSED = "a quote is opened here and never closed"


def _explain(exc: csv.Error) -> str | None:
    """What a strict reader's complaint means to a person, or None when it is not one
    the rest of the file can be read after."""
    message = str(exc)
    if "unexpected end of data" in message:
        return _NEVER_CLOSED
    if "expected after" in message:
        return ("a closing quote is followed by more text (put the whole value in double "
                'quotes, and write a quote inside it as two: "")')
    return None


def _records(reader: csv.DictReader[str], lines: _Lines,
             problems: list[Problem]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each record with the line it starts on. A record the reader refuses is a problem
    on that line, and reading carries on after it; after a quote that is never closed,
    the lines it swallowed are read again as rows of their own."""
    lines.next_record()
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = lines.start
            message = _explain(exc)
            if message is None:
                problems.append(Problem(line, f"the CSV cannot be read from here on ({exc})"))
                return
            problems.append(Problem(line, message))
            if message == _NEVER_CLOSED:
                lines.read_again_after(line)
            lines.next_record()
            continue
        line = lines.start
        lines.next_record()
        yield line, record


def _rows(text: str) -> tuple[list[str], csv.DictReader[str], _Lines]:
    lines = _Lines(text)
    # strict: a quote never closed is an error to report, not a reply that silently
    # runs on to the end of the file and swallows the rows after it.
    reader = csv.DictReader(lines, restkey="\0extra", restval=None, strict=True)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise ScoringError(f"the first line is not a CSV header ({_explain(exc) or exc})"
                           ) from None
    if not header or not any(h.strip() for h in header):
        raise ScoringError("the CSV is empty: the first line should be a header such as id,moment,reply")
    names = [h.strip().lower() for h in header]
    reader.fieldnames = names
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ScoringError(
            f"the CSV has no {' or '.join(repr(m) for m in missing)} column (its header is "
            f"{','.join(h.strip() for h in header)!r}); expected id,moment,reply or id,reply, "
            "with an optional context column"
        )
    dupes = sorted({n for n in names if names.count(n) > 1 and n})
    if dupes:
        raise ScoringError(f"the CSV header names {', '.join(dupes)} more than once")
    return names, reader, lines


def score_replies(
    text: str,
    *,
    name: str,
    coder: Any,
    reactor: Reactor,
    moments: Mapping[str, Moment],
    persona: str | None = None,
) -> ReplyScores:
    """Score every good row of a replies CSV. ``ScoringError`` when nothing can be scored
    (no header, a missing column, no rows, no good rows, an unknown ``persona``)."""
    if persona is not None:
        try:
            reactor.engine(persona)
        except MomentError as exc:
            raise ScoringError(str(exc)) from None
    names, reader, lines = _rows(text)
    resolver = _Resolver(reactor, moments, persona)
    rows: list[ScoredReply] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, record in _records(reader, lines, problems):
        cells = [v for v in record.values() if isinstance(v, str)]
        if not record.get("\0extra") and not any(c.strip() for c in cells):
            continue  # a blank line (or only commas) is not a row
        if "\0extra" in record or any(record.get(n) is None for n in names):
            got = len(names) + len(record.get("\0extra") or ()) - sum(
                record.get(n) is None for n in names)
            problems.append(Problem(line, f"{counted(got, 'field')} where the header has "
                                          f"{len(names)} (put a reply with commas in double "
                                          "quotes)"))
            continue
        values = {k: (v or "").strip() for k, v in record.items()}
        row_id = values["id"]
        if not row_id:
            problems.append(Problem(line, "the id is empty"))
            continue
        if row_id in seen:
            problems.append(Problem(line, f"id {row_id!r} is already used on line {seen[row_id]}"))
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(Problem(line, f"more than {MAX_ROWS} rows; split the file"))
            break
        try:
            reply = reply_text(values["reply"])
            moment = resolver.moment(values.get("moment", ""), values.get("context", ""))
            if moment is not None:
                reaction: Reaction | None = reactor.react(moment, reply)
                assert reaction is not None
                coded = reaction.coded
            else:
                reaction = None
                context = values.get("moment") or values.get("context") or None
                coded = coder.code(reply, context=context)
        except (InvalidReply, MomentError) as exc:
            problems.append(Problem(line, str(exc)))
            continue
        seen[row_id] = line
        rows.append(ScoredReply(line=line, id=row_id, reply=reply,
                                moment=moment.id if moment else None,
                                coded=coded, reaction=reaction))
    if not rows:
        detail = "; ".join(str(p) for p in problems[:5]) if problems else "the CSV has a header but no rows"
        raise ScoringError(f"no reply could be scored: {detail}")
    return ReplyScores(name=name, rows=tuple(rank(rows)), problems=tuple(problems))
