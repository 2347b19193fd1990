"""Hand-made features for the coder: how a reply is built (question forms, reflective
stems, directives, permission, jargon) and how it relates to what the person said.

The patterns follow MITI 4.2 conventions and the outcomes guidance, not any test set.
Each feature has a name so that the coder can turn the strongest ones into cues.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from coach.text import STOPWORDS, content_stems, normalise, stem, words

_OPENERS = frozenset(
    ["so", "and", "but", "okay", "ok", "well", "right", "yeah", "yes", "no", "now", "then", "alright", "um", "erm", "er", "oh", "mm", "hmm", "also", "because", "just", "hi", "hello", "hiya"]
)
_WH = frozenset(["what", "how", "why", "where", "when", "who", "which", "whose"])
_AUX = frozenset(
    ["do", "does", "did", "is", "are", "was", "were", "have", "has", "had", "can", "could", "will", "would", "should", "shall", "may", "might", "am", "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't", "didn't", "haven't", "hasn't", "won't", "wouldn't", "can't", "couldn't", "shouldn't"]
)
_IMPERATIVES = frozenset(
    ["try", "go", "take", "call", "ring", "stop", "make", "get", "keep", "put", "sign", "fill", "come", "bring", "read", "give", "leave", "avoid", "cut", "drink", "eat", "sit", "stay", "phone", "contact", "speak", "remember", "consider", "ask", "book", "start", "use", "look", "check", "don't"]
)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# name -> pattern, matched against the normalised unit text. Kept in one table so the
# feature vector's layout is fixed by this order.
PATTERNS: dict[str, re.Pattern[str]] = {
    "tell_me": _rx(r"\b(tell me|talk me through|say (a bit )?more|help me understand|"
                   r"walk me through|i'?m (wondering|curious)|i wonder|describe)\b"),
    "fact_wh": _rx(r"\b(how (often|many|much|long|old|far)|what time|what day|what age|which|"
                   r"where|when|who|what's (his|her|your|their) (name|number|address))\b"),
    "why": _rx(r"\bwhy\b"),
    "why_neg": _rx(r"\bwhy (didn't|don't|haven't|hasn't|wasn't|weren't|won't|can't|did|do|would|"
                   r"are|were)( (you|he|she|they|n't))?\b.*\b(not|n't|let|allow|kick|leave|"
                   r"drink|go|out)\b"),
    "tag_q": _rx(r"(,|\b)\s*(isn't it|is it|aren't you|don't you|didn't you|right|yeah|"
                 r"is that right|am i right|have i got that right|did i get that right|"
                 r"if i'?m hearing you (right|correctly)|is that it|would that be right|"
                 r"does that sound right|isn't that right)\s*\?\s*$"),
    "reflective_stem": _rx(r"\b(sounds? (like|as if|as though)|it sounds|it seems|seems like|"
                           r"you seem|i'?m hearing|i hear|what i'?m hearing|you'?re saying|"
                           r"what you'?re saying|you'?re (feeling|finding)|you feel|you felt|"
                           r"you'?ve been feeling|must (be|have been|feel)|i can see (how|that)|"
                           r"i imagine|i get the sense|i sense|it's as if|part of you|for you,|"
                           r"you'?re (worried|frustrated|scared|tired|fed up|angry|upset|"
                           r"not sure|torn|stuck))\b"),
    "so_you": _rx(r"^(and |okay |ok |right |well )?so,? (you|your|it's|that's|the|what)\b"),
    "you_said": _rx(r"\b(you (said|mentioned|told me|talked about|spoke about|described)|"
                    r"earlier you|at the start|you've (said|mentioned|told me|talked))\b"),
    "summary_marker": _rx(r"\b(so far|let me (see if|check|just check|make sure|sum|recap|pull)|"
                          r"to sum up|summar|if i'?ve got (this|that|it) right|a (few|couple of) "
                          r"things|several things|pull(ing)? (that|this|it|those) together|"
                          r"putting (that|it|those) together|what i'?ve heard|on (the )?one hand|"
                          r"from what you'?ve (said|told me)|you've told me)\b"),
    "and_also": _rx(r"\b(and (also|then|you also)|as well as|on top of|alongside)\b"),
    "feeling": _rx(r"\b(worr(y|ied|ying)|frustrat\w*|upset|angry|anger|scared|afraid|fright\w*|"
                   r"lonely|alone|isolated|tired|exhausted|hard|difficult|tough|stress\w*|"
                   r"anxi\w*|sad|down|fed up|overwhelm\w*|hurt|torn|stuck|guilt\w*|ashamed|"
                   r"embarrass\w*|happy|pleased|proud|reliev\w*|hope\w*|hopeless|desperate|"
                   r"pressure|struggl\w*|miss(es|ing)?|love[sd]?|care[sd]?|matter(s|ed)?|"
                   r"important|precious|afraid|fear\w*|annoy\w*|cross|gutted|disappoint\w*)\b"),
    "directive": _rx(r"\b(you('ll| will)? (need|have) to|you'?re going to (need|have) to|you must|"
                     r"you've got to|i need you to|we need you to|we'?ll need you|"
                     r"i'?m going to have to|i('ll| will) have to insist|i insist|make sure (you|"
                     r"that)|let me (just )?finish|that's not the (issue|point)|get back to|"
                     r"matter in hand|comply|complying|compliance|expect(ing)? (you|that you)|"
                     r"we('ll| will) be (expecting|monitoring|checking)|if not|or else|otherwise|"
                     r"you can'?t|you won'?t be allowed|not allowed|you have no choice|"
                     r"whether you like it|regardless|mustn'?t|must not|can'?t happen|"
                     r"not negotiable|non-negotiable|i'?m telling you|listen to me|we need to|"
                     r"you need|(he|she|they) (needs?|has|have) to|needs to)\b"),
    "should": _rx(r"\b(you should|you ought|you'?d better|you shouldn'?t|(he|she|they|\w+) "
                  r"should|really ought|it'?s (best|safest)|the (best|safest) (option|thing)|"
                  r"really is the)\b"),
    "argue": _rx(r"\b(only option|nothing (i|we) can do|just the process|i have to (ask|tell)|"
                 r"i'?ll have to|ha(ve|s) to be|classed as|whatever (they'?re|it'?s) about|"
                 r"(is not|isn'?t|not) safe|denial|(it'?s|that'?s) clear|appropriate|"
                 r"the concern is|we (don'?t|do not) feel|isn'?t (going to help|wise|true|right|fair|the point)|that'?s (just how|"
                 r"not true|not right|wrong|not the point)|(she|he|they) (has|have) a point|"
                 r"don'?t say that|it'?s only|let'?s get (it|this) done|calm down|be like that|"
                 r"no need to be|you'?re wrong|nonetheless|even so|but the fact is|the fact is|"
                 r"to be fair|with respect|as simple as that|for (the kids'?|daniel'?s|"
                 r"your \w+'?s?) sake|it'?s not for you)\b"),
    "suggest": _rx(r"\b(would (it|that|a|an|some|this|they|he|she) ([\w'-]+ ){0,6}?(help|be worth|"
                   r"suit|work|be useful|make (it|things) easier)|what if (we|you|he|she|they)|"
                   r"could we|we could|maybe (we|you|he|she|they) could|perhaps (we|you|he|she)|"
                   r"how about|what about (a|an|some|getting|trying|asking|letting)|some (people|"
                   r"couples|families|carers|parents)|(other|lots of|a lot of|many|most) (people|"
                   r"families|parents|carers)|just an idea|if you (fancy|felt up|ever wanted|"
                   r"like|'?d like)|only if you|no pressure|worth (a try|trying)|might be "
                   r"(worth|easier|a gentle)|it might (help|be))\b"),
    "warning": _rx(r"\b(case conference|child protection|court|legal|proceedings|police|"
                    r"take (the )?(children|kids|him|her|them) (into care|away)|consequences|"
                    r"monitor\w*|escalat\w*|last chance|final warning|we'll have to|"
                    r"my manager|report (this|you|it))\b"),
    "advice": _rx(r"\b(you could|you might (want|like|try|consider|find)|why don'?t you|why not|"
                  r"how about|what about (trying|if|asking|getting|going)|i'?d (suggest|"
                  r"recommend|advise)|i (suggest|recommend|advise)|my advice|it might (help|be "
                  r"worth|be good)|it would be (good|worth|a good idea|best|helpful) (to|if)|"
                  r"have you (thought about|considered|tried)|one option|an option|some people "
                  r"find|(many|other|lots of) people (find|have|try)|you may want|you'?d be better|"
                  r"it'?s best to|the best thing|if i were you|worth (trying|a try|thinking|"
                  r"looking)|try (to|and)|have a go)\b"),
    "permission": _rx(r"\b(would it be (ok|okay|alright|all right|helpful)|is it (ok|okay|"
                      r"alright) if|would you like (me|to hear|some|to know)|can i (share|suggest|"
                      r"tell you|offer|mention|give)|do you mind if|may i|would you mind|would it "
                      r"help if i|shall i|could i (share|suggest|offer|mention)|i have (some|a "
                      r"few) (ideas|information|thoughts)|if you'?re interested|if you'?d like|"
                      r"if you want,|it's up to you|your (choice|decision)|you (might|may) not "
                      r"(agree|want))\b"),
    "info": _rx(r"\b(there (is|are|'s) (a|an|some)|we (have|offer|provide|can offer|run)|the "
                r"(service|council|team|local authority|centre|law|act|policy|procedure|"
                r"rules?) |it'?s called|it means|that means|which means|is available|"
                r"eligib\w*|criteria|threshold|under the|funding|costs?|charge[sd]?|pays?|"
                r"benefits?|allowance|my (role|job|name)|i'?m (from|here to|a social|the)|"
                r"what happens (is|next|now)|usually|normally|typically|research|studies|"
                r"evidence|the way it works|the process|the next step|we'?ll (send|arrange|"
                r"refer|be)|i'?ll (send|arrange|refer|leave|be))\b"),
    "affirm": _rx(r"\b(you'?ve (done|managed|coped|shown|kept|been|worked|got|put|made|held|"
                  r"stuck|found|thought)|you did (really|so|a|well)|you'?re (clearly|really|"
                  r"obviously) (a|someone|good|strong|determined|caring|doing|trying)|that "
                  r"(took|takes) (courage|guts|strength)|well done|good for you|you should be "
                  r"proud|it'?s (great|good|impressive|clear|lovely) (that|how) you|i'?m "
                  r"(impressed|struck)|you care|you clearly|that shows|it shows|strength|"
                  r"resourceful|determin\w*|brave|courage|commit\w*|dedicat\w*|credit|"
                  r"impressive|proud of you|thank you for (telling|sharing|being)|"
                  r"i appreciate (you|your|how)|you know (him|her|them|your)|you'?re "
                  r"(the expert|good at|a (\w+ )?(person|mum|dad|parent))|you'?ve got (a|real)|"
                  r"says (a lot|something)|tells me (a lot|something)|takes (real|a lot|guts|"
                  r"skill)|real (skill|grit|devotion|love|care)|extraordinary|considerate|"
                  r"lovely thing|good first step|thanks for being|you haven'?t given up|"
                  r"you still|doesn'?t happen by accident|devotion|persisten\w*|grit|"
                  r"took a lot|takes a lot|not every(one| man| woman| parent| dad| mum)|"
                  r"which not|the mark of|on top of (it|things)|on your own two feet|"
                  r"you('ve)? clearly|i respect|respect that|lucky to have|good at|"
                  r"you'?re someone who|that'?s (a|the) (sign|mark)|you managed|you coped)\b"),
    "greeting": _rx(r"^(hi|hello|hiya|good (morning|afternoon|evening)|bye|goodbye|see you|"
                    r"thanks|thank you|cheers|nice to (meet|see)|lovely to)\b"),
    "backchannel": _rx(r"^(\W*(mm+|mhm+|uh[- ]huh|yeah|yes|yep|ok|okay|right|sure|i see|oh|ah|"
                       r"hmm+|no|great|fine|alright|of course|sorry|really|wow|gosh|go on|"
                       r"carry on|indeed)\W*)+$"),
    "admin": _rx(r"\b(cup of tea|sit down|where shall i sit|park(ing)?|my (badge|id|card)|"
                 r"next (week|visit|appointment|time)|same time|diary|calendar|phone number|"
                 r"this is [a-z]+,? (from|my)|my colleague|the weather|traffic|find the house|"
                 r"turn (it|the tv) down|bathroom)\b"),
    "paperwork": _rx(r"\b(report|referral|police|concerns?|assess\w*|forms?|sign(ed|ature)?|"
                     r"contract|expectations?|comply\w*|complian\w*|monitor\w*|procedures?|"
                     r"polic(y|ies)|protocol|criteria|eligib\w*|threshold|panel|funding|"
                     r"packages?|care home|residential|placement|case|conference|"
                     r"child protection|safeguard\w*|risks?|duty|legislation|statutory|"
                     r"records?|file|system|paperwork|checklist|tick box|section \d+|"
                     r"allegations?|incidents?|domestic|capacity|care plan|support plan|"
                     r"waiting list|manager|office|deficits?|needs assessment|"
                     r"it says here|on (our|the) (system|file)|the information we)\b"),
    "service": _rx(r"\b(services?|day cent(re|er)|meals on wheels|carers?|care package|"
                   r"package of care|telecare|pendant|alarm|respite|home care|domiciliary|"
                   r"occupational therap\w*|\bot\b|aids|adaptations?|rails?|walking frame|"
                   r"commode|stair ?lift|key safe|direct payments?|blue badge|course|classes|"
                   r"parenting course|budgeting|support group|counsell\w*|referr?\w*|"
                   r"care home|residential|sheltered|befriend\w*|food bank|benefits advice|"
                   r"helpline|the gp|a gp|your gp|doctor|nurse|therap\w*)\b"),
    "outcomes": _rx(r"\b(matters?( most)? to you|important to you|what (do )?you want|what "
                    r"would you like|hopes?|hoping|wish(es)?|dreams?|goals?|good day|good life|"
                    r"what works|working well|going well|strengths?|enjoy\w*|look(ing)? forward|"
                    r"your (own )?words|what would help|helpful to you|make a difference|"
                    r"your view|how (do )?you see|your perspective|together|explore|what's "
                    r"important|look like|would be different|times when|different|family time|"
                    r"what (do|would) you think|your ideas|you'?d like|best for you|in your "
                    r"shoes|on your terms|your choice|what you'?d|what you think|how you feel|"
                    r"how are you|how have you been)\b"),
    "jargon": _rx(r"\b(contract of expectations|child protection|case conference|section \d+|"
                  r"safeguarding|statutory|eligibility criteria|care and support plan|"
                  r"package of care|domiciliary|risk assessment|capacity assessment|"
                  r"best interests?|threshold|panel|outcome measures?|mental capacity act|"
                  r"deprivation of liberty|dols|core group|strategy meeting)\b"),
    "deficit": _rx(r"\b(can'?t cope|not coping|unable to|unsafe|at risk|neglect\w*|"
                   r"unkempt|deteriorat\w*|inadequate|not good enough|failing|problem)\b"),
    "we_they": _rx(r"\b(we|us|our)\b"),
}

# Names of the scalar features, in vector order.
SCALAR_NAMES: tuple[str, ...] = (
    "ends_q", "has_q", "starts_wh", "wh_what", "wh_how", "wh_why", "wh_closedish",
    "starts_aux", "last_clause_wh", "last_clause_aux", "starts_imperative", "starts_i", "starts_you", "starts_lets",
    *[f"rx_{name}" for name in PATTERNS],
    "n_words_log", "n_sent_log", "you_rate", "i_rate", "we_rate",
    "ctx_none", "ctx_prec", "ctx_recall", "ctx_shared_log", "ctx_bigrams",
    "mirror_pronouns", "echo_all", "echo_novel",
    "hist_turns_hit", "hist_only_prec",
    "multi_q", "first_is_stmt_last_q", "sent_has_reflect",
)
N_SCALARS = len(SCALAR_NAMES)
LENGTH_CAP_WORDS = 30
HISTORY_WINDOW = 3
_INDEX = {name: i for i, name in enumerate(SCALAR_NAMES)}


def index(name: str) -> int:
    return _INDEX[name]


@dataclass(frozen=True)
class ContextInfo:
    """What the person said, pre-digested once per reply (shared by its sentences)."""

    last: str
    last_stems: frozenset[str]
    last_bigrams: frozenset[tuple[str, str]]
    last_swapped: frozenset[str]  # every word of it, in the worker's voice (I -> you)
    first_person: bool
    earlier: tuple[frozenset[str], ...]  # content stems of earlier person turns, oldest first
    all_stems: frozenset[str]


def _bigrams(text: str) -> frozenset[tuple[str, str]]:
    ws = [stem(w) for w in words(text)]
    return frozenset(zip(ws, ws[1:], strict=False))


_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|mine|myself|we|our|us)\b", re.IGNORECASE)


@lru_cache(maxsize=512)
def context_info(context: str | None, earlier_person_turns: tuple[str, ...] = ()) -> ContextInfo:
    """Digest what the person said; cached, as a batch often shares one moment."""
    last = normalise(context or "")
    earlier = tuple(frozenset(content_stems(t)) for t in earlier_person_turns if t.strip())
    last_stems = frozenset(content_stems(last))
    all_stems = frozenset(last_stems.union(*earlier)) if earlier else last_stems
    return ContextInfo(
        last=last,
        last_stems=last_stems,
        last_bigrams=_bigrams(last),
        last_swapped=frozenset(_SWAP.get(w, w) for w in words(last)),
        first_person=bool(_FIRST_PERSON.search(last)),
        earlier=earlier,
        all_stems=all_stems,
    )


# The person's words as a worker would repeat them back.
_SWAP = {"i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
         "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll", "am": "are",
         "we": "you", "us": "you", "our": "your", "we're": "you're", "we've": "you've"}


_CASED_WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def _first_word(text: str) -> str:
    """The first word after discourse openers ('so', 'okay', 'hi') and a name used as an
    address ("Okay Debs, ..."), lower-cased."""
    tokens = _CASED_WORD_RE.findall(text)[:5]
    for i, token in enumerate(tokens):
        w = token.lower()
        if w in _OPENERS:
            continue
        # A capitalised word after the opening is a name ("Hi Deb", "Right, Mr Britton").
        if i > 0 and token[0].isupper() and w not in _AUX and w not in _WH \
                and w != "i" and not w.startswith("i'"):
            continue
        return w
    return tokens[0].lower() if tokens else ""


def _last_clause(text: str) -> str:
    """What follows the last comma, dash or pause: where a long turn's question usually is."""
    parts = re.split(r",|;| - | – |\.\.\.|…", text.rstrip(" .?!…"))
    return parts[-1].strip() if parts else text


def unit_features(
    text: str,
    ctx: ContextInfo,
    *,
    n_sentences: int = 1,
    sentence_texts: Sequence[str] = (),
) -> np.ndarray:
    """Scalar features of one unit (a sentence, or a whole reply with ``sentence_texts``)."""
    f = np.zeros(N_SCALARS, dtype=np.float32)
    t = normalise(text)
    low = t.lower()
    ws = words(t)
    n = max(len(ws), 1)
    first = _first_word(t)
    last_first = _first_word(_last_clause(t))
    stripped = low.rstrip(" .!…'\"")
    f[_INDEX["ends_q"]] = stripped.endswith("?")
    f[_INDEX["has_q"]] = "?" in t
    f[_INDEX["starts_wh"]] = first in _WH
    f[_INDEX["wh_what"]] = first == "what"
    f[_INDEX["wh_how"]] = first == "how"
    f[_INDEX["wh_why"]] = first == "why"
    f[_INDEX["wh_closedish"]] = first in {"where", "when", "who", "which", "whose"}
    f[_INDEX["starts_aux"]] = first in _AUX
    f[_INDEX["last_clause_wh"]] = last_first in _WH
    f[_INDEX["last_clause_aux"]] = last_first in _AUX
    f[_INDEX["starts_imperative"]] = first in _IMPERATIVES
    f[_INDEX["starts_i"]] = first in {"i", "i'm", "i've", "i'll", "i'd"}
    f[_INDEX["starts_you"]] = first in {"you", "you're", "you've", "you'll", "you'd", "your"}
    f[_INDEX["starts_lets"]] = first in {"let's", "let"}
    for name, pattern in PATTERNS.items():
        f[_INDEX[f"rx_{name}"]] = min(len(pattern.findall(t)), 3) / 3.0
    # Capped: the exemplars are mostly short, and an uncapped length would let a long
    # turn in a real conversation extrapolate to whatever code is longest in training.
    f[_INDEX["n_words_log"]] = math.log1p(min(n, LENGTH_CAP_WORDS)) / 5.0
    f[_INDEX["n_sent_log"]] = math.log1p(min(n_sentences, 3)) / 2.0
    f[_INDEX["you_rate"]] = sum(w in {"you", "your", "you're", "you've", "yourself", "you'd",
                                      "you'll"} for w in ws) / n
    f[_INDEX["i_rate"]] = sum(w in {"i", "me", "my", "i'm", "i've", "i'll", "i'd"} for w in ws) / n
    f[_INDEX["we_rate"]] = sum(w in {"we", "us", "our", "we're", "we'll", "we've"} for w in ws) / n

    stems = content_stems(t)
    if not ctx.last:
        f[_INDEX["ctx_none"]] = 1.0
    elif stems:
        shared = stems & ctx.last_stems
        f[_INDEX["ctx_prec"]] = len(shared) / len(stems)
        f[_INDEX["ctx_recall"]] = len(shared) / max(len(ctx.last_stems), 1)
        f[_INDEX["ctx_shared_log"]] = math.log1p(len(shared)) / 2.0
        f[_INDEX["ctx_bigrams"]] = min(len(_bigrams(t) & ctx.last_bigrams), 4) / 4.0
    if ctx.last and ws:
        # How much of the reply, function words included, is the person's own words
        # turned round ("I might think about it" -> "You might think about it"): a high
        # echo with nothing new is a simple reflection.
        echoed = [w in ctx.last_swapped for w in ws]
        f[_INDEX["echo_all"]] = sum(echoed) / len(ws)
        f[_INDEX["echo_novel"]] = min(sum(1 for w, e in zip(ws, echoed, strict=True)
                                          if not e and w not in STOPWORDS), 8) / 8.0
    you = f[_INDEX["you_rate"]] > 0
    f[_INDEX["mirror_pronouns"]] = float(ctx.first_person and you)
    if stems and ctx.earlier:
        # Only the last few earlier turns count, as in the exemplars: over a whole
        # conversation almost any reply shares words with something the person once said,
        # which would make every late turn look like a summary.
        window = ctx.earlier[-HISTORY_WINDOW:]
        beyond = stems - ctx.last_stems
        hits = sum(len(beyond & e) >= 2 for e in window)
        f[_INDEX["hist_turns_hit"]] = min(hits, HISTORY_WINDOW) / HISTORY_WINDOW
        f[_INDEX["hist_only_prec"]] = len(beyond & frozenset().union(*window)) / len(stems)
    if sentence_texts:
        qs = [s.rstrip(" .!…'\"").endswith("?") for s in sentence_texts]
        f[_INDEX["multi_q"]] = min(sum(qs), 3) / 3.0
        f[_INDEX["first_is_stmt_last_q"]] = float(len(qs) > 1 and not qs[0] and qs[-1])
        f[_INDEX["sent_has_reflect"]] = float(
            any(PATTERNS["reflective_stem"].search(s) for s in sentence_texts)
        )
    return f
