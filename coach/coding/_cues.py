"""Cues (short named reasons for a code and stance) and the outcomes score of a reply.

Cues are built from what the coder actually saw (the matched phrases, the words shared
with what the person said), so a trainee can check them against their own reply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from coach.coding._features import PATTERNS, index
from coach.coding._vocabulary import HistoryTurn
from coach.text import STOPWORDS, content_stems, stem, words

# How far each code leans towards outcomes-focused practice (MITI: reflections and open
# questions are MI-consistent; confronting and unsolicited advice are not). The stance
# carries most of the score; the code tips it.
CODE_LEAN: dict[str, float] = {
    "summary": 1.0,
    "reflection_complex": 1.0,
    "reflection_simple": 0.7,
    "affirmation": 0.7,
    "open_question": 0.5,
    "closed_question": -0.2,
    "information": -0.2,
    "advice": -0.4,
    "confront": -1.0,
    "other": 0.0,
}
STANCE_WEIGHT = 0.7


def outcomes_score(code: str, stance_probs: Mapping[str, float]) -> float:
    """-1 (paperwork-led) … +1 (outcomes-focused) for one reply."""
    lean = stance_probs.get("outcomes", 0.0) - stance_probs.get("paperwork", 0.0)
    score = STANCE_WEIGHT * lean + (1 - STANCE_WEIGHT) * CODE_LEAN.get(code, 0.0)
    return float(np.clip(score, -1.0, 1.0))


# Advice to give up, part with or leave what the person has just named ("Cassie's the only
# one who's kept me going" -> "Have you thought about rehoming Cassie?") is led by the
# worker's view of risk, however gently it is put: the person said it is what matters.
_GIVE_UP = re.compile(
    r"\b(rehom\w*|give (up|away)|giving (up|away)|get(ting)? rid of|part(ing)? with|"
    r"sell(ing)? (up|the|your)|put (her|him|it|them) down|"
    r"(move|moving|go|going) (in)?to (a )?(care|nursing) home)\b", re.IGNORECASE)


def gives_up_what_they_named(text: str, context: str) -> bool:
    """Whether a reply proposes giving up something the person's last turn named."""
    return bool(_GIVE_UP.search(text)) and bool(
        set(content_stems(text)) & set(content_stems(context)))


@dataclass(frozen=True)
class Evidence:
    text: str
    sentences: tuple[str, ...]
    sentence_codes: tuple[str, ...]
    code: str
    stance: str
    context: str
    ctx_stems: frozenset[str]
    earlier: tuple[frozenset[str], ...]
    history: tuple[HistoryTurn, ...]
    scalars: np.ndarray
    truncated: bool = False
    dropped_sentences: int = 0


def _match(name: str, text: str) -> str | None:
    m = PATTERNS[name].search(text)
    return m.group(0).strip(" ,").lower() if m else None


# Words too plain to name as "their words" in a cue (the features still count them).
_WEAK = frozenset({"able", "come", "came", "went", "put", "take", "took", "give", "gave", "keep",
                   "kept", "see", "saw", "look", "getting", "doing", "done", "day", "time",
                   "people", "person", "sure", "good", "bad", "big", "little", "lot", "else"})


def _shared_words(text: str, stems: frozenset[str], limit: int = 3) -> list[str]:
    """Words of the reply that the person also used, in reply order, without repeats."""
    seen: set[str] = set()
    out: list[str] = []
    for w in words(text):
        s = stem(w)
        if w in STOPWORDS or w in _WEAK or len(w) <= 2 or s not in stems or s in seen:
            continue
        seen.add(s)
        out.append(w)
        if len(out) == limit:
            break
    return out


def _about(ws: list[str]) -> str:
    return f" ({', '.join(ws)})" if ws else ""


def _topics(text: str, turns: list[frozenset[str]], limit: int = 3) -> list[str]:
    """One shared word per person turn drawn on (most recent first), for summary cues."""
    out: list[str] = []
    for stems in reversed(turns):
        for w in sorted(_shared_words(text, stems, limit=6), key=len, reverse=True):
            if w not in out:
                out.append(w)
                break
        if len(out) == limit:
            break
    return out


_WHAT_MATTERS = re.compile(
    r"\b(matters?|important|hopes?|want|like to|would help|good day|good life|wish|enjoy)\b",
    re.IGNORECASE,
)


# A question that opens with an auxiliary ("Do you…", "Has he…", "Could you…") can be
# answered yes or no; one that opens otherwise ("What's your date of birth?") asks for a fact.
_YES_NO_START = re.compile(
    r"(?:^|.*[.!?]\s+)(?:and |so |but |ok(?:ay)?,? )?(?:do|does|did|is|are|was|were|am|have|has|had|"
    r"can|could|will|would|shall|should|may|might|must|isn't|aren't|wasn't|don't|doesn't|"
    r"didn't|haven't|hasn't|won't|wouldn't|can't|couldn't)\b",
    re.IGNORECASE | re.DOTALL,
)


def _asked_what_matters(history: tuple[HistoryTurn, ...]) -> bool:
    return any(t.speaker == "worker" and "?" in t.text and _WHAT_MATTERS.search(t.text)
               for t in history)


def _code_cues(ev: Evidence) -> list[str]:
    f = ev.scalars
    t = ev.text
    shared = _shared_words(t, ev.ctx_stems)
    # Only the sentence that carries the code counts: "It sounds hard. What helps?" is a
    # reflection followed by a question, not a reflection phrased as one.
    phrased_as_q = any(sentence.rstrip(" .'\"").endswith("?")
                       for sentence, c in zip(ev.sentences, ev.sentence_codes, strict=True)
                       if c == ev.code) or (len(ev.sentences) == 1 and f[index("ends_q")] > 0)
    code = ev.code
    if code == "open_question":
        if f[index("rx_why")] > 0:
            if ev.stance == "paperwork":
                return ["asks why — open, but accusing"]
            return ["asks why — open, though 'why' can sound like a challenge"]
        if f[index("rx_tell_me")] > 0:
            return [f"'{_match('tell_me', t)}…' invites their own account"]
        if _WHAT_MATTERS.search(t):
            return ["open question about what matters to them"]
        return ["open question: leaves room for their own answer"]
    if code == "closed_question":
        if f[index("rx_permission")] > 0:
            return ["asks permission (a closed question)"]
        if re.search(r"\bdo you want to tell me\b", t, re.IGNORECASE):
            return ["'do you want to tell me…?' can be answered yes or no"]
        if f[index("wh_closedish")] > 0 or f[index("rx_fact_wh")] > 0:
            return ["asks for a single fact (a closed question)"]
        if _YES_NO_START.match(t):
            return ["closed question: invites a yes or no"]
        return ["closed question: asks for a short, set answer"]
    if code in ("reflection_simple", "reflection_complex"):
        cues = []
        if code == "reflection_simple":
            cues.append(f"restates their words{_about(shared)}" if shared
                        else "restates what they just said")
        else:
            feeling = _match("feeling", t)
            if feeling and feeling not in ev.context.lower():
                cues.append(f"goes beyond their words: names a feeling ('{feeling}')")
            elif shared:
                cues.append(f"paraphrases what they said{_about(shared)} and adds meaning")
            else:
                cues.append("reflects the meaning behind what they said")
        if phrased_as_q:
            cues.append("a reflection, though phrased as a question")
        return cues
    if code == "summary":
        topics = _topics(t, [*ev.earlier[-3:], ev.ctx_stems])
        return [f"gathers several things they said{_about(topics)}" if len(topics) > 1
                else "gathers several things they said"]
    if code == "affirmation":
        return ["recognises a strength or effort of theirs"]
    if code == "advice":
        if f[index("rx_permission")] > 0:
            return ["asks permission before advising"]
        return ["advises without asking permission"]
    if code == "confront":
        directive = _match("directive", t)
        if directive:
            return [f"directs or insists ('{directive}')"]
        warning = _match("warning", t)
        if warning:
            return [f"warns of consequences ('{warning}')"]
        return ["argues with or corrects what they said"]
    if code == "information":
        if f[index("rx_paperwork")] > 0:
            return [f"gives information from the file or procedure ('{_match('paperwork', t)}')"]
        return ["gives information"]
    if f[index("rx_greeting")] > 0:
        return ["greeting or courtesy"]
    if f[index("rx_backchannel")] > 0:
        return ["brief acknowledgement"]
    return ["no codeable act (admin, filler or small talk)"]


def _stance_cues(ev: Evidence) -> list[str]:
    f = ev.scalars
    t = ev.text
    cues: list[str] = []
    if ev.stance == "paperwork":
        jargon = _match("jargon", t)
        if jargon:
            cues.append(f"uses jargon ('{jargon}')")
        service = _match("service", t)
        if service and ev.code in ("advice", "information", "confront", "closed_question") \
                and not _asked_what_matters(ev.history):
            verb = "asks about" if ev.code == "closed_question" else "offers"
            cues.append(f"{verb} a service ('{service}') before asking what matters")
        paperwork = _match("paperwork", t)
        if paperwork and not jargon:
            cues.append(f"procedure- or risk-led ('{paperwork}')")
        if f[index("rx_deficit")] > 0:
            cues.append(f"focuses on deficits ('{_match('deficit', t)}')")
        if ev.code == "advice" and gives_up_what_they_named(t, ev.context):
            cues.append("suggests giving up what they have just said matters to them")
        if not cues:
            cues.append("led by the worker's agenda rather than the person's")
    elif ev.stance == "outcomes":
        shared = _shared_words(t, ev.ctx_stems, limit=2)
        if shared and ev.code not in ("reflection_simple", "reflection_complex", "summary"):
            cues.append(f"uses their own words ({', '.join(shared)})")
        if f[index("rx_affirm")] > 0 and ev.code != "affirmation":
            cues.append("builds on their strengths")
        if re.search(r"\b(times when|different|going well|working well|what works)\b", t,
                     re.IGNORECASE):
            cues.append("looks for times things were different or going well")
        elif re.search(r"\b(hopes?|wish|want|would help|matters?|important to you)\b", t,
                       re.IGNORECASE):
            cues.append("curious about what matters to them and their hopes")
        if not cues:
            cues.append("follows the person's lead")
    return cues


def build_cues(ev: Evidence) -> tuple[str, ...]:
    cues = _code_cues(ev) + _stance_cues(ev)
    if len(ev.sentences) > 1:
        cues.append(f"{len(ev.sentences)} sentences; the primary code follows the strongest act")
    if ev.truncated or ev.dropped_sentences:
        kept = len(ev.sentences)
        cues.append("long reply: only its first sentence was coded" if kept == 1 else
                    f"long reply: only its first {kept} sentences were coded")
    return tuple(dict.fromkeys(cues))
