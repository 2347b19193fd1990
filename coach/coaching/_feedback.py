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

from coach.coaching._rubric import HintRule, HintWhen, Rubric, load_rubric
from coach.coding import CODE_LABELS, STANCE_LABELS, CodeResult, Moment, load_moments
from coach.retrieval import Citation, Citer, Search
from coach.text import escape_markdown

__all__ = ["ExemplarIndex", "ExemplarPick", "Hint", "hint_for", "person_cues", "turn_feedback"]

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

    def to_markdown(self) -> str:
        out = [f"**Try next: {self.skill_label.lower()}.** {escape_markdown(self.suggestion)}"]
        if self.citation:
            out.append(f"> “{escape_markdown(self.citation.snippet)}”  \n> — {escape_markdown(self.citation.citation)}")
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
    ) -> ExemplarPick | None:
        """The reply with code ``skill`` from the moment most like ``context``."""
        if not self.moments:
            return None
        query = np.asarray(self.embedder.embed([context or " "])[0], dtype=np.float32)
        sims = self.vectors @ query
        locked_phrases = [p.lower() for p in locked or () if p.strip()]
        best: tuple[tuple[int, float], Moment, Any, float] | None = None
        for moment, sim, text in zip(self.moments, sims, self._texts, strict=True):
            same = persona_id is not None and moment.persona == persona_id
            if same and (locked is None or any(p in text for p in locked_phrases)):
                continue  # might reveal something the trainee has not uncovered yet
            score = float(sim) + (SAME_PERSONA_BONUS if same else 0.0)
            for reply in moment.replies:
                # Transcribed speech ("um, so, what's...") trains the coder well but makes a
                # poor model answer to show a trainee.
                if reply.code != skill or "spoken" in reply.tags:
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
    context: str, last_codes: Sequence[CodeResult], rubric: Rubric | None = None
) -> HintRule:
    rubric = rubric or load_rubric()
    cues = person_cues(context, rubric)
    for rule in rubric.hints.rules:
        if _holds(rule.when, last_codes, cues):
            return rule
    return rubric.hints.rules[-1]  # unreachable: the rubric's last rule has no conditions


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
) -> Hint:
    """What to try next. ``context`` is what the person just said (the last person line in
    ``history`` is used when it is empty); ``locked`` lists words of the persona's
    still-hidden items, so that exemplars from the same persona can be shown safely."""
    rubric = rubric or load_rubric()
    if not context.strip():
        context = next((text for speaker, text in reversed(history) if speaker == "person"), "")
    rule = choose_hint_rule(context, last_codes, rubric)
    suggestion = rule.suggestion.format(
        question_run=_question_run(last_codes), replies_since_summary=_since_summary(last_codes)
    )
    citer = Citer(search)
    citation = citer.cite(rule.query, rule.keywords)
    exemplar = exemplars.pick(context, rule.skill, persona_id, locked) if exemplars else None
    notes = [citer.note()] if citation is None else []
    if exemplar is None:
        notes.append("No example reply is available for this moment.")
    return Hint(
        rule=rule.id, skill=rule.skill, skill_label=CODE_LABELS[rule.skill],
        suggestion=suggestion, citation=citation, exemplar=exemplar,
        note=" ".join(n for n in notes if n) or None,
    )


def turn_feedback(coded: CodeResult, search: Search | None = None, rubric: Rubric | None = None) -> str:
    """One or two sentences naming the reply's code and stance, with a short quotation
    from the guidance when ``search`` is given."""
    rubric = rubric or load_rubric()
    about = rubric.turn_feedback.codes[coded.code]
    label = CODE_LABELS.get(coded.code, coded.code)
    stance = STANCE_LABELS.get(coded.stance, coded.stance)
    text = f"{label} ({stance.lower()}): {about.text} {rubric.turn_feedback.stances[coded.stance]}"
    if search is not None:
        cited = Citer(search).cite(about.query, about.keywords)
        if cited:
            text += f" Guidance: “{cited.snippet}” ({cited.title}; {cited.source})."
    return text
