"""Hints and per-turn feedback for the practice screen.

A hint says which skill to try next and why (a rule in knowledge/rubric.yaml decides,
from the trainee's last codes and what the person just said), cites retrieved guidance,
and shows an exemplar reply from knowledge/exemplars/ whose moment is closest in meaning
to the current one:

    exemplars = ExemplarIndex.load(settings.knowledge.exemplars_dir)   # once
    hint = hint_for(context, history, last_codes, "debs", search, exemplars, locked=[...])
    turn_feedback(coded)   # "Open question (Outcomes-focused): it invites …"

Hidden material stays hidden: exemplars for the same persona can mention things the
trainee has not uncovered yet, so they are used only when the caller says what is still
locked (``locked``), and then only if they mention none of it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from cachetools import LRUCache

from coach.coaching._quote import CleanCiter, source_label
from coach.coaching._rubric import HintRule, HintWhen, Rubric, load_rubric
from coach.coding import CODE_LABELS, CodeResult, Moment, load_moments
from coach.retrieval import Citation, Search
from coach.text import escape_markdown

__all__ = ["ExemplarIndex", "ExemplarPick", "Hint", "HintMemo", "Secrets", "hint_for", "person_cues"]

SAME_PERSONA_BONUS = 0.05  # a near-tie goes to the same person's moment
# Preference among replies with the suggested code: outcomes-focused clear cases first,
# then outcomes-focused hard cases (ambiguous by design), then neutral; never paperwork.
_TIERS = (("outcomes", False), ("outcomes", True), ("neutral", False), ("neutral", True))


@dataclass(frozen=True)
class ExemplarPick:
    text: str
    code: str
    code_label: str
    stance: str
    moment_id: str
    persona: str | None
    context: str  # what the person had said in that exemplar moment
    similarity: float

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class HintMemo:
    """What the previous hint said, so the next one says something else. Held by the
    caller (the practice screen keeps it per browser) and passed back in."""

    rule: str
    skill: str
    chunk_id: str = ""
    snippet: str = ""
    exemplar: str = ""


@dataclass(frozen=True)
class Hint:
    rule: str
    skill: str
    skill_label: str
    suggestion: str
    citation: Citation | None
    exemplar: ExemplarPick | None
    note: str | None = None  # why the citation or the exemplar is missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "skill": self.skill, "skill_label": self.skill_label,
            "suggestion": self.suggestion,
            "citation": self.citation.to_dict() if self.citation else None,
            "exemplar": self.exemplar.to_dict() if self.exemplar else None,
            "note": self.note,
        }

    def memo(self) -> HintMemo:
        return HintMemo(
            rule=self.rule, skill=self.skill,
            chunk_id=self.citation.chunk_id if self.citation else "",
            snippet=self.citation.snippet if self.citation else "",
            exemplar=self.exemplar.text if self.exemplar else "",
        )

    def to_markdown(self) -> str:
        out = [f"**Try next: {self.skill_label.lower()}.** {escape_markdown(self.suggestion)}"]
        if self.citation:
            out.append(f"> “{escape_markdown(self.citation.snippet)}”  \n> — {escape_markdown(source_label(self.citation))}")
        if self.exemplar:
            ex = self.exemplar
            out.append(
                f"For example, when someone said “{escape_markdown(ex.context, 200)}”, a worker replied: "
                f"“{escape_markdown(ex.text)}” ({ex.code_label.lower()})."
            )
        if self.note:
            out.append(f"*{escape_markdown(self.note)}*")
        return "\n\n".join(out)


def _moment_text(moment: Moment) -> str:
    parts = [moment.context, *(t.text for t in moment.history), *(r.text for r in moment.replies)]
    return " ".join(parts).lower()


class ExemplarIndex:
    """Exemplar moments with their contexts embedded once, for fast nearest-moment lookups."""

    def __init__(self, moments: Sequence[Moment], vectors: np.ndarray, embedder: Any) -> None:
        self.moments = list(moments)
        self.vectors = vectors
        self.embedder = embedder
        self._texts = [_moment_text(m) for m in self.moments]
        self._telling_cache: dict[int, list[bool]] = {}

    def _telling(self, secrets: Secrets) -> list[bool]:
        """Which moments would give a secret away; worked out once per set of secrets."""
        key = hash(tuple(sorted(secrets.items())))
        cached = self._telling_cache.get(key)
        if cached is None:
            cached = [_tells_secrets(text, m.persona, secrets)
                      for m, text in zip(self.moments, self._texts, strict=True)]
            self._telling_cache = {key: cached}
        return cached

    @classmethod
    def load(cls, directory: Path | str, embedder: Any | None = None) -> ExemplarIndex:
        """Load and embed the exemplars in ``directory``; cached until a file changes."""
        directory = Path(directory)
        files = sorted(directory.glob("*.yaml"))
        key = (str(directory.resolve()), tuple((f.name, f.stat().st_mtime_ns) for f in files))
        with _index_lock:
            cached = _index_cache.get(key[0])
            if cached and cached[0] == key and (embedder is None or cached[1].embedder is embedder):
                return cached[1]
        if embedder is None:
            from coach.embedding import get_embedder

            embedder = get_embedder()
        moments = load_moments(directory)
        vectors = embedder.embed([m.context or " " for m in moments])
        index = cls(moments, np.asarray(vectors, dtype=np.float32), embedder)
        with _index_lock:
            _index_cache[key[0]] = (key, index)
        return index

    def pick(
        self,
        context: str,
        skill: str,
        persona_id: str | None = None,
        locked: Sequence[str] | None = None,
        *,
        secrets: Secrets | None = None,
        exclude: Sequence[str] = (),
    ) -> ExemplarPick | None:
        """The reply with code ``skill`` from the moment most like ``context``.

        ``secrets`` (persona id -> phrases of that person's hidden items: key phrases and
        the sentences of their hidden lines) keeps out every moment that would quote a
        hidden line of anyone, or give away a hidden item of the person it is about;
        ``exclude`` lists reply texts not to show again (the previous hint's)."""
        if not self.moments:
            return None
        query = np.asarray(self.embedder.embed([context or " "])[0], dtype=np.float32)
        sims = self.vectors @ query
        locked_phrases = [p.lower() for p in locked or () if p.strip()]
        shown_before = {" ".join(t.lower().split()) for t in exclude}
        telling = self._telling(secrets) if secrets is not None else None
        best: tuple[tuple[int, float], Moment, Any, float] | None = None
        for n, (moment, sim, text) in enumerate(zip(self.moments, sims, self._texts, strict=True)):
            same = persona_id is not None and moment.persona == persona_id
            if same and (locked is None or any(p in text for p in locked_phrases)):
                continue  # might reveal something the trainee has not uncovered yet
            if telling is not None and telling[n]:
                continue
            score = float(sim) + (SAME_PERSONA_BONUS if same else 0.0)
            for reply in moment.replies:
                # Transcribed speech ("um, so, what's...") trains the coder well but makes a
                # poor model answer to show a trainee.
                if reply.code != skill or "spoken" in reply.tags:
                    continue
                if " ".join(reply.text.lower().split()) in shown_before:
                    continue
                tier = next(
                    (n for n, (stance, hard) in enumerate(_TIERS)
                     if reply.stance == stance and ("hard_case" in reply.tags) == hard),
                    None,
                )
                if tier is None:
                    continue
                rank = (-tier, score)
                if best is None or rank > best[0]:
                    best = (rank, moment, reply, float(sim))
        if best is None:
            return None
        _, moment, reply, sim = best
        return ExemplarPick(
            text=reply.text, code=reply.code, code_label=CODE_LABELS[reply.code],
            stance=reply.stance, moment_id=moment.id, persona=moment.persona,
            context=moment.context, similarity=round(sim, 4),
        )


# persona id -> lower-cased phrases that would give that person's hidden items away.
Secrets = dict[str, tuple[str, ...]]
SECRET_SENTENCE_WORDS = 4  # hidden-line sentences this long or longer count as quotable


def _tells_secrets(text: str, persona: str | None, secrets: Secrets) -> bool:
    """Whether a moment's text quotes anyone's hidden line, or names a hidden item of the
    person the moment is about."""
    for owner, phrases in secrets.items():
        for phrase in phrases:
            quotable = len(phrase.split()) >= SECRET_SENTENCE_WORDS
            if (quotable or owner == persona) and phrase in text:
                return True
    return False


_index_lock = threading.Lock()
_index_cache: LRUCache[str, tuple[Any, ExemplarIndex]] = LRUCache(maxsize=4)


# --- what the person just said ---------------------------------------------------------------


@lru_cache(maxsize=8)
def _cue_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    parts = [
        r"\b" + re.escape(p[:-1].lower()) if p.endswith("*") else r"\b" + re.escape(p.lower()) + r"\b"
        for p in phrases
    ]
    return re.compile("|".join(parts))


def person_cues(text: str, rubric: Rubric | None = None) -> set[str]:
    """Which cue kinds (emotion, matters, strength) the person's words carry."""
    rubric = rubric or load_rubric()
    low = text.lower().replace("’", "'").replace("‘", "'")
    cues = rubric.hints.cues
    return {
        kind for kind in ("emotion", "matters", "strength")
        if _cue_pattern(tuple(getattr(cues, kind))).search(low)
    }


def _question_run(codes: Sequence[CodeResult]) -> int:
    run = 0
    for c in reversed(codes):
        if not c.is_question:
            break
        run += 1
    return run


def _since_summary(codes: Sequence[CodeResult]) -> int:
    n = 0
    for c in reversed(codes):
        if c.code == "summary":
            break
        n += 1
    return n


def _holds(when: HintWhen, codes: Sequence[CodeResult], cues: set[str]) -> bool:
    last = codes[-1] if codes else None
    checks = [
        when.last_code_in is None or (last is not None and last.code in when.last_code_in),
        when.last_stance_in is None or (last is not None and last.stance in when.last_stance_in),
        when.person_cue is None or when.person_cue in cues,
        when.question_run_at_least is None or _question_run(codes) >= when.question_run_at_least,
        when.replies_since_summary_at_least is None
        or _since_summary(codes) >= when.replies_since_summary_at_least,
        when.no_replies is None or (not codes) == when.no_replies,
    ]
    return all(checks)


def choose_hint_rule(
    context: str,
    last_codes: Sequence[CodeResult],
    rubric: Rubric | None = None,
    previous: HintMemo | None = None,
) -> HintRule:
    """The first rule that holds and suggests something new: never the skill the trainee
    has just used, nor the previous hint's advice (its rule or its skill)."""
    rubric = rubric or load_rubric()
    cues = person_cues(context, rubric)
    just_done = last_codes[-1].code if last_codes else None
    holding = [r for r in rubric.hints.rules if _holds(r.when, last_codes, cues)]
    for strict in (True, False):
        for rule in holding:
            if rule.skill == just_done:
                continue
            if previous and (rule.id == previous.rule or (strict and rule.skill == previous.skill)):
                continue
            return rule
    return holding[-1]  # the rubric's unconditional rules differ in skill: unreachable


def hint_for(
    context: str,
    history: Sequence[tuple[str, str]],
    last_codes: Sequence[CodeResult],
    persona_id: str | None,
    search: Search | None,
    exemplars: ExemplarIndex | None,
    *,
    locked: Sequence[str] | None = None,
    rubric: Rubric | None = None,
    previous: HintMemo | None = None,
    secrets: Secrets | None = None,
) -> Hint:
    """What to try next. ``context`` is what the person just said (the last person line in
    ``history`` is used when it is empty); ``locked`` lists words of the persona's
    still-hidden items, so that exemplars from the same persona can be shown safely;
    ``secrets`` keeps every person's hidden lines out of the example; ``previous`` is the
    last hint given, whose advice, quotation and example are not repeated."""
    rubric = rubric or load_rubric()
    if not context.strip():
        context = next((text for speaker, text in reversed(history) if speaker == "person"), "")
    rule = choose_hint_rule(context, last_codes, rubric, previous)
    suggestion = rule.suggestion.format(
        question_run=_question_run(last_codes), replies_since_summary=_since_summary(last_codes)
    )
    citer = CleanCiter(search)
    if previous and previous.chunk_id:
        citer.used.add(previous.chunk_id)  # a fresh passage first
    citation = citer.cite(rule.query, rule.keywords)
    if citation and previous and citation.snippet == previous.snippet:
        citation = None  # the same words twice in a row teach nothing new
    exemplar = exemplars.pick(
        context, rule.skill, persona_id, locked, secrets=secrets,
        exclude=[previous.exemplar] if previous and previous.exemplar else (),
    ) if exemplars else None
    notes = [citer.note()] if citation is None else []
    if exemplar is None:
        notes.append("No example reply is available for this moment.")
    return Hint(
        rule=rule.id, skill=rule.skill, skill_label=CODE_LABELS[rule.skill],
        suggestion=suggestion, citation=citation, exemplar=exemplar,
        note=" ".join(n for n in notes if n) or None,
    )
