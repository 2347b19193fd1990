"""Quoting the guidance cleanly: whole sentences only (never a table row, a heading or a
list fragment), named by the document's title and publisher rather than a file name.

``CleanCiter`` is the ``Citer`` the report, hints and "ask the guidance" use: the same
retrieval and the same "no passage twice" bookkeeping, with its own choice of sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from coach.retrieval import Citation, Citer
from coach.text import split_sentences

__all__ = ["CleanCiter", "clean_sentences", "is_clean_sentence", "source_label"]

MIN_WORDS = 6
MAX_WORDS = 40
_LIST_ITEM = re.compile(r"^(?:[-*+]\s+|\d+[.)]\s+)")
_SKIP = re.compile(r"^(?:resources?|audio|transcripts?|videos?|downloads?)\b", re.IGNORECASE)
# A file name: the corpus's own cross-references ("see transcript-….md"), not guidance.
_FILE_NAME = re.compile(r"\b[\w-]+\.(?:md|txt|docx?|pdf|csv)\b", re.IGNORECASE)
# Captions of links and media, which point elsewhere rather than say anything.
_CAPTION = re.compile(
    r"^(?:listen to|watch|here is|here are|you can listen|you can watch|throughout this site|"
    r"click|see also|this section is aimed)\b", re.IGNORECASE)
# "Header: cell; Header: cell" — a table row written out, not a sentence.
_TABLE_PAIRS = re.compile(r":[^;]{1,80};[^;]{0,80}:")
# A reference-list entry: "- Nosowska G (2014) Good Assessment: …".
_REFERENCE_ITEM = re.compile(r"^(?:[-*+]\s+|\d+[.)]\s+).{2,120}?\(\d{4}[a-z]?\)")
_INFERRED = re.compile(r"\s*\((?:inferred|not named)[^)]*\)", re.IGNORECASE)


def is_clean_sentence(text: str) -> bool:
    """A sentence a person can read on its own: a capital first, a full stop (or ! ?)
    last, long enough to say something, and no table, heading or markup in it."""
    words = text.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        return False
    if not (text[0].isupper() or text[0] in "‘“\"'") or text[-1] not in ".!?”’\"'":
        return False
    if "|" in text or text.startswith("#") or _TABLE_PAIRS.search(text) or _CAPTION.match(text) \
            or _FILE_NAME.search(text):
        return False
    return not text.rstrip(".").endswith(":")


def clean_sentences(passage_text: str) -> list[str]:
    """The clean sentences of a passage, in order: tables, headings, links and list
    lead-ins are skipped; list items count only when they are sentences themselves."""
    out: list[str] = []
    lines = [raw.strip() for raw in passage_text.splitlines()]
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line or line.startswith(("#", "|", "[", "!")) or _REFERENCE_ITEM.match(line):
            continue
        is_item = bool(_LIST_ITEM.match(line))
        line = _plain(line)
        if not line or _SKIP.match(line) or _CAPTION.match(line):
            continue
        if line.endswith(":") and not is_item:
            # A lead-in and its list read as one sentence, when that is short enough.
            items = []
            while i < len(lines) and (not lines[i] or _LIST_ITEM.match(lines[i])):
                if lines[i]:
                    items.append(_plain(lines[i]).rstrip(".;"))
                i += 1
            joined = f"{line} {'; '.join(items)}."
            if items and is_clean_sentence(joined):
                out.append(joined)
            continue
        out += [s for s in split_sentences(line, verbatim=True) if is_clean_sentence(s)]
    return out


def _plain(line: str) -> str:
    line = _LIST_ITEM.sub("", line.lstrip("> ").strip())
    line = re.sub(r"\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)", "", line)
    return " ".join(line.split())


def source_label(citation: Citation) -> str:
    """“Title — Section (Publisher)”: what a trainee can look up; no file names, and a
    publisher the page itself does not name is given without the bookkeeping note."""
    publisher = _INFERRED.sub("", citation.publisher or "").strip()
    if publisher.lower().startswith("not stated"):
        publisher = ""
    head = citation.title or "Guidance"
    if citation.section and citation.section != citation.title:
        head += f" — {citation.section}"
    return f"{head} ({publisher})" if publisher else head


class CleanCiter(Citer):
    """Cites a whole, clean sentence from the best fresh guidance passage, or nothing."""

    def quotable(self, text: str, keywords: Sequence[str]) -> list[str]:
        return clean_sentences(text)
