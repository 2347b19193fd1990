"""Text helpers every part shares: one sentence splitter, words, crude stems.

Everything here is pure Python and cheap; the coder's time goes on the embedding call.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
# A sentence ends at . ? ! or … (possibly repeated, possibly followed by a closing quote
# or bracket, which stays with it) when the next sentence starts with a capital, a digit
# or an opening quote. An ellipsis followed by a lower-case word is a pause inside one
# sentence, as in the transcripts. The split is made in the whitespace (group 1).
_BOUNDARY_RE = re.compile(r"[.?!…][\"'’”)]*(\s+)(?=[\"'‘“(]?[A-Z0-9])")
_ABBREVIATIONS = ("mr.", "mrs.", "ms.", "dr.", "st.", "e.g.", "i.e.", "etc.", "approx.", "no.")

STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "can't", "cannot", "could", "couldn't", "did", "didn't", "do", "does", "doesn't", "doing", "don't", "down", "during", "each", "few", "for", "from", "further", "had", "hadn't", "has", "hasn't", "have", "haven't", "having", "he", "he'd", "he'll", "he's", "her", "here", "here's", "hers", "herself", "him", "himself", "his", "how", "how's", "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it", "it's", "its", "itself", "let's", "me", "more", "most", "mustn't", "my", "myself", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "same", "shan't", "she", "she'd", "she'll", "she's", "should", "shouldn't", "so", "some", "such", "than", "that", "that's", "the", "their", "theirs", "them", "themselves", "then", "there", "there's", "these", "they", "they'd", "they'll", "they're", "they've", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "wasn't", "we", "we'd", "we'll", "we're", "we've", "were", "weren't", "what", "what's", "when", "when's", "where", "where's", "which", "while", "who", "who's", "whom", "why", "why's", "with", "won't", "would", "wouldn't", "you", "you'd", "you'll", "you're", "you've", "your", "yours", "yourself", "yourselves", "yeah", "yes", "okay", "ok", "oh", "um", "uh", "mm", "er", "erm", "well", "just", "really", "like", "know", "mean", "bit", "thing", "things", "kind", "sort", "get", "got", "go", "going", "gonna", "said", "say", "saying", "tell", "told", "think", "suppose", "actually", "lot", "lots", "stuff", "way", "right", "also", "still", "even", "much", "many", "one", "anyway", "maybe", "quite", "something", "anything", "everything", "nothing", "sounds", "sound", "seems", "seem", "feel", "feeling", "felt", "you'd", "want", "wanted", "wanting", "make", "made", "let", "will", "shall", "may", "might", "must", "need", "needs", "now", "then", "there's", "cos", "'cause", "since", "ago", "back", "around"]
)
# Control characters nobody means to type (tab and newline are kept). PostgreSQL cannot
# store NUL at all, and the others only garble what is shown back.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Characters that show nothing: format controls (zero-width spaces and joiners, bidi marks,
# byte-order marks), separators, and the fillers some keyboards use as a "blank" letter.
_BLANK_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
_FILLERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def clean_text(text: str) -> str:
    """Typed text as it is kept: line endings as newlines, control characters dropped, no
    surrounding whitespace. Everything a person could have meant is left as it was."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub("", text).strip()


def is_blank(text: str) -> bool:
    """True when the text would show nothing on the screen (invisible characters only)."""
    return all(unicodedata.category(c) in _BLANK_CATEGORIES or c in _FILLERS for c in text)


def normalise(text: str) -> str:
    """NFKC, curly quotes to straight, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower().replace("’", "'"))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately crude stemmer: enough to match 'worried'/'worry', 'kids'/'kid'."""
    w = word.lower()
    if w.endswith("'s"):
        w = w[:-2]
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""),
                         ("ly", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)] + repl
            break
    # Doubled final consonant left by -ing/-ed ("stopped" -> "stopp" -> "stop").
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    return w


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 2}


def split_sentences(text: str, *, verbatim: bool = False) -> list[str]:
    """The sentences of ``text``: never an empty list for text with anything but spaces.

    By default the text is read as it was said: normalised first (see ``normalise``), and
    a line break ends a sentence too (a model may write one sentence per line without
    punctuation). This is what the coder codes and the leak guard compares.

    ``verbatim=True`` keeps every character as written, line breaks inside a sentence
    included: for quoting a source in its own words, or cutting it into chunks.
    """
    blocks = [text] if verbatim else [normalise(line) for line in text.splitlines()]
    sentences: list[str] = []
    for block in blocks:
        start = 0
        for boundary in _BOUNDARY_RE.finditer(block):
            before = block[start : boundary.start(1)]
            # No split after a title or abbreviation ("Mr. Britton", "e.g. Jo").
            if before.split() and before.split()[-1].lower() in _ABBREVIATIONS:
                continue
            sentences.append(before.strip())
            start = boundary.end(1)
        sentences.append(block[start:].strip())
    # A fragment of one or two words ("Okay.", "Yeah?") stays its own sentence: MITI codes
    # it separately, and it must not drag a reflection towards "other".
    return [s for s in sentences if s]


# Enough to make any typed text literal inline (nothing we print starts a line with user text):
# "$" so no LaTeX, "@" so no e-mail autolink.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$@])")
# GitHub-flavoured Markdown turns bare "http://..." and "www...." into links; an escaped
# ":" or "." breaks the pattern and still shows as typed.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp)(://)|\b(www)(\.)")


def session_slug(session_id: str) -> str:
    """The short form of a session id that names a moment made from that session (and
    lets a purge find such moments again)."""
    return re.sub(r"[^a-z0-9]+", "_", session_id.lower()).strip("_")[:12] or "session"


def escape_markdown(text: str, limit: int | None = None) -> str:
    """User text on one line, with Markdown and HTML characters made literal: no
    markup, images, links or LaTeX can come out of it."""
    text = " ".join(str(text).split())
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _AUTOLINK.sub(lambda m: f"{m[1]}\\://" if m[1] else f"{m[3]}\\.", text)


def counted(n: int, word: str, words: str | None = None) -> str:
    """``n`` and the noun that agrees with it: "1 reply", "2 replies", never "1 replies"
    (give ``words`` when adding "s" is not the plural)."""
    return f"{n:,} {word if n == 1 else words or word + 's'}"


def joined(items: Sequence[str], conjunction: str = "and") -> str:
    """A list as a reader would write it: "a, b and c". Items that hold commas themselves
    are kept apart by semicolons ("a, b; c; or d"), so the reader can still tell them apart."""
    items = [i for i in items if i]
    if len(items) < 2:
        return "".join(items)
    sep = "; " if any("," in i for i in items) else ", "
    last = f"{sep.strip()} {conjunction} " if sep == "; " else f" {conjunction} "
    return sep.join(items[:-1]) + last + items[-1]


# A cell a spreadsheet would run as a formula if it began so (the OWASP list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """A text cell for a CSV that a spreadsheet shows as text rather than running."""
    value = "'" + value if value.startswith(_FORMULA_START) else value
    # The writer quotes a cell only for its line terminator's characters, so a lone
    # carriage return would go out bare and a spreadsheet would start a new row there,
    # its first cell free to be a formula; as a newline it is quoted inside the cell.
    return value.replace("\r\n", "\n").replace("\r", "\n")

