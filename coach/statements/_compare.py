"""After a practice session: the trainee's outcome statements set beside what the person
actually disclosed (the persona's hidden outcomes and strengths, from the debrief).

Matching is by meaning (the bundled embedding's cosine between a statement and the
item's own words and title), because a good record paraphrases: "get away for a few days
as a family" should match Debs's "I want the four of us to have a few days away together".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from coach.statements._classifier import Embeds

MATCH_AT = 0.45  # cosine at or above which a statement is taken to record an item


@dataclass(frozen=True)
class ItemMatch:
    id: str
    kind: str
    title: str
    words: str  # the card's model outcome statement for it, in the person's voice (not said)
    disclosed: bool
    recorded_by: tuple[int, ...]  # indexes of the statements that record it
    similarity: float

    @property
    def verdict(self) -> str:
        if self.disclosed and self.recorded_by:
            return "recorded"
        if self.disclosed:
            return "missed"
        if self.recorded_by:
            return "not disclosed"
        return "stayed hidden"


@dataclass(frozen=True)
class Comparison:
    items: tuple[ItemMatch, ...]
    unmatched: tuple[int, ...]  # statements that match nothing the person has

    def to_dict(self) -> dict[str, Any]:
        return {"items": [{"id": i.id, "kind": i.kind, "title": i.title, "words": i.words,
                           "disclosed": i.disclosed, "recorded_by": list(i.recorded_by),
                           "similarity": round(i.similarity, 3), "verdict": i.verdict}
                          for i in self.items],
                "unmatched": list(self.unmatched)}

    @property
    def recorded(self) -> int:
        return sum(i.verdict == "recorded" for i in self.items)

    @property
    def disclosed(self) -> int:
        return sum(i.disclosed for i in self.items)


def compare(statements: Sequence[str], items: Sequence[Mapping[str, Any]],
            embedder: Embeds, match_at: float = MATCH_AT) -> Comparison:
    """``items`` are the debrief's rows (id, kind, title, statement, unlocked). Compared
    are the items with the person's own words for what they want (outcomes, and worries the
    card phrases as one) and their strengths."""
    wanted = [i for i in items if i.get("statement") or i["kind"] == "strength"]
    if not wanted or not statements:
        return Comparison(tuple(ItemMatch(i["id"], i["kind"], i["title"], i.get("statement") or "",
                                          bool(i["unlocked"]), (), 0.0) for i in wanted),
                          tuple(range(len(statements))))
    item_texts = [i["title"] for i in wanted] + [i.get("statement") or i["title"] for i in wanted]
    vectors = embedder.embed([*statements, *item_texts])
    s_vec = vectors[: len(statements)]
    titles = vectors[len(statements): len(statements) + len(wanted)]
    words = vectors[len(statements) + len(wanted):]
    sims = np.maximum(s_vec @ titles.T, s_vec @ words.T)  # (statements, items)
    # A statement records the one item it is closest to, so "rowing with Peter about
    # money" counts for the money worry and not also for wanting Peter at home.
    best = sims.argmax(axis=1)
    matches = []
    for k, item in enumerate(wanted):
        hits = tuple(int(j) for j in np.flatnonzero((sims[:, k] >= match_at) & (best == k)))
        matches.append(ItemMatch(item["id"], item["kind"], item["title"],
                                 item.get("statement") or "", bool(item["unlocked"]), hits,
                                 float(sims[:, k].max())))
    unmatched = tuple(j for j in range(len(statements)) if not (sims[j] >= match_at).any())
    return Comparison(tuple(matches), unmatched)
