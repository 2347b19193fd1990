"""The checks that decide whether a reply can be coded at all (empty, emoji-only, not
English, too long), before any embedding is computed."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from coach.text import normalise

# A reply longer than this is coded on its opening only: the embedder reads at most 256
# tokens per sentence anyway, and a trainee's turn in a conversation is rarely longer than
# a few hundred words. The cue says so, so nothing is dropped silently.
MAX_CHARS = 2000
MAX_SENTENCES = 12


@dataclass(frozen=True)
class Screen:
    """What the pre-checks found: the text to code and, if it cannot be coded, why."""

    text: str
    truncated: bool = False
    uncodable: str | None = None  # a cue explaining why the reply was not coded


def has_letters(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


_FOREIGN_LETTERS = re.compile("[ąćęłńśźżŵŷőűčřšžđ]")
NOT_ENGLISH_CUE = (
    "Coding is English-only for now: this reply looks like another language, so it was not "
    "coded. It stays in the conversation."
)


SYSTEM_CUE = (
    "an instruction to the system, not something said to the person: not coded as practice"
)
# Words that address the software rather than the person: the prompt, the role-play's
# machinery, the persona's hidden card. A worker talking to Debs or Mr Britton has no
# reason to use them, so a match is never a reply to code.
_SYSTEM_RE = re.compile(
    r"\b(system prompt|your prompt|the prompt|(previous|prior|above|earlier|all|your) "
    r"instructions|repeat the (text|words|lines?|message) above|text above|"
    r"developer mode|admin override|jailbreak|dan mode|language model|chat ?bot|"
    r"\bllm\b|you'?re an ai|you are an ai|as an ai|break(ing)? character|out of character|"
    r"stop the role-?play|role-?play|swap roles|persona card|character sheet|"
    r"facilitator notes|hidden (items?|outcomes?|section|facts?)|unlock(ed|ing)? "
    r"(condition|your)|unlock conditions?|receptivity|in json|as json|json with|"
    r"your yaml|print your|dump your|reveal (all|your|everything)|secret agenda|"
    r"### ?instruction|you are now (the|a|an)|pretend (to be|you'?re) (a|an|the)|"
    r"act as (a|an|the) (trainer|facilitator|narrator|assistant|ai|bot|system)|(forget|ignore) (your|all) rules|training exercise|"
    r"write (me )?a (poem|story|song|haiku)|private lines|(haven'?t|not yet) unlocked)\b|"
    r"^\s*(system|assistant|user)\s*:",
    re.IGNORECASE,
)


def addresses_the_system(text: str) -> bool:
    """True when a reply speaks to the software (a prompt injection or a role-play break)."""
    return bool(_SYSTEM_RE.search(text))


@lru_cache(maxsize=1)
def _english_vocabulary() -> frozenset[str]:
    """Whole words in the bundled MiniLM tokenizer's vocabulary (English WordPiece).

    An English word, even jargon, is nearly always one entry; words of other languages
    mostly are not. Loaded once, only for replies that need the check.
    """
    from coach.offline import minilm_files

    _, tokenizer_path = minilm_files()
    vocab = json.loads(tokenizer_path.read_text(encoding="utf-8"))["model"]["vocab"]
    return frozenset(w for w in vocab if w.isalpha() or "'" in w)


def looks_english(text: str) -> bool:
    """True unless the reply is clearly in another language or script.

    Mostly non-Latin letters means another script. In Latin script, a reply of four or
    more words is English when most of its words are whole words of the embedder's
    English vocabulary (measured: 0.9 for English replies with jargon, 0.25-0.6 for
    French, Welsh, Spanish and German); shorter replies are given the benefit of the doubt.
    """
    letters = [ch for ch in text if unicodedata.category(ch).startswith("L")]
    if not letters:
        return False
    latin = sum(1 for ch in letters if ch.isascii())
    if latin / len(letters) < 0.7:
        return False
    # Names ("Nain Ceri and Taid Vaughn") are not evidence either way: skip capitalised
    # words after the first.
    tokens = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", normalise(text))
    ws = [t.lower() for i, t in enumerate(tokens) if i == 0 or not t[0].isupper()]
    vocabulary = _english_vocabulary()
    unknown = [w for w in ws if w not in vocabulary and w.split("'")[0] not in vocabulary]
    if len(ws) < 4:
        # Too short to weigh words: only a word spelt with letters English never uses
        # (Polish ł, ś, ż; Welsh ŵ, ŷ) or a reply of none but unknown words says no.
        if any(_FOREIGN_LETTERS.search(w) for w in unknown):
            return False
        return not (len(ws) >= 2 and len(unknown) == len(ws))
    return 1 - len(unknown) / len(ws) >= 0.7


def screen(text: str) -> Screen:
    """Normalise and vet a reply; the caller has already rejected empty input."""
    text = normalise(text)
    truncated = False
    if len(text) > MAX_CHARS:
        cut = text[:MAX_CHARS]
        # End on a sentence boundary if there is one reasonably near the limit.
        end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
        text = cut[: end + 1] if end > MAX_CHARS // 2 else cut
        truncated = True
    if not has_letters(text):
        return Screen(text, truncated, "no words to code (only symbols or emoji)")
    if addresses_the_system(text):
        return Screen(text, truncated, SYSTEM_CUE)
    if not looks_english(text):
        return Screen(text, truncated, NOT_ENGLISH_CUE)
    return Screen(text, truncated)
