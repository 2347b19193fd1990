"""The lexical side of search: BM25 (bm25s) over the same chunks Chroma holds.

Plain vector search over MiniLM misses passages whose words match the question exactly,
above all when the matching words are a section heading, which is not in the chunk text.
So each chunk is matched here as "title — section" followed by its text, stemmed (Snowball)
with English stop words removed.

The index is derived from the Chroma collection, never from the files: it is rebuilt from
what Chroma holds after every indexing run, and stored under the data directory keyed by a
fingerprint of the collection (each chunk's id, content hash and recipe). Whoever opens a
collection whose fingerprint has no stored index (a fresh process after ``coach index``, a
second app replica against a Chroma server) rebuilds it from Chroma, so a changed or
removed source never leaves stale lexical entries behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MANIFEST = "chunks.json"


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> list[str]:
    # Chroma's own BM25 list (NLTK's English stop words): question words such as "what",
    # "how" and "does" carry no meaning here but are frequent in the transcripts.
    from chromadb.utils.embedding_functions.schemas.bm25_tokenizer import (
        DEFAULT_ENGLISH_STOPWORDS,
    )

    return list(DEFAULT_ENGLISH_STOPWORDS)


def headed(title: str, section: str, text: str) -> str:
    """A chunk with its heading context, as it is matched (lexically and by meaning)."""
    heading = f"{title} — {section}" if section else title
    return f"{heading}\n\n{text}" if heading else text


def _tokenize(texts: Sequence[str] | str, ids: bool) -> Any:
    import bm25s

    return bm25s.tokenize(texts, stopwords=_stopwords(), stemmer=_stemmer().stemWords,
                          return_ids=ids, show_progress=False)


def fingerprint(rows: Iterable[tuple[str, str]]) -> str:
    """Digest of (chunk id, version) pairs: equal exactly when the collection is the same."""
    digest = hashlib.sha256()
    for chunk_id, version in sorted(rows):
        digest.update(f"{chunk_id}\x1f{version}\x1e".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class LexicalHit:
    chunk_id: str
    score: float


class LexicalIndex:
    """BM25 over chunks, with each chunk's kind and style kept for filtering."""

    def __init__(self, retriever: Any, ids: list[str], kinds: list[str], styles: list[str],
                 versions: list[str], print_: str) -> None:
        self._retriever = retriever
        self.ids = ids
        self._kinds = np.asarray(kinds)
        self._styles = np.asarray(styles)
        self.versions = dict(zip(ids, versions, strict=True))
        self.fingerprint = print_

    @classmethod
    def build(cls, ids: list[str], texts: list[str], kinds: list[str], styles: list[str],
              versions: list[str]) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25()
        if ids:
            retriever.index(_tokenize(texts, ids=True), show_progress=False)
        return cls(retriever, ids, kinds, styles, versions,
                   fingerprint(zip(ids, versions, strict=True)))

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, n: int, kind: str | None = None,
               style: str | None = None) -> list[LexicalHit]:
        """The best ``n`` chunks with a positive BM25 score, best first."""
        if not self.ids:
            return []
        tokens = _tokenize(query, ids=False)[0]
        if not tokens:
            return []
        scores = self._retriever.get_scores(tokens)
        if kind:
            scores = np.where(self._kinds == kind, scores, 0.0)
        if style:
            scores = np.where(self._styles == style, scores, 0.0)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [LexicalHit(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    # --- storage --------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Store under ``directory/<fingerprint>``; written aside and renamed into place, so
        a reader never sees half an index and two writers do not clash."""
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / self.fingerprint[:32]
        if target.is_dir():
            return
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=directory))
        try:
            if self.ids:
                self._retriever.save(str(staging), show_progress=False)
            manifest = {"fingerprint": self.fingerprint, "ids": self.ids,
                        "kinds": self._kinds.tolist(), "styles": self._styles.tolist(),
                        "versions": [self.versions[i] for i in self.ids]}
            (staging / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
            try:
                os.rename(staging, target)
            except OSError:
                if not target.is_dir():
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for old in directory.iterdir():  # earlier versions of this collection's index
            if old.name != target.name and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, expected: str) -> LexicalIndex | None:
        """The stored index for fingerprint ``expected``, or None if there is none (or it
        cannot be read: it is only a cache of what Chroma holds)."""
        import bm25s

        stored = directory / expected[:32]
        try:
            manifest = json.loads((stored / MANIFEST).read_text(encoding="utf-8"))
            if manifest["fingerprint"] != expected:
                return None
            retriever = (bm25s.BM25.load(str(stored), show_progress=False)
                         if manifest["ids"] else bm25s.BM25())
        except (OSError, ValueError, KeyError):
            return None
        return cls(retriever, manifest["ids"], manifest["kinds"], manifest["styles"],
                   manifest["versions"], expected)

    @staticmethod
    def forget(directory: Path) -> None:
        with contextlib.suppress(OSError):
            shutil.rmtree(directory)
