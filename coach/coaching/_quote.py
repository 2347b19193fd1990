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

__all__ = ["CleanCiter", "answer_units", "clean_sentences", "depends_on_context",
           "is_clean_sentence", "mentions_media", "source_label"]

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


def is_clean_sentence(text: str, *, max_words: int = MAX_WORDS) -> bool:
    """A sentence a person can read on its own: a capital first, a full stop (or ! ?)
    last, long enough to say something, and no table, heading or markup in it."""
    words = text.split()
    if not MIN_WORDS <= len(words) <= max_words:
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


# --- What "ask the guidance" may quote: sentences a reader can take on their own. ---

ANSWER_MAX_WORDS = 60  # a sentence with the one or two before it, or a lead-in and its list
# A sentence that leans on what came before it: a pronoun or pointing word first ("It
# gives less space …", "This isn't …", "The second video …"), or a connective ("However").
_DEPENDENT = re.compile(
    r"^[‘“\"']?(?:it|its|this|these|that|those|they|them|their|such|here|he|she|his|her|him|"
    r"both|another|also|however|but|and|or|so|then|therefore|thus|hence|instead|otherwise|"
    r"likewise|similarly|furthermore|moreover|meanwhile|again|since then|in (?:addition|turn|this way|"
    r"that case|doing so|this case|these cases)|as a result|as such|"
    r"the (?:following|above|below|former|latter|same|second|third|fourth|fifth|last|next|"
    r"previous|other|two|three|four|five|first (?:video|clip|one|of these))|"
    r"(?:the|this|that|these|those) (?:first|second|third) )\b", re.IGNORECASE)
# … but not "It is important to …", "Those who …": these stand on their own.
_STANDS_ALONE = re.compile(
    r"^(?:it(?:'s|’s| is| was| can be| may be| might be| will be| would be| could be)"
    r"(?: not| also| often| always| usually| therefore| especially| particularly| very)?"
    r" (?:important|vital|essential|crucial|helpful|useful|necessary|possible|worth|key|good|"
    r"best|easy|hard|difficult|likely|unlikely|clear|common|normal|natural|appropriate|better)"
    r" (?:to|that|for|when|if|not)\b|those (?:who|whose|with|in|of)\b)", re.IGNORECASE)
# A lead-in whose pointing word points forward, to the list after it ("These are …").
_POINTS_FORWARD = re.compile(r"^(?:these|those|here|they) (?:are|include)\b|^the following\b",
                             re.IGNORECASE)
# A sentence announcing something after it: it says nothing without its list.
_ANNOUNCES = re.compile(r"(?::|\b(?:the following|following|as follows|below)[.:]?)$",
                        re.IGNORECASE)
# Media this app does not have (the guidance's videos, clips, audio and diagrams), and
# layout it cannot show ("the table below", "shown above").
_MEDIA = re.compile(
    r"\b(?:videos?|clips?|films?|filmed|footage|podcasts?|audio|watch(?:es|ed|ing)?|"
    r"listen(?:ing)? to (?:the|this|these|our|a)\b|animations?|youtube|vimeo|dvds?|"
    r"diagrams?|diagram's|infographics?)\b|^hear (?:from|how)\b"
    r"|\b(?:the|this|these|that) [\w’'-]+ (?:below|above)\b"
    r"|\b(?:shown|see|listed|set out|described|outlined|illustrated) (?:below|above)\b",
    re.IGNORECASE)


def depends_on_context(sentence: str) -> bool:
    """True when ``sentence`` only makes sense with the text before it."""
    return bool(_DEPENDENT.match(sentence)) and not _STANDS_ALONE.match(sentence)


def mentions_media(sentence: str) -> bool:
    """True when ``sentence`` is about a video, clip or recording, or points at layout."""
    return bool(_MEDIA.search(sentence))


def _readable(text: str, max_words: int = ANSWER_MAX_WORDS) -> bool:
    return is_clean_sentence(text, max_words=max_words)


def answer_units(passage_text: str) -> list[str]:
    """What an answer may quote from a passage, in its order: each unit reads on its own.

    A clean sentence on its own; a sentence that leans on the one before it ("This isn't
    …") together with the sentence(s) it leans on, or not at all; a sentence introducing
    a list together with its items, or not at all. Nothing about videos, clips or audio,
    nothing from a table, heading, caption or reference list.
    """
    out: list[str] = []
    before: list[str] = []  # what a reader has just read, since the last heading
    lines = [raw.strip() for raw in passage_text.splitlines()]
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if line.startswith(("#", "|", "[", "!")) or _REFERENCE_ITEM.match(line):
            before = []
            continue
        is_item = bool(_LIST_ITEM.match(line))
        text = _plain(line)
        if not text or _SKIP.match(text) or _CAPTION.match(text) or _FILE_NAME.search(text):
            before = []
            continue
        if is_item:
            # A list item with no lead-in here (under a heading, or the chunk began
            # mid-list): only alone, and only a whole statement ("the legislative
            # framework is clear that …"), given a capital and a full stop.
            item = _as_sentence(text)
            if _readable(item, MAX_WORDS) and not depends_on_context(item) \
                    and not mentions_media(item) and ":" not in item:
                out.append(item)
            before = []
            continue
        items: list[str] = []
        j = i
        while j < len(lines) and (not lines[j] or _LIST_ITEM.match(lines[j])):
            if lines[j] and not _REFERENCE_ITEM.match(lines[j]):
                items.append(_plain(lines[j]).rstrip(".;"))
            j += 1
        sentences = split_sentences(text, verbatim=True)
        for k, sentence in enumerate(sentences):
            lead_in = bool(items) and k == len(sentences) - 1
            if lead_in:
                i = j
                unit = f"{sentence.rstrip('.:')}: {'; '.join(items)}"
                unit += "" if unit.endswith(("?", "!")) else "."
                leans = depends_on_context(sentence) and not _POINTS_FORWARD.match(sentence)
            else:
                unit = sentence
                leans = depends_on_context(sentence)
                if _ANNOUNCES.search(sentence.rstrip(".")) or sentence.rstrip().endswith(":"):
                    before = []  # its list is not here (the next chunk has it)
                    continue
            quoted = _with_context(unit, before) if leans else unit
            if quoted and _readable(quoted) and not mentions_media(quoted):
                out.append(quoted)
            before = [*before, unit][-2:] if not mentions_media(unit) else []
    return out


_FINITE = re.compile(r"\b(?:is|are|was|were|can|could|should|must|will|would|may|might|has|"
                     r"have|had|does|do|need|needs)\b", re.IGNORECASE)


def _as_sentence(item: str) -> str:
    if len(item.split()) < 8 or not item[0].isalpha() or not _FINITE.search(item):
        return item
    item = item[0].upper() + item[1:]
    return item if item[-1] in ".!?" else item.rstrip(";,") + "."


def _with_context(unit: str, before: Sequence[str]) -> str | None:
    """``unit`` with the one or two units before it, if that makes it stand on its own."""
    for n in (1, 2):
        if len(before) < n:
            return None
        context = list(before[-n:])
        if not depends_on_context(context[0]):
            return " ".join([*context, unit])
    return None
