"""Grounding report points and hints in the guidance: retrieve a passage, quote a sentence.

Quotations are kept short (a sentence, at most ``MAX_WORDS`` words) and chosen from the
retrieved passage by the rule's keywords, so the quoted words are the guidance's own and
the trainee can find them in the cited source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from coach.retrieval._index import Passage
from coach.text import split_sentences

Search = Callable[[str], list[Passage]]
MAX_WORDS = 35  # the OARS list with its lead-in is 34
MIN_WORDS = 4

_LIST_ITEM = re.compile(r"^(?:[-*+]\s+|\d+[.)]\s+)")
_REFERENCES = re.compile(r"reference|further reading|bibliograph", re.IGNORECASE)
_SKIP_PREFIXES = ("resource:", "audio:", "transcript:", "video:", "[")


@dataclass(frozen=True)
class Citation:
    """Where a piece of guidance came from, with a short quotation from it."""

    citation: str  # Passage.citation(): title — section (publisher; source file)
    snippet: str
    title: str
    source: str
    section: str = ""
    publisher: str = ""
    chunk_id: str = ""

    @classmethod
    def from_passage(cls, passage: Passage, snippet: str) -> Citation:
        return cls(
            citation=passage.citation(), snippet=snippet, title=passage.title,
            source=passage.source, section=passage.section, publisher=passage.publisher,
            chunk_id=passage.chunk_id,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "citation": self.citation, "snippet": self.snippet, "title": self.title,
            "source": self.source, "section": self.section, "publisher": self.publisher,
            "chunk_id": self.chunk_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Citation:
        return cls(**{k: str(data.get(k, "")) for k in (
            "citation", "snippet", "title", "source", "section", "publisher", "chunk_id")})

    def __str__(self) -> str:
        return self.citation


def guidance_search(kb: Any, k: int = 6) -> Search:
    """``search`` for reports and hints: guidance passages only, from a KnowledgeBase."""

    def search(query: str) -> list[Passage]:
        return kb.search(query, k=k, kind="guidance")

    return search


def _clean(line: str) -> str:
    line = _LIST_ITEM.sub("", line.lstrip("> ").strip())
    line = re.sub(r"\*\*|__", "", line)
    line = re.sub(r"(?<!\w)\*(?!\s)([^*]+)(?<!\s)\*(?!\w)", r"\1", line)  # *emphasis*
    return " ".join(line.split())


def _is_table_rule(cells: Sequence[str]) -> bool:
    return all(set(c) <= set("-: ") for c in cells)


def units(text: str) -> list[str]:
    """Quotable units of a passage: sentences, list items (joined to their lead-in when
    the lead-in ends with a colon) and table rows written out with their headers."""
    lines = [line.strip() for line in text.splitlines()]
    out: list[str] = []
    header: list[str] | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if _is_table_rule(cells):
                continue
            if i < len(lines) and lines[i].startswith("|") and _is_table_rule(
                lines[i].strip("|").split("|")
            ):
                header = cells
            elif header and len(cells) == len(header) and cells[0]:
                pairs = "; ".join(
                    f"{h}: {c}" for h, c in zip(header[1:], cells[1:], strict=True) if h and c
                )
                out.append(f"{cells[0]}. {pairs}")
            continue
        clean = _clean(line)
        if not clean or clean.lower().startswith(_SKIP_PREFIXES):
            continue
        if clean.endswith(":") and not _LIST_ITEM.match(line):
            items = []
            while i < len(lines) and (not lines[i] or _LIST_ITEM.match(lines[i])):
                if lines[i]:
                    items.append(_clean(lines[i]).rstrip(".;"))
                i += 1
            if items:
                # The list with its lead-in, then each item alone: scoring picks the one
                # that quotes the point best in the fewest words.
                out.append(f"{clean} {'; '.join(items)}.")
                out.extend(items)
            else:
                out.append(clean[:-1] + "…")  # a lead-in whose list fell into the next chunk
            continue
        out.extend(split_sentences(clean, verbatim=True))
    return out


def _hits(unit: str, keywords: Sequence[str]) -> int:
    low = unit.lower()
    return sum(1 for k in keywords if k.lower() in low)


def _shorten(unit: str, keywords: Sequence[str]) -> str:
    words = unit.split()
    if len(words) <= MAX_WORDS:
        return unit
    # Keep the window that starts near the first keyword, so the quote shows why it was chosen.
    low = [w.lower() for w in words]
    start = 0
    for k in keywords:
        first = k.lower().split()[0]
        at = next((n for n, w in enumerate(low) if first in w), None)
        if at is not None:
            start = max(0, min(at - 5, len(words) - MAX_WORDS))
            break
    window = words[start : start + MAX_WORDS]
    text = " ".join(window).rstrip(",;:")
    return ("…" if start else "") + text + ("…" if start + MAX_WORDS < len(words) else "")


def best_snippet(text: str, keywords: Sequence[str] = ()) -> str:
    """The most relevant short quotation from a passage ("" if nothing is quotable)."""
    candidates = units(text)
    if not candidates:
        return ""
    long_enough = [u for u in candidates if len(u.split()) >= MIN_WORDS] or candidates
    # Most keyword hits first; then a readable length; then the earliest.
    best = max(
        enumerate(long_enough),
        key=lambda p: (_hits(p[1], keywords), len(p[1].split()) <= MAX_WORDS, -p[0]),
    )[1]
    return _shorten(best, keywords)


class Citer:
    """Cites guidance for several points without quoting the same passage twice.

    ``search`` failing (an empty or unreachable knowledge base) must not stop a report
    or a hint, so the failure is kept in ``problem`` and the point goes uncited.
    """

    def __init__(self, search: Search | None) -> None:
        self.search = search
        self.used: set[str] = set()
        self.problem: str | None = None
        self.uncited = 0

    def cite(self, query: str, keywords: Sequence[str] = ()) -> Citation | None:
        passages = self._retrieve(query)
        # Reference lists name other works; quoting them would cite a citation.
        guidance = [
            p for p in passages if p.kind == "guidance" and not _REFERENCES.search(p.section)
        ]
        if not guidance:
            self.uncited += 1
            return None
        scored = []
        for rank, passage in enumerate(guidance):
            fresh = passage.chunk_id not in self.used
            for n, quote in enumerate(self.quotable(passage.text, keywords)):
                scored.append(((fresh, _hits(quote, keywords), -rank, -n), passage, quote))
        if not scored:
            self.uncited += 1
            return None
        _, passage, quote = max(scored, key=lambda s: s[0])
        self.used.add(passage.chunk_id)
        return Citation.from_passage(passage, quote)

    def quotable(self, text: str, keywords: Sequence[str]) -> list[str]:
        """What may be quoted from a passage, in its order: here its best snippet."""
        snippet = best_snippet(text, keywords)
        return [snippet] if snippet else []

    def _retrieve(self, query: str) -> list[Passage]:
        if self.search is None:
            return []
        try:
            return list(self.search(query) or [])
        except Exception as exc:  # noqa: BLE001 - any retrieval failure only loses the citation
            self.problem = f"{type(exc).__name__}: {exc}"
            return []

    def note(self) -> str | None:
        """Why some points carry no citation, in words for the trainee (None if all do)."""
        if not self.uncited:
            return None
        if self.search is None:
            return "Guidance citations are left out: no knowledge base was available."
        if self.problem:
            return f"Some guidance citations are left out: the knowledge base could not answer ({self.problem})."
        return "Some guidance citations are left out: no matching guidance was found."
