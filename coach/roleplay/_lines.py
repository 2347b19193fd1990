"""The person's scripted lines, embedded once per card, and how one is chosen.

Every authored line gets a stable key (``answer.warming.2``, ``item.money.0``,
``opening.any.1``) so a session can remember what has been said and never say it twice.
Within a bank the line chosen is the unused one closest in meaning to what the trainee
just said (bundled MiniLM embeddings), so replies stay on the trainee's topic.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Sequence
from typing import Protocol

import numpy as np
from cachetools import LRUCache

from coach.roleplay._cards import MOODS, PersonaCard, phrase_pattern
from coach.roleplay._entries import LineEntry, mood_penalty, prefix_pattern
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
# Closeness in meaning (cosine) to a question kind's ``about`` that counts as asking it
# when none of its cue words is used.
ANSWER_SIMILARITY = 0.6
# Banks whose subject lines may answer a question, whatever the person decided to do.
SUBJECT_BANKS = ("answer", "short_answer", "defend", "deflect")
# First replies within this score of the best are equally good answers to the opener;
# the session's seed picks among them.
FIRST_REPLY_MARGIN = 0.1


class CardIndex:
    """A card's lines and topics with their embeddings."""

    def __init__(self, card: PersonaCard, embedder: Embeds) -> None:
        self.card = card
        self.embedder = embedder  # held so the cache key's id() stays unique
        entries: list[LineEntry] = [
            LineEntry(f"opening.any.{i}", "opening", "any", line.text, line.needs, line.about,
                      bank="opening")
            for i, line in enumerate(card.lines.opening)
        ]
        entries += [
            LineEntry(f"first_reply.any.{i}", "answer", "any", line.text, line.needs, line.about,
                      bank="first_reply")
            for i, line in enumerate(card.lines.first_reply)
        ]
        entries += [
            LineEntry(f"time_up.any.{i}", "end", "any", line.text, line.needs, line.about,
                      bank="time_up")
            for i, line in enumerate(card.lines.time_up)
        ]
        for topic in card.lines.topics:
            for mood, lines in topic.lines.items():
                entries += [
                    LineEntry(f"topic.{topic.id}.{mood}.{i}", "answer", mood, line.text, line.needs,
                              line.about or topic.about, bank="topic", topic=topic.id)
                    for i, line in enumerate(lines)
                ]
        for act in FALLBACK_ACTS:
            if act == "disclose":
                continue
            for mood, lines in card.lines.bank(act).items():
                entries += [
                    LineEntry(f"{act}.{mood}.{i}", act, mood, line.text, line.needs, line.about,
                              bank=act)
                    for i, line in enumerate(lines)
                ]
        for item in card.hidden.items:
            entries += [
                LineEntry(f"item.{item.id}.{i}", "disclose", item.id, text, bank="item")
                for i, text in enumerate(item.lines)
            ]
        self.entries = entries
        self.by_key = {e.key: e for e in entries}
        self._row = {e.key: n for n, e in enumerate(entries)}
        self.item_ids = [item.id for item in card.hidden.items]
        topic_texts = [item.unlock.topic_text or item.title for item in card.hidden.items]
        self.answer_topics = [t.id for t in card.lines.topics]
        answer_abouts = [t.about for t in card.lines.topics]
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
            [e.text for e in entries] + topic_texts + statements + abouts + public + answer_abouts
        )
        n_answers = len(answer_abouts)
        self.answer_vectors = vectors[len(vectors) - n_answers :]
        vectors = vectors[: len(vectors) - n_answers]
        self.answer_patterns = {t.id: phrase_pattern(t.cues) for t in card.lines.topics}
        n, m = len(entries), len(topic_texts)
        self.line_vectors = vectors[:n]
        self.topic_vectors = vectors[n : n + m]
        self.statement_vectors = vectors[n + m : n + 2 * m]
        # A line with an ``about`` is matched on its words and its subject together.
        self.match_vectors = self.line_vectors.copy()
        about_rows = [row for row, e in enumerate(entries) if e.about]
        n_about = len(about_rows)
        # What each line with an ``about`` answers, alone: a topic's lines are grouped by it.
        self.about_vectors: dict[str, np.ndarray] = {}
        for row, vector in zip(about_rows, vectors[n + 2 * m : n + 2 * m + n_about], strict=True):
            self.about_vectors[entries[row].key] = vector
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

    def answer_topic(self, text: str, vector: np.ndarray) -> str | None:
        """The kind of question the trainee's turn asks, if the card has answers for it: a
        cue word counts (between two named topics meaning decides); otherwise closeness
        in meaning to the topic's ``about`` must be clear."""
        if not self.answer_topics:
            return None
        sims = self.answer_vectors @ vector
        scored = []
        for topic_id, sim in zip(self.answer_topics, sims, strict=True):
            pattern = self.answer_patterns[topic_id]
            # Each distinct cue named counts one ("sign a consent form" is about forms
            # more than about the wound it mentions).
            named = len({m.group(0).lower() for m in pattern.finditer(text)}) if pattern else 0
            if named or sim >= ANSWER_SIMILARITY:
                scored.append((float(sim) + named, topic_id))
        return max(scored)[1] if scored else None

    def best_subject_line(
        self,
        mood: str,
        *,
        unlocked: Collection[str],
        used: Collection[str],
        vector: np.ndarray,
        avoid: Collection[str] = (),
        act: str = "answer",
    ) -> tuple[str, float] | None:
        """The unused line about a subject (one with an ``about``) that best answers what
        was said, from any bank the person answers from, with its score; unless they
        defend themselves, no defensive line colder than their mood."""
        keys = self._fresh([
            e.key for e in self.entries
            if e.about and e.bank in SUBJECT_BANKS and e.key not in used
            and (act == "defend" or e.bank != "defend" or e.mood == "any"
                 or MOODS.index(e.mood) >= MOODS.index(mood))
            and set(e.needs) <= set(unlocked)
        ], avoid)
        if not keys:
            return None
        scored = [(self.match(k, vector) - mood_penalty(mood, self.by_key[k].mood), k) for k in keys]
        score, key = max(scored)
        return key, score

    def score(self, key: str, mood: str, vector: np.ndarray) -> float:
        """A line's fit to what was said, with its mood penalty (as banks choose)."""
        entry = self.by_key[key]
        bonus = NEEDS_BONUS if entry.needs else 0.0
        return self.match(key, vector) + bonus - mood_penalty(mood, entry.mood)

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
        avoid: Collection[str] = (),
    ) -> str | None:
        """An unused line for ``act`` (or its fallbacks), by topic, preferring the mood;
        lines in ``avoid`` (said in the trainee's recent sessions) only when nothing else
        is left."""
        for fallback in FALLBACK_ACTS[act]:
            keys = self._fresh([
                e.key
                for e in self.entries
                if e.bank == fallback and e.key not in used and set(e.needs) <= set(unlocked)
            ], avoid)
            if keys:
                bonus = {
                    k: (NEEDS_BONUS if self.by_key[k].needs else 0.0)
                    - mood_penalty(mood, self.by_key[k].mood)
                    for k in keys
                }
                return self._best(keys, vector, bonus)
        return None

    @staticmethod
    def _fresh(keys: list[str], avoid: Collection[str]) -> list[str]:
        """``keys`` without those in ``avoid``, unless that leaves nothing."""
        fresh = [k for k in keys if k not in avoid]
        return fresh or keys

    def choose_item_line(
        self,
        item_id: str,
        *,
        first_time: bool,
        used: Collection[str],
        vector: np.ndarray | None,
        avoid: Collection[str] = (),
    ) -> str | None:
        """The first line when an item is first shared (the next one along if the trainee
        heard it in a recent session); afterwards the closest unused one."""
        keys = self._fresh([k for k in self.item_keys(item_id) if k not in used], avoid)
        if not keys:
            return None
        return keys[0] if first_time else self._best(keys, vector, {})

    def choose_topic_line(
        self,
        topic_id: str,
        mood: str,
        *,
        unlocked: Collection[str],
        used: Sequence[str],
        vector: np.ndarray,
        avoid: Collection[str] = (),
    ) -> str | None:
        """A line answering the kind of question asked, in the person's mood; when all
        are said, the one said longest ago (asked twice, people answer twice).

        The question comes first, the mood second: when a topic's lines answer different
        questions (a date of birth, a GP's name), only lines about the one asked are
        considered, in whatever mood they are written, so a cross person still gives a
        date when asked for one (curtly) rather than a doctor's name in the right temper.
        """
        keys = [
            e.key for e in self.entries
            if e.topic == topic_id and set(e.needs) <= set(unlocked)
        ]
        if not keys:
            return None
        keys = self._about_what_was_asked(keys, vector)
        unused = self._fresh([k for k in keys if k not in used], avoid)
        if not unused:
            said = [k for k in used if k in keys]
            return said[0] if said else keys[0]
        bonus = {k: -mood_penalty(mood, self.by_key[k].mood) for k in unused}
        return self._best(unused, vector, bonus)

    def _about_what_was_asked(self, keys: list[str], vector: np.ndarray) -> list[str]:
        """The lines among ``keys`` whose ``about`` is the closest to what was asked (all
        of them when they share one ``about``)."""
        abouts = {self.by_key[k].about for k in keys}
        if len(abouts) < 2:
            return keys
        fit = {k: float(self.about_vectors[k] @ vector) for k in keys if k in self.about_vectors}
        if not fit:
            return keys
        best = max(fit.values())
        subject = {self.by_key[k].about for k, f in fit.items() if f >= best - 1e-6}
        return [k for k in keys if self.by_key[k].about in subject]

    def match(self, key: str, vector: np.ndarray) -> float:
        """How well a line answers what was said (cosine, words and subject together)."""
        return float(self.match_vectors[self._row[key]] @ vector)

    def choose_first_reply(
        self,
        mood: str,
        *,
        seed: int,
        unlocked: Collection[str],
        vector: np.ndarray,
        avoid: Collection[str] = (),
        to_beat: float = -1.0,
    ) -> str | None:
        """A reply to the trainee's first turn: among the lines that answer it about as
        well as the best does, the session's seed decides. None when even the best
        answers it less well than ``to_beat`` (a question about something specific
        deserves the line about that)."""
        keys = self._fresh([
            e.key for e in self.entries
            if e.bank == "first_reply" and set(e.needs) <= set(unlocked)
        ], avoid)
        if not keys:
            return None
        rows = [self._row[k] for k in keys]
        scores = self.match_vectors[rows] @ vector
        best = float(np.max(scores))
        if best < to_beat:
            return None
        close = [k for k, s in zip(keys, scores, strict=True) if s >= best - FIRST_REPLY_MARGIN]
        return close[seed % len(close)]

    def choose_time_up(self, seed: int) -> str | None:
        keys = [e.key for e in self.entries if e.bank == "time_up"]
        return keys[seed % len(keys)] if keys else None

    def choose_opening(self, seed: int, avoid: Collection[str] = ()) -> str:
        keys = self._fresh([e.key for e in self.entries if e.act == "opening"], avoid)
        return keys[seed % len(keys)]

    def least_recent(self, used: Sequence[str], unlocked: Collection[str]) -> str:
        """Only for very long sessions once every bank is spent: the line said longest ago."""
        allowed = [
            k for k in used
            if k in self.by_key
            and self.by_key[k].bank in ("answer", "short_answer", "deflect")
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
