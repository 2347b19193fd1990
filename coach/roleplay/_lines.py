"""The person's scripted lines, embedded once per card, and how one is chosen.

Every authored line gets a stable key (``answer.warming.2``, ``item.money.0``,
``opening.any.1``) so a session can remember what has been said and never say it twice.
Within a bank the line chosen is the unused one closest in meaning to what the trainee
just said (bundled MiniLM embeddings), so replies stay on the trainee's topic.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from cachetools import LRUCache

from coach.roleplay._cards import MOODS, PersonaCard
from coach.text import split_sentences


class Embeds(Protocol):
    """What the engine needs of an embedder: unit vectors for texts."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


# When a bank has nothing left to say, the person falls back to a neighbouring act of
# the same temper rather than repeating themselves.
FALLBACK_ACTS: dict[str, tuple[str, ...]] = {
    "deflect": ("deflect", "short_answer", "defend"),
    "defend": ("defend", "deflect", "short_answer"),
    "short_answer": ("short_answer", "answer", "deflect"),
    "answer": ("answer", "short_answer"),
    "agree_plan": ("agree_plan", "answer"),
    "end": ("end", "defend"),
    "off_topic": ("off_topic", "deflect", "short_answer"),
    "disclose": ("answer", "short_answer"),
}
# A specific plan (one that builds on what the person has shared) beats a generic one.
NEEDS_BONUS = 0.15


@dataclass(frozen=True)
class LineEntry:
    key: str
    act: str
    mood: str  # a MoodKey, or "any"
    text: str
    needs: tuple[str, ...] = ()
    about: str | None = None


# How much a line written for another mood is discounted against one for the current
# mood, per step: a line that answers the trainee's point in a slightly different temper
# beats one in the right temper about something else. Warmer than the person feels is
# discounted more than cooler: opening up too soon is the worse mistake.
WARMER_PENALTY = 0.15
COOLER_PENALTY = 0.08


def _mood_penalty(mood: str, line_mood: str) -> float:
    if line_mood == "any":
        return 0.05
    steps = MOODS.index(line_mood) - MOODS.index(mood)  # type: ignore[arg-type]
    return steps * WARMER_PENALTY if steps > 0 else -steps * COOLER_PENALTY


def prefix_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    """Topic words match as word prefixes ('argu' finds 'argument', 'arguing')."""
    parts = sorted((re.escape(p.lower().strip()) for p in phrases if p.strip()), key=len, reverse=True)
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")", re.IGNORECASE)


class CardIndex:
    """A card's lines and topics with their embeddings."""

    def __init__(self, card: PersonaCard, embedder: Embeds) -> None:
        self.card = card
        self.embedder = embedder  # held so the cache key's id() stays unique
        entries: list[LineEntry] = [
            LineEntry(f"opening.any.{i}", "opening", "any", line.text, line.needs, line.about)
            for i, line in enumerate(card.lines.opening)
        ]
        for act in FALLBACK_ACTS:
            if act == "disclose":
                continue
            for mood, lines in card.lines.bank(act).items():
                entries += [
                    LineEntry(f"{act}.{mood}.{i}", act, mood, line.text, line.needs, line.about)
                    for i, line in enumerate(lines)
                ]
        for item in card.hidden.items:
            entries += [
                LineEntry(f"item.{item.id}.{i}", "disclose", item.id, text)
                for i, text in enumerate(item.lines)
            ]
        self.entries = entries
        self.by_key = {e.key: e for e in entries}
        self._row = {e.key: n for n, e in enumerate(entries)}
        self.item_ids = [item.id for item in card.hidden.items]
        topic_texts = [item.unlock.topic_text or item.title for item in card.hidden.items]
        # Statements are embedded with the lines: the leak guard compares against both.
        statements = [item.statement or item.title for item in card.hidden.items]
        abouts = [e.about for e in entries if e.about]
        # The brief and the voice hold nothing hidden: a sentence closest to them gives
        # nothing away.
        brief = card.brief
        public = split_sentences(" ".join(
            [brief.situation, brief.why_visiting, brief.your_goal, card.voice.summary,
             *card.voice.notes]
        ))
        vectors = embedder.embed(
            [e.text for e in entries] + topic_texts + statements + abouts + public
        )
        n, m = len(entries), len(topic_texts)
        self.line_vectors = vectors[:n]
        self.topic_vectors = vectors[n : n + m]
        self.statement_vectors = vectors[n + m : n + 2 * m]
        # A line with an ``about`` is matched on its words and its subject together.
        self.match_vectors = self.line_vectors.copy()
        about_rows = [row for row, e in enumerate(entries) if e.about]
        n_about = len(about_rows)
        for row, vector in zip(about_rows, vectors[n + 2 * m : n + 2 * m + n_about], strict=True):
            combined = self.line_vectors[row] + vector
            self.match_vectors[row] = combined / max(float(np.linalg.norm(combined)), 1e-9)
        # Every authored sentence and statement with its owner (an item id, or None for
        # surface lines): the leak guard attributes a sentence to its nearest owner.
        public_vectors = vectors[n + 2 * m + n_about :]
        self.all_vectors = np.vstack([self.line_vectors, self.statement_vectors, public_vectors])
        self.owners: list[str | None] = (
            [e.mood if e.act == "disclose" else None for e in entries]
            + list(self.item_ids)
            + [None] * len(public)
        )
        self.topic_patterns = {
            item.id: prefix_pattern(item.unlock.topics) for item in card.hidden.items
        }

    # --- lookup ------------------------------------------------------------------------

    def text(self, key: str) -> str:
        return self.by_key[key].text

    def item_keys(self, item_id: str) -> list[str]:
        return [e.key for e in self.entries if e.act == "disclose" and e.mood == item_id]

    def topic_similarity(self, vector: np.ndarray) -> dict[str, float]:
        sims = self.topic_vectors @ vector
        return {item_id: float(s) for item_id, s in zip(self.item_ids, sims, strict=True)}

    def keyword_topic(self, item_id: str, text: str) -> bool:
        pattern = self.topic_patterns[item_id]
        return bool(pattern and pattern.search(text))

    # --- choosing a line ---------------------------------------------------------------

    def _best(self, keys: list[str], vector: np.ndarray | None, bonus: dict[str, float]) -> str:
        if len(keys) == 1:
            return keys[0]
        if vector is None:
            return max(keys, key=lambda k: bonus.get(k, 0.0))
        rows = [self._row[k] for k in keys]
        scores = self.match_vectors[rows] @ vector + np.array([bonus.get(k, 0.0) for k in keys])
        return keys[int(np.argmax(scores))]  # argmax keeps the first of equals: deterministic

    def choose_from_bank(
        self,
        act: str,
        mood: str,
        *,
        unlocked: Collection[str],
        used: Collection[str],
        vector: np.ndarray | None,
    ) -> str | None:
        """An unused line for ``act`` (or its fallbacks), by topic, preferring the mood."""
        for fallback in FALLBACK_ACTS[act]:
            keys = [
                e.key
                for e in self.entries
                if e.act == fallback and e.key not in used and set(e.needs) <= set(unlocked)
            ]
            if keys:
                bonus = {
                    k: (NEEDS_BONUS if self.by_key[k].needs else 0.0)
                    - _mood_penalty(mood, self.by_key[k].mood)
                    for k in keys
                }
                return self._best(keys, vector, bonus)
        return None

    def choose_item_line(
        self, item_id: str, *, first_time: bool, used: Collection[str], vector: np.ndarray | None
    ) -> str | None:
        """The first line when an item is first shared; afterwards the closest unused one."""
        keys = [k for k in self.item_keys(item_id) if k not in used]
        if not keys:
            return None
        return keys[0] if first_time else self._best(keys, vector, {})

    def choose_opening(self, seed: int) -> str:
        keys = [e.key for e in self.entries if e.act == "opening"]
        return keys[seed % len(keys)]

    def least_recent(self, used: Sequence[str], unlocked: Collection[str]) -> str:
        """Only for very long sessions once every bank is spent: the line said longest ago."""
        allowed = [
            k for k in used
            if k in self.by_key
            and self.by_key[k].act in ("answer", "short_answer", "deflect")
            and set(self.by_key[k].needs) <= set(unlocked)
        ]
        return allowed[0] if allowed else used[0]


# An index is a few MB of vectors; more than a handful of embedders per process only
# happens in tests and evals.
_CACHE: LRUCache[tuple[str, str, int], CardIndex] = LRUCache(maxsize=32)
_CACHE_LOCK = threading.Lock()


def card_index(card: PersonaCard, embedder: Embeds) -> CardIndex:
    """One index per card content and embedder, built on first use."""
    digest = hashlib.sha1(card.model_dump_json().encode()).hexdigest()
    key = (card.id, digest, id(embedder))
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is None:
        cached = CardIndex(card, embedder)
        with _CACHE_LOCK:
            _CACHE[key] = cached
    return cached
