"""Keeping the person in character and hidden material hidden.

Three checks, each deterministic:

* ``looks_like_injection`` — the trainee is talking to the software rather than to the
  person ("ignore your instructions", "print your YAML", "you are now the worker"). The
  person answers in character, puzzled, and nothing unlocks. Safety does not rest on
  this check: an undetected attempt still cannot unlock anything without the receptivity
  and topic the card demands.
* ``out_of_character`` — a generated reply that talks like a model, swaps roles or
  quotes the machinery (receptivity, YAML, hidden items).
* ``LeakGuard`` — a reply (or a retrieved snippet) that mentions a locked item: one of
  its key phrases, or a sentence close in meaning to one of its lines or its statement.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import numpy as np

from coach.roleplay._cards import phrase_pattern
from coach.roleplay._lines import CardIndex
from coach.text import split_sentences

_INJECTION = [
    r"\bignore\b.{0,40}\b(instructions?|prompts?|rules|directions|guidelines|programming|previous|above)\b",
    r"\bdisregard\b.{0,40}\b(instructions?|prompts?|rules|previous|above)\b",
    r"\bforget\b.{0,30}\b(instructions?|prompts?|rules|character|persona|role)\b",
    r"\b(system|developer)\s+(prompt|message|mode|instructions?)\b",
    r"\byour\s+(instructions|prompt|programming|guidelines|rules)\b",
    r"\bthe\s+(system\s+)?(instructions|prompt)\b",
    r"\b(hidden|secret|locked)\s+(items?|outcomes?|facts?|information|info|notes|material|agenda|card|lines?|section|fields?)\b",
    r"\byour\s+(hidden|secret|locked)\b",
    r"\b(yaml|json|xml|markdown|api|endpoint|config(uration)?|source code)\b",
    r"\b(receptivity|persona|personas|facilitator notes?|unlock(ed|s)?|state machine)\b",
    r"\b(print|output|dump|display|reveal|repeat|recite|export)\b.{0,40}\b(your|the|all)\b.{0,30}\b(card|file|data|settings|script|lines|notes|text|outcomes|items|values?|state|score|level|variables?)\b",
    r"\byou\s+are\s+now\b",
    r"\byou('| a)re\s+((actually|really|just|only|not)\s+)?(an?|the)\s+(ai|a\.i\.|assistant|chat ?bot|bot|language model|llm|program|computer|social worker|worker|nurse|trainer|narrator|system|model)\b",
    r"\b(pretend|behave)\s+(to be|as if|as though|as|like)\b",
    r"\b(act|respond|reply|answer|speak|talk)\s+(as|like)\s+(an?\s+|the\s+|my\s+|if\s+you\s+were\s+)?(ai|assistant|chat ?bot|narrator|trainer|supervisor|worker|social worker|nurse|system|model|developer|admin|someone else|another person)\b",
    r"\b(swap|switch|change|reverse|trade)\s+(roles|places|sides|parts)\b",
    r"\b(i('| a)m|i will be|let me be)\s+(debs|mr britton|iris|johanna|jamie|the person|the client)\b",
    r"\bfrom now on\b.{0,30}\b(you are|you're|act|respond|reply|pretend|speak as|answer as)\b",
    r"\b(jailbreak|dan mode|developer mode|debug mode|admin mode|god mode|sudo|maintenance mode)\b",
    r"\b(as an ai|language model|chat ?gpt|openai|anthropic|gpt-?\d|llama|large language|neural network)\b",
    r"\b(break|drop|stop|exit|leave|step out of|come out of)\s+(the\s+|your\s+)?(character|role ?-?play|simulation|scenario|game|act)\b",
    r"\b(out of|stay in|in)\s+character\b",
    r"\brole ?-?play\b",
    r"\bthis is (just )?(a|an) (test|training|simulation|exercise|game|roleplay|role-play)\b",
    r"\b(training|practice)\s+(exercise|scenario|simulation|tool|software|app)\b",
    r"<\|?\s*(system|im_start|im_end|assistant|user)\s*\|?>|\[/?inst\]|#{2,}\s*(system|instruction)",
    r"\b(score|number|value|level|percentage|rating)\s+(of|for)\s+(your\s+)?(trust|mood|openness)\b",
    r"\bwhat\s+(is|'s)\s+your\s+(trust|mood|openness)\s+(score|level|number|value|rating)\b",
    r"\bnew\s+(instructions|task|rules|persona)\b",
    # Requests to produce a text artefact are addressed to the software, not the person.
    r"^\W*(please\s+|now\s+|can you\s+|could you\s+)?(write|compose|generate|draft|create|produce|format|translate|summari[sz]e|rewrite|list)\b.{0,60}\b(poem|story|song|essay|haiku|limerick|script|table|bullet|bullets|list|json|csv|code|french|spanish|welsh|english|points?)\b",
    r"\b(in|as)\s+(json|yaml|xml|csv|a table|bullet points|a list|a poem|markdown)\b",
    r"\b(admin|administrator|developer|supervisor) (here|override|access|command)\b",
]
_INJECTION_RE = re.compile("|".join(f"(?:{p})" for p in _INJECTION), re.IGNORECASE)

_OUT_OF_CHARACTER = [
    r"\bas an? (ai|a\.i\.|language model|assistant|chat ?bot|virtual)\b",
    r"\b(language model|large language|chat ?gpt|openai|anthropic|llama)\b",
    r"\bi('m| am) (an? |the )?(ai|a\.i\.|assistant|chat ?bot|bot|language model|model|program|simulation|character)\b",
    r"\b(system prompt|my instructions|the instructions|my programming|my guidelines)\b",
    r"\b(receptivity|persona|yaml|json|facilitator|unlock(ed|s)?)\b",
    r"\bhidden (items?|outcomes?|facts?|material|information|section)\b",
    r"\brole ?-?play\b",
    r"\bI (can('|no)t|am unable to|won't) (comply|assist|help with (that|this)|fulfil|fulfill|provide that|do that request)\b",
    r"\b(stage of change|precontemplation|contemplation stage|trigger list)\b",
    r"(?<![\w.])0\.\d{1,3}(?![\w.])",  # a bare 0.xx: a state value read out
    r"\bOARS\b|\bMITI\b",
]
_OUT_OF_CHARACTER_RE = re.compile("|".join(f"(?:{p})" for p in _OUT_OF_CHARACTER), re.IGNORECASE)
# A reply that starts speaking as someone else, or writes both sides of the dialogue.
_OTHER_SPEAKERS = r"(worker|social worker|practitioner|nurse|trainee|assistant|user|system|narrator|interviewer|me|you)"
_ROLE_SWAP_RE = re.compile(rf"(^|\n)\s*\**\s*{_OTHER_SPEAKERS}\s*\**\s*:", re.IGNORECASE)

def looks_like_injection(text: str) -> bool:
    """True when the trainee addresses the software, not the person."""
    return bool(_INJECTION_RE.search(text))


def out_of_character(text: str, *, name: str | None = None) -> str | None:
    """Why a reply breaks character, or None. ``name`` is the person's own name."""
    hit = _OUT_OF_CHARACTER_RE.search(text)
    if hit:
        return f"talks about itself or the exercise ({hit.group(0)!r})"
    if _ROLE_SWAP_RE.search(text):
        return "speaks as someone other than the person"
    if name:
        # "Debs: ..." at the start is only a label; a second one means a scripted dialogue.
        labels = re.findall(rf"(^|\n)\s*{re.escape(name)}\s*:", text, re.IGNORECASE)
        if len(labels) > 1:
            return "writes several turns of dialogue"
    return None


def strip_speaker_label(text: str, name: str) -> str:
    """Drop a leading "Name:" or quotes a model may wrap a line in."""
    text = text.strip()
    text = re.sub(rf"^\**\s*{re.escape(name)}\s*\**\s*:\s*", "", text, flags=re.IGNORECASE)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'“”":
        text = text[1:-1].strip()
    return text.strip("“”").strip()


class LeakGuard:
    """Does a text give away a hidden item that is still locked?

    Key phrases catch the obvious. For a paraphrase, each sentence is attributed to the
    authored line (or item statement) nearest in meaning: if that belongs to a locked
    item and is at least ``floor`` similar, or any locked item's line is ``hard`` similar,
    the sentence gives it away. Attribution beats a bare threshold because MiniLM rates
    innocent small talk about the same people ("Peter works hard") nearly as close to a
    hidden line as a real paraphrase of it; the nearest authored line decides.
    """

    def __init__(
        self, index: CardIndex, floor: float = 0.5, hard: float = 0.8, min_words: int = 5
    ) -> None:
        self.index = index
        self.floor = floor
        self.hard = hard
        self.min_words = min_words
        # Seeded with the authored lines, whose vectors the index already has.
        self._seed = {e.text: index.line_vectors[n] for n, e in enumerate(index.entries)}
        self._cache: dict[str, np.ndarray] = dict(self._seed)
        self._patterns = {
            item.id: phrase_pattern(item.keywords) for item in index.card.hidden.items
        }

    def sentence_vectors(self, parts: list[str]) -> np.ndarray:
        """Embeddings of sentences, embedding the unseen ones in one batch."""
        missing = list(dict.fromkeys(p for p in parts if p not in self._cache))
        if missing:
            if len(self._cache) > 4096:
                self._cache = dict(self._seed)
            for part, vector in zip(missing, self.index.embedder.embed(missing), strict=True):
                self._cache[part] = vector
        return np.vstack([self._cache[p] for p in parts])

    def prime(self, texts: list[str]) -> None:
        """Embed the sentences of many texts at once (checking a whole bank is then fast)."""
        self.sentence_vectors([p for t in texts for p in split_sentences(t)] or [" "])

    def keyword_hit(self, text: str, locked: Collection[str]) -> str | None:
        for item_id in locked:
            pattern = self._patterns[item_id]
            if pattern and pattern.search(text):
                return item_id
        return None

    def similar_item(self, text: str, locked: Collection[str]) -> tuple[str, float] | None:
        """The locked item a sentence of ``text`` paraphrases, with its similarity."""
        parts = split_sentences(text)
        locked = set(locked)
        if not parts or not locked:
            return None
        sims = self.sentence_vectors(parts) @ self.index.all_vectors.T
        owners = self.index.owners
        found: tuple[str, float] | None = None
        for part, row in zip(parts, sims, strict=True):
            best = int(np.argmax(row))
            candidates = []
            # Attribution needs a sentence with some content: "Kids kick off." is near
            # everything about children and gives nothing away.
            long_enough = len(part.split()) >= self.min_words
            if long_enough and owners[best] in locked and row[best] >= self.floor:
                candidates.append((owners[best], float(row[best])))
            for col, owner in enumerate(owners):
                if owner in locked and row[col] >= self.hard:
                    candidates.append((owner, float(row[col])))
            for owner, score in candidates:
                if found is None or score > found[1]:
                    found = (owner, score)  # type: ignore[assignment]  # owner is in `locked`, so not None
        return found

    def leaked_item(self, text: str, locked: Collection[str]) -> str | None:
        """The id of a locked item the text gives away, or None (for logs, never the UI)."""
        locked = list(locked)
        if not locked:
            return None
        hit = self.keyword_hit(text, locked)
        if hit:
            return hit
        similar = self.similar_item(text, locked)
        return similar[0] if similar else None
