"""The bundled MiniLM sentence embedder: one ONNX session per process, no downloads.

Inputs are padded per batch rather than to a fixed 256 tokens: the vectors are the same
and short texts embed about five times faster on two cores.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from cachetools import LRUCache

from coach.offline import minilm_files

MAX_TOKENS = 256
DIMENSIONS = 384
# Vectors kept by ``CachedEmbedder``: about 15 MB. A start needs about a thousand (persona
# lines, exemplar moments); the rest are trainees' replies, least recently used first out.
MAX_CACHED_VECTORS = 10_000


class Embedder:
    """all-MiniLM-L6-v2 (int8 ONNX), mean-pooled and L2-normalised."""

    model_id = "all-MiniLM-L6-v2-onnx-int8"

    def __init__(self, threads: int | None = None) -> None:
        self._load(*minilm_files(), threads)

    def _load(self, model_path: Path, tokenizer_path: Path, threads: int | None) -> None:
        """The tokenizer and the ONNX session of a sentence encoder (subclasses bring
        their own files)."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in self._session.get_inputs()}
        # tokenizers is thread-safe; the ONNX session is too, but batching through one
        # lock keeps two cores from fighting over the same matrix multiplies.
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], token_budget: int = 1024, max_batch: int = 64) -> np.ndarray:
        """Embed texts; returns an (n, 384) float32 array of unit vectors.

        Texts are sorted by length and grouped so that each batch holds at most
        ``token_budget`` padded tokens: short replies go through in large batches, long
        passages in small ones (measured: big batches of 200-token passages are slower
        per passage than batches of one to four).
        """
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        clean = [t if t and t.strip() else " " for t in texts]
        encoded = self._tokenizer.encode_batch(clean)
        order = sorted(range(len(clean)), key=lambda i: len(encoded[i].ids))
        result = np.zeros((len(clean), DIMENSIONS), dtype=np.float32)
        batch: list[int] = []
        for i in order:
            width = len(encoded[i].ids)  # the longest so far, as the order is ascending
            if batch and (len(batch) + 1) * width > token_budget or len(batch) >= max_batch:
                result[batch] = self._run([encoded[j] for j in batch])
                batch = []
            batch.append(i)
        if batch:
            result[batch] = self._run([encoded[j] for j in batch])
        return result

    def embed_one(self, text: str) -> np.ndarray:
        return self._run([self._tokenizer.encode(text if text and text.strip() else " ")])[0]

    def _run(self, encoded: list) -> np.ndarray:  # list of tokenizers.Encoding
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        mask = np.zeros((len(encoded), width), dtype=np.int64)
        for row, enc in enumerate(encoded):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        with self._lock:
            hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        norms[norms == 0] = 1e-12
        return (pooled / norms).astype(np.float32)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process-wide embedder, loaded on first use."""
    return Embedder()


# What a fine-tuned encoder's folder holds (written by the evals' fine-tuning scripts).
ENCODER_FILE = "encoder.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
ENCODER_META = "encoder.json"


class FineTunedEncoder(Embedder):
    """all-MiniLM-L6-v2 fine-tuned for one job and shipped as int8 ONNX package data, behind
    the same interface as the bundled embedder (mean-pooled, L2-normalised, padded per
    batch). Its id names the ONNX file's digest, so vectors from another build never mix."""

    def __init__(self, directory: Path, name: str, threads: int | None = None) -> None:
        meta = json.loads((directory / ENCODER_META).read_text(encoding="utf-8"))
        self.meta = meta
        self.model_id = f"{name}-{meta['onnx_sha256'][:12]}"
        self._load(directory / ENCODER_FILE, directory / TOKENIZER_FILE, threads)


def fine_tuned_available(directory: Path) -> bool:
    return (directory / ENCODER_FILE).is_file() and (directory / ENCODER_META).is_file()


class CachedEmbedder:
    """An embedder that remembers vectors on disk, keyed by the text's hash.

    Persona lines and exemplar contexts are the same on every start; embedding them again
    would cost seconds of start-up. Unknown texts are embedded and added, up to
    ``max_entries`` (the least recently used go first); ``save()`` writes the cache
    atomically. Keys include the model id, so a new model starts afresh.
    """

    def __init__(self, base: Embedder, path: Path, max_entries: int = MAX_CACHED_VECTORS) -> None:
        self.base = base
        self.path = path
        self.model_id = base.model_id
        self._vectors: LRUCache[str, np.ndarray] = LRUCache(maxsize=max_entries)
        self._dirty = False
        self._lock = threading.Lock()
        if path.is_file():
            try:
                with np.load(path, allow_pickle=False) as data:
                    keys, matrix = data["keys"], data["vectors"]
                for i, k in enumerate(keys[-max_entries:], start=max(len(keys) - max_entries, 0)):
                    self._vectors[str(k)] = matrix[i]
            except (OSError, ValueError, KeyError):
                self._vectors.clear()  # a damaged cache is only a slower start

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.model_id}\0{text}".encode()).hexdigest()

    def embed(self, texts: Sequence[str], **kwargs: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        keys = [self._key(t) for t in texts]
        # The answer is assembled here, not read back from the cache: a batch larger
        # than the cache would evict its own first vectors.
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for k in keys:
                vector = self._vectors.get(k)
                if vector is not None:
                    found[k] = vector
        missing: dict[str, str] = {}  # key -> text, each text once
        for k, text in zip(keys, texts, strict=True):
            if k not in found:
                missing.setdefault(k, text)
        if missing:
            fresh = self.base.embed(list(missing.values()), **kwargs)
            with self._lock:
                for row, k in enumerate(missing):
                    found[k] = self._vectors[k] = fresh[row]
                self._dirty = True
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def save(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            keys = np.array(list(self._vectors), dtype="U40")
            matrix = np.stack(list(self._vectors.values())).astype(np.float32)
            self._dirty = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, keys=keys, vectors=matrix)
        tmp.replace(self.path)
