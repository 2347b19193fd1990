"""The utterance coder: an OARS code, a stance and named cues for every worker reply.

Local, deterministic and fast. Each reply is split into sentences and all the sentences
of a batch go through the coder's encoder in one call (MiniLM fine-tuned on the exemplars,
``_encoder.py``); hand-made features (question forms, reflective stems, directives, jargon,
overlap with what the person said) and the embedding feed two small softmax regressions
trained on the project's own exemplars (``coder.npz``, see ``_training.py``).

A short reply is coded as a whole, like the exemplars; its sentences get codes that agree
with it. A long turn (three sentences or more, or over 30 words) is coded sentence by
sentence and its primary code follows the exemplars' convention: confront whenever
present, otherwise the highest of summary > complex reflection > simple reflection >
affirmation > open question > closed question > advice > information > other. A bare
acknowledgement ("Mm.", "Okay.") is left out of the reply-level reading and never outranks
a confidently coded act beside it. The sentence codes are what the report counts (MITI
counts every question and reflection in a turn); the primary code is for display.

    coder = get_coder()
    result = coder.code("So money's been the worry.", context="It's about money, mostly.")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from coach.coding._cues import Evidence, build_cues, gives_up_what_they_named, outcomes_score
from coach.coding._encoder import ENCODER_DIR, encoder_available, get_coding_encoder
from coach.coding._features import (
    N_SCALARS,
    PATTERNS,
    ContextInfo,
    context_info,
    index,
    unit_features,
)
from coach.coding._model import MODEL_PATH, CoderModel
from coach.coding._ngrams import hashed_ngrams
from coach.coding._screen import MAX_SENTENCES, Screen, screen
from coach.coding._vocabulary import (
    CODES,
    STANCES,
    CodeResult,
    HistoryTurn,
    InvalidReply,
    SentenceCode,
    reply_text,
)
from coach.embedding import DIMENSIONS, Embedder, get_embedder
from coach.text import split_sentences, words

# Priority of codes within a multi-sentence reply (the exemplar files' convention);
# confront overrides it whenever any sentence is confronting.
PRIORITY: tuple[str, ...] = (
    "summary", "reflection_complex", "reflection_simple", "affirmation", "open_question",
    "closed_question", "advice", "information", "other",
)
_RANK = {code: i for i, code in enumerate(PRIORITY)}
_RANK["confront"] = -1
# Replies longer than this (or of three sentences or more) are coded sentence by sentence
# under the "hybrid" rule; shorter ones as a whole, like the exemplars.
LONG_REPLY_WORDS = 30
# A person's turn shorter than this is read together with their turn before it.
SHORT_CONTEXT_WORDS = 5


def primary_by_priority(codes: Sequence[str]) -> str:
    """The primary code of a reply from its sentences' codes."""
    if not codes:
        return "other"
    return min(codes, key=lambda c: _RANK[c])


@dataclass(frozen=True)
class CodeRequest:
    """One reply to code, with what the person said just before and, optionally, the
    conversation so far (oldest first). Without ``context`` the last person turn in
    ``history`` is used."""

    reply: str
    context: str | None = None
    history: Sequence[HistoryTurn] = ()


@dataclass
class Prepared:
    """A reply after the cheap checks, before embedding."""

    request: CodeRequest
    screen: Screen
    sentences: list[str]
    ctx: ContextInfo
    dropped_sentences: int = 0


@dataclass
class Featurised:
    """Feature rows for a batch: one reply row per request, and one row per sentence."""

    prepared: list[Prepared]
    reply_scalars: np.ndarray  # (n, S)
    reply_embeddings: np.ndarray  # (n, D)
    reply_ngrams: np.ndarray  # (n, BUCKETS)
    sentence_scalars: list[np.ndarray] = field(default_factory=list)  # each (k_i, S)
    sentence_embeddings: list[np.ndarray] = field(default_factory=list)  # each (k_i, D)
    sentence_ngrams: list[np.ndarray] = field(default_factory=list)  # each (k_i, BUCKETS)


_BARE = PATTERNS["backchannel"]


def core_sentences(sentences: Sequence[str]) -> list[int]:
    """Positions of the sentences that carry the reply: all but bare acknowledgements
    ("Mm.", "Okay.", "Right, yeah."), unless nothing else is left."""
    core = [k for k, s in enumerate(sentences) if not _BARE.match(s.strip())]
    return core or list(range(len(sentences)))


def reply_unit(p: Prepared, core: Sequence[int] | None = None) -> tuple[str, list[str]]:
    """The text and sentences that the reply-level model reads (see ``core_sentences``)."""
    core = core_sentences(p.sentences) if core is None else core
    if len(core) == len(p.sentences):
        return p.screen.text, list(p.sentences)
    texts = [p.sentences[k] for k in core]
    return " ".join(texts), texts


def _split_context(request: CodeRequest) -> tuple[str, list[str]]:
    """What the person just said and their earlier turns, from context and history."""
    person = [t.text for t in request.history if t.speaker == "person" and t.text.strip()]
    context = (request.context or "").strip()
    if not context and person:
        context = person.pop()
    elif person and person[-1].strip() == context:
        person.pop()
    # A bare "Yeah." or "Mm, I suppose." carries little to reflect or answer: in a real
    # conversation the worker is still responding to what the person said before it.
    while person and len(words(context)) < SHORT_CONTEXT_WORDS:
        context = f"{person.pop()} {context}".strip()
    return context, person


def prepare(request: CodeRequest) -> Prepared:
    reply_text(request.reply)
    scr = screen(request.reply)
    context, earlier = _split_context(request)
    ctx = context_info(context, tuple(earlier))
    sentences = split_sentences(scr.text) if scr.uncodable is None else [scr.text]
    dropped = max(len(sentences) - MAX_SENTENCES, 0)
    return Prepared(request, scr, sentences[:MAX_SENTENCES], ctx, dropped)


def featurise(prepared: list[Prepared], embedder: Embedder) -> Featurised:
    """Embed every sentence of the batch in one call, then build the feature rows.

    Similarity to what the person said is measured on words, not vectors: embedding the
    context as well made no difference to cross-validated accuracy and doubled the cost.
    """
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for p in prepared:
        spans.append((len(texts), len(texts) + len(p.sentences)))
        texts.extend(p.sentences)
    vectors = embedder.embed(texts) if texts else np.zeros((0, DIMENSIONS), np.float32)

    n = len(prepared)
    cores = [core_sentences(p.sentences) for p in prepared]
    units = [reply_unit(p, core) for p, core in zip(prepared, cores, strict=True)]
    reply_scalars = np.zeros((n, N_SCALARS), dtype=np.float32)
    reply_embeddings = np.zeros((n, DIMENSIONS), dtype=np.float32)
    reply_ngrams = hashed_ngrams([text for text, _ in units])
    out = Featurised(prepared, reply_scalars, reply_embeddings, reply_ngrams)
    for i, (p, (start, end)) in enumerate(zip(prepared, spans, strict=True)):
        sent_vecs = vectors[start:end]
        core = cores[i]
        # The reply's vector is the normalised mean of its sentences' vectors: one
        # embedding pass serves both the sentence codes and the reply code. Bare
        # acknowledgements ("Mm.", "Okay.") are left out of it, as MITI codes the words
        # under the filler: "Mm. Switching off matters to you." is a reflection.
        mean = sent_vecs[core].mean(axis=0)
        reply_embeddings[i] = mean / max(float(np.linalg.norm(mean)), 1e-9)
        text, core_texts = units[i]
        reply_scalars[i] = unit_features(text, p.ctx, n_sentences=len(core_texts),
                                         sentence_texts=core_texts)
        # A one-sentence reply is coded as a whole; only longer ones need sentence rows.
        sent_rows = np.zeros((len(p.sentences), N_SCALARS), dtype=np.float32)
        if len(p.sentences) == 1:
            sent_rows[0] = reply_scalars[i]
            sent_grams = reply_ngrams[i : i + 1]
        else:
            for j, sentence in enumerate(p.sentences):
                sent_rows[j] = unit_features(sentence, p.ctx)
            sent_grams = hashed_ngrams(p.sentences)
        out.sentence_scalars.append(sent_rows)
        out.sentence_embeddings.append(sent_vecs)
        out.sentence_ngrams.append(sent_grams)
    return out


class Coder:
    """Codes worker replies. Build one with ``get_coder()``; it is safe to share."""

    def __init__(self, model: CoderModel, embedder: Embedder) -> None:
        self.model = model
        self.embedder = embedder
        self.primary_rule = str(model.meta.get("primary_rule", "hybrid"))
        self.unsure_reply = float(model.meta.get("unsure_reply", 0.5))
        self.sure_sentence = float(model.meta.get("sure_sentence", 0.6))
        self._codes = model.code.classes
        self._stances = model.stance.classes
        if set(self._codes) != set(CODES) or set(self._stances) != set(STANCES):
            raise ValueError("the coder weights do not cover the current code vocabulary")

    def code(
        self, reply: str, context: str | None = None, history: Sequence[HistoryTurn] = ()
    ) -> CodeResult:
        return self.code_many([CodeRequest(reply, context, tuple(history))])[0]

    def code_many(self, requests: Sequence[CodeRequest]) -> list[CodeResult]:
        """Code a batch; raises InvalidReply (naming the position) if any reply is empty."""
        prepared: list[Prepared] = []
        for i, request in enumerate(requests):
            try:
                prepared.append(prepare(request))
            except InvalidReply as exc:
                if len(requests) == 1:
                    raise
                raise InvalidReply(f"reply {i + 1}: {exc}") from exc
        return self.code_prepared(prepared)

    def code_prepared(self, prepared: list[Prepared]) -> list[CodeResult]:
        codable = [p for p in prepared if p.screen.uncodable is None]
        results: dict[int, CodeResult] = {}
        if codable:
            feats = featurise(codable, self.embedder)
            for p, result in zip(codable, self.code_features(feats), strict=True):
                results[id(p)] = result
        return [results.get(id(p)) or _uncodable(p) for p in prepared]

    # -- decisions ---------------------------------------------------------------------

    def probabilities(self, feats: Featurised) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        """Reply-level code and stance probabilities, and per-sentence code probabilities."""
        x_reply = self.model.design(feats.reply_scalars, feats.reply_embeddings,
                                    feats.reply_ngrams)
        p_code = self.model.code.proba(x_reply)
        p_stance = self.model.stance.proba(self.model.stance_design(
            feats.reply_scalars, feats.reply_embeddings, feats.reply_ngrams, p_code))
        counts = [len(s) for s in feats.sentence_scalars]
        if sum(counts):
            x_sent = self.model.design(
                np.vstack(feats.sentence_scalars), np.vstack(feats.sentence_embeddings),
                np.vstack(feats.sentence_ngrams),
            )
            flat = self.model.code.proba(x_sent)
            p_sent = np.split(flat, np.cumsum(counts)[:-1])
        else:
            p_sent = [np.zeros((0, len(self._codes)))] * len(counts)
        return p_code, p_stance, p_sent

    def code_features(self, feats: Featurised) -> list[CodeResult]:
        """Decide codes for an already featurised batch (training and evals reuse it)."""
        p_code, p_stance, p_sent = self.probabilities(feats)
        results = []
        for i, p in enumerate(feats.prepared):
            results.append(self._one(p, feats, i, p_code[i], p_stance[i], p_sent[i]))
        return results

    def _one(
        self, p: Prepared, feats: Featurised, i: int, pc: np.ndarray, ps: np.ndarray,
        psent: np.ndarray,
    ) -> CodeResult:
        codes = self._codes
        reply_choice = codes[int(np.argmax(pc))]
        long_reply = len(p.sentences) >= 3 or len(p.screen.text.split()) > LONG_REPLY_WORDS
        if len(p.sentences) == 1:
            primary, sentence_codes = reply_choice, [reply_choice]
            confidence = float(pc.max())
        elif self.primary_rule == "reply" or (self.primary_rule == "hybrid" and not long_reply):
            primary = reply_choice
            sentence_codes = _align(primary, psent, codes)
            confidence = float(pc.max())
            sure = [codes[int(k)] for k, row in zip(psent.argmax(axis=1), psent, strict=True)
                    if row.max() >= self.sure_sentence and codes[int(k)] != "summary"]
            # "Other" never outranks a confidently coded act beside it: an acknowledgement
            # or a greeting before a reflection or a question is not the reply's act.
            other_over_act = primary == "other" and any(c != "other" for c in sure)
            unsure = pc.max() < self.unsure_reply or other_over_act
            if self.primary_rule == "hybrid" and unsure and sure:
                # The reply model is unsure (two acts in one short reply, a mix it saw
                # rarely): fall back on the convention over confidently coded sentences.
                primary = primary_by_priority(sure)
                sentence_codes = _align(primary, psent, codes)
                k = codes.index(primary)
                confidence = float(psent[:, k].max())
        else:
            # A long turn is unlike the short exemplars as a whole but each sentence is
            # like them: code the sentences and take the convention's strongest act.
            sentence_codes = [codes[int(k)] for k in psent.argmax(axis=1)]
            # A summary gathers the whole turn; one sentence of it is a reflection.
            sentence_codes = ["reflection_complex" if c == "summary" else c
                              for c in sentence_codes]
            primary = "summary" if reply_choice == "summary" else primary_by_priority(sentence_codes)
            k = codes.index(primary)
            confidence = max(float(pc[k]), float(psent[:, k].max()))
        stance = self._stances[int(np.argmax(ps))]
        stance_probs = {s: float(ps[k]) for k, s in enumerate(self._stances)}
        if primary == "advice" and gives_up_what_they_named(p.screen.text, p.ctx.last):
            stance, stance_probs = "paperwork", {s: float(s == "paperwork") for s in stance_probs}
        evidence = Evidence(
            text=p.screen.text,
            sentences=tuple(p.sentences),
            sentence_codes=tuple(sentence_codes),
            code=primary,
            stance=stance,
            context=p.ctx.last,
            ctx_stems=p.ctx.last_stems,
            earlier=p.ctx.earlier,
            history=tuple(p.request.history),
            scalars=feats.reply_scalars[i],
            truncated=p.screen.truncated,
            dropped_sentences=p.dropped_sentences,
        )
        return CodeResult(
            code=primary,
            stance=stance,
            sentences=tuple(
                SentenceCode(text=s, code=c)  # type: ignore[arg-type]  # the model's classes are the Code values (checked on load)
                for s, c in zip(p.sentences, sentence_codes, strict=True)
            ),
            cues=build_cues(evidence),
            confidence=round(confidence, 3),
            outcomes_score=round(outcomes_score(primary, stance_probs), 3),
            extra={
                "code_probs": {c: round(float(pc[k]), 4) for k, c in enumerate(codes)},
                "stance_probs": {s: round(v, 4) for s, v in stance_probs.items()},
                "ctx_overlap": float(feats.reply_scalars[i][index("ctx_prec")]),
            },
        )


def _align(primary: str, psent: np.ndarray, codes: Sequence[str]) -> list[str]:
    """Sentence codes that agree with a primary code decided on the whole reply."""
    out = [codes[int(k)] for k in psent.argmax(axis=1)]
    if primary not in out and primary != "summary":
        out[int(np.argmax(psent[:, codes.index(primary)]))] = primary
    return out


def _uncodable(p: Prepared) -> CodeResult:
    reason = p.screen.uncodable or "could not be coded"
    return CodeResult(
        code="other",
        stance="neutral",
        sentences=(SentenceCode(text=p.screen.text, code="other"),),
        cues=(reason,),
        confidence=1.0,
        outcomes_score=0.0,
        extra={"uncodable": True},
    )


def encoder_for(model: CoderModel) -> Embedder:
    """The encoder a coder's weights were fitted on (the weights name it)."""
    name = str(model.meta.get("encoder", Embedder.model_id))
    if name == Embedder.model_id:
        return get_embedder()
    if encoder_available():
        encoder = get_coding_encoder()
        if encoder.model_id == name:
            return encoder
    raise ValueError(
        f"the coder weights were fitted on the encoder {name!r}, which is not the one shipped "
        f"in {ENCODER_DIR}; retrain with `python -m evals.train_coder`"
    )


def load_coder(model_path: Path = MODEL_PATH, embedder: Embedder | None = None) -> Coder:
    model = CoderModel.load(model_path)
    return Coder(model, embedder or encoder_for(model))


@lru_cache(maxsize=1)
def get_coder() -> Coder:
    """The process-wide coder with the shipped weights (loaded once, never trained here)."""
    return load_coder()
