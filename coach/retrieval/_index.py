"""The knowledge base: knowledge sources → chunks → bundled embeddings → Chroma, with a
BM25 index kept in step; search() fuses the two rankings and returns passages that carry
their citation.

Embedded Chroma (a persistent directory under the data dir) by default; a Chroma server
when ``COACH_CHROMA_URL`` is set. Re-indexing compares each file's content hash (and the
recipe its chunks were embedded with) with the one stored on its chunks, so unchanged
files are not embedded again.

Ranking is hybrid by default: the vector ranking (meaning) and the BM25 ranking (the
question's own words, section headings included) each put forward candidates, each
ranking's scores are scaled to 0–1 over its candidates, and a passage's score is the sum.
A passage one ranker misses entirely can still come first if the other is sure of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from coach.retrieval._chroma import SearchError, chroma_embedding_function, make_chroma_client
from coach.retrieval._lexical import LexicalIndex, fingerprint, headed
from coach.retrieval._sources import (
    Chunk,
    Source,
    SourceError,
    chunk_source,
    list_source_files,
    read_source,
)
from coach.settings import Settings

if TYPE_CHECKING:
    from coach.embedding import Embedder

Progress = Callable[[str], None]
Ranker = Literal["hybrid", "vector", "lexical"]
RANKERS: tuple[str, ...] = ("hybrid", "vector", "lexical")

# How chunks are embedded and matched (see ``KnowledgeBase.recipe``). Stored on every chunk:
# an index written another way is re-embedded by the next incremental run even though its
# files did not change.
RECIPE = "headed-1"
# Candidates each ranker puts forward for fusion (at least k).
CANDIDATES = 30


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk with everything needed to cite it."""

    text: str
    title: str
    publisher: str
    origin: str
    source: str
    section: str
    kind: str
    style: str | None
    speakers: tuple[str, ...]
    score: float
    chunk_id: str
    # Which rankings put the passage forward and at what rank, e.g. ("vector #3", "lexical #1").
    found_by: tuple[str, ...] = ()

    def citation(self) -> str:
        where = f" — {self.section}" if self.section else ""
        return f"{self.title}{where} ({self.publisher}; {self.source})"


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"Indexed in {self.seconds:.1f} s: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed; "
            f"{self.chunks_embedded} chunks embedded; {len(self.problems)} problem(s)."
        )


class KnowledgeBase:
    """Index and search the corpus. Cheap to construct; Chroma opens on first use."""

    def __init__(self, settings: Settings, client: Any | None = None,
                 encoder: Embedder | None = None) -> None:
        self.settings = settings
        self._client = client
        # Chunks and questions are embedded with the same encoder: the bundled MiniLM unless
        # another is given (the evals compare encoders this way).
        self._encoder = encoder
        self._collection: Any | None = None
        self._size: int | None = None  # chunks in the collection, once known to be non-empty
        self._lexical: LexicalIndex | None = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            if self._client is None:
                self._client = make_chroma_client(self.settings)
            self._collection = self._client.get_or_create_collection(
                self.settings.knowledge.collection,
                embedding_function=chroma_embedding_function(),
                configuration={"hnsw": {"space": "cosine"}},
            )
        return self._collection

    @property
    def encoder(self) -> Embedder:
        if self._encoder is None:
            from coach.embedding import get_embedder

            self._encoder = get_embedder()
        return self._encoder

    @property
    def recipe(self) -> str:
        """How chunks are embedded: the chunk layout, and the encoder when it is not the
        bundled MiniLM (whose indexes carry the bare layout name)."""
        from coach.embedding import Embedder

        model = self.encoder.model_id
        return RECIPE if model == Embedder.model_id else f"{RECIPE}:{model}"

    # --- indexing -------------------------------------------------------------------

    def _indexed_hashes(self) -> dict[str, str]:
        """source → the version its chunks were indexed at (content hash and recipe)."""
        stored = self.collection.get(include=["metadatas"])
        return {m["source"]: _version(m) for m in stored["metadatas"] or []}

    def index(self, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
        say = progress or (lambda _msg: None)
        started = time.perf_counter()
        report = IndexReport()
        self._size = None  # the collection is about to change
        directory = self.settings.knowledge.sources_dir
        if not directory.is_dir():
            report.problems.append(f"{directory}: the sources folder does not exist")
            return report
        if rebuild:
            self._client = self._client or make_chroma_client(self.settings)
            # Deleting a collection that does not exist yet is not an error here.
            with contextlib.suppress(Exception):
                self._client.delete_collection(self.settings.knowledge.collection)
            self._collection = None
            LexicalIndex.forget(self.lexical_dir)
        self._lexical = None
        indexed = self._indexed_hashes()
        files = list_source_files(directory)
        on_disk = {p.name for p in files}
        todo: list[tuple[Source, bool]] = []
        for path in files:
            try:
                source = read_source(path)
            except SourceError as exc:
                # Its chunks from an earlier good version stay searchable.
                report.problems.append(str(exc))
                continue
            previous = indexed.get(source.name)
            if previous == f"{source.content_hash}:{self.recipe}":
                report.unchanged.append(source.name)
            else:
                todo.append((source, previous is not None))
        for name in sorted(set(indexed) - on_disk):
            self.collection.delete(where={"source": name})
            report.removed.append(name)
            say(f"removed {name}")
        for n, (source, existed) in enumerate(todo, 1):
            chunks = chunk_source(
                source, self.settings.knowledge.chunk_tokens, self.settings.knowledge.chunk_overlap
            )
            say(f"[{n}/{len(todo)}] embedding {source.name} ({len(chunks)} chunks)")
            self._write(source, chunks, replace=existed)
            report.chunks_embedded += len(chunks)
            (report.updated if existed else report.added).append(source.name)
        # The lexical index follows what Chroma now holds (rebuilt if anything changed).
        self._lexical = (self.rebuild_lexical() if rebuild or report.removed or todo
                         else self._lexical_index())
        report.seconds = time.perf_counter() - started
        return report

    def _write(self, source: Source, chunks: list[Chunk], replace: bool) -> None:
        meta = source.meta
        vectors = self.encoder.embed([headed(meta.title, c.section, c.text) for c in chunks])
        metadatas = [
            {
                "source": source.name,
                "content_hash": source.content_hash,
                "title": meta.title,
                "publisher": meta.publisher,
                "origin": meta.origin,
                "kind": meta.kind,
                "style": meta.style or "",
                "section": c.section,
                "speakers": "|".join(c.speakers),
                "chunk_index": c.index,
                "recipe": self.recipe,
            }
            for c in chunks
        ]
        # Embed first, then swap: a failure while embedding leaves the old chunks intact.
        if replace:
            self.collection.delete(where={"source": source.name})
        if chunks:
            self.collection.add(
                ids=[c.id for c in chunks],
                documents=[c.text for c in chunks],
                embeddings=[v.tolist() for v in vectors],
                metadatas=metadatas,
            )

    # --- the lexical index -----------------------------------------------------------

    @property
    def lexical_dir(self) -> Path:
        """Where this collection's BM25 index is stored: per Chroma location, so an embedded
        store and a server never share one."""
        where = (hashlib.sha1(self.settings.chroma.url.encode()).hexdigest()[:10]
                 if self.settings.chroma.url else "embedded")
        return self.settings.data_dir / "lexical" / f"{self.settings.knowledge.collection}-{where}"

    def rebuild_lexical(self) -> LexicalIndex:
        """Build the BM25 index from everything the Chroma collection holds, and store it."""
        stored = self.collection.get(include=["documents", "metadatas"])
        ids: list[str] = list(stored["ids"])
        metas: list[dict[str, Any]] = list(stored["metadatas"] or [])
        texts = [headed(m.get("title", ""), m.get("section", ""), doc)
                 for m, doc in zip(metas, stored["documents"] or [], strict=True)]
        index = LexicalIndex.build(
            ids, texts, kinds=[m.get("kind", "") for m in metas],
            styles=[m.get("style", "") for m in metas], versions=[_version(m) for m in metas],
        )
        index.save(self.lexical_dir)
        return index

    def _lexical_index(self) -> LexicalIndex:
        """The BM25 index matching the collection as it is now: the stored one if its
        fingerprint matches, otherwise rebuilt from Chroma."""
        if self._lexical is None:
            stored = self.collection.get(include=["metadatas"])
            expected = fingerprint(
                zip(stored["ids"], (_version(m) for m in stored["metadatas"] or []), strict=True)
            )
            self._lexical = LexicalIndex.load(self.lexical_dir, expected) or self.rebuild_lexical()
        return self._lexical

    # --- searching ------------------------------------------------------------------

    def count(self) -> int:
        return int(self.collection.count())

    def ensure_indexed(self, progress: Progress | None = None) -> int:
        """The number of chunks, indexing first if the store is empty. Remembered after the
        first call, so searches do not ask Chroma (perhaps a server) for a count each time."""
        if self._size:
            return self._size
        size = self.count()
        if size == 0:
            report = self.index(progress=progress)
            size = self.count()
            if size == 0:
                raise SearchError(
                    "the knowledge base is empty and nothing could be indexed"
                    + (f": {'; '.join(report.problems)}" if report.problems else "")
                )
        self._size = size
        return size

    def search(
        self,
        query: str,
        k: int = 5,
        kind: str | None = None,
        style: str | None = None,
        ranker: Ranker = "hybrid",
    ) -> list[Passage]:
        """The ``k`` passages that best answer ``query``, best first. ``ranker`` is for
        comparing and explaining: "vector" or "lexical" alone instead of both fused."""
        query = (query or "").strip()
        if not query:
            raise SearchError("the search query is empty")
        if k < 1:
            raise SearchError("k must be at least 1")
        if ranker not in RANKERS:
            raise SearchError(f"unknown ranker {ranker!r}; choose from {', '.join(RANKERS)}")
        size = self.ensure_indexed()
        query = query[:4000]
        depth = k if ranker == "vector" else max(k, CANDIDATES)
        found: dict[str, dict[str, Any]] = {}  # chunk id → document, metadata, ranks
        lists: list[tuple[str, list[tuple[str, float]]]] = []
        if ranker != "lexical":
            vector = self._vector_candidates(query, min(depth, size), kind, style, found)
            lists.append(("vector", vector))
        if ranker != "vector":
            hits = self._lexical_index().search(query, depth, kind, style)
            lists.append(("lexical", [(h.chunk_id, h.score) for h in hits]))
        fused = _fuse(lists)[:k] if ranker == "hybrid" else lists[0][1][:k]
        self._fetch_missing([cid for cid, _ in fused], found)
        ranks = {name: {cid: n for n, (cid, _) in enumerate(items, 1)} for name, items in lists}
        passages = []
        for chunk_id, score in fused:
            if chunk_id not in found:
                continue  # gone from Chroma since the lexical index was built
            doc, meta = found[chunk_id]["doc"], found[chunk_id]["meta"]
            passages.append(Passage(
                text=doc,
                title=meta["title"],
                publisher=meta["publisher"],
                origin=meta["origin"],
                source=meta["source"],
                section=meta.get("section", ""),
                kind=meta["kind"],
                style=meta.get("style") or None,
                speakers=tuple(s for s in meta.get("speakers", "").split("|") if s),
                score=score,
                chunk_id=chunk_id,
                found_by=tuple(f"{name} #{r[chunk_id]}" for name, r in ranks.items() if chunk_id in r),
            ))
        return passages

    def _vector_candidates(self, query: str, n: int, kind: str | None, style: str | None,
                           found: dict[str, dict[str, Any]]) -> list[tuple[str, float]]:
        filters = [{"kind": kind}] if kind else []
        if style:
            filters.append({"style": style})
        where: dict[str, Any] | None = None
        if len(filters) == 1:
            where = filters[0]
        elif filters:
            where = {"$and": filters}
        vector = self.encoder.embed_one(query)
        result = self.collection.query(
            query_embeddings=[vector.tolist()],
            n_results=n,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        out = []
        for chunk_id, text, meta, dist in zip(
            result["ids"][0], result["documents"][0], result["metadatas"][0],
            result["distances"][0], strict=True,
        ):
            found[chunk_id] = {"doc": text, "meta": meta}
            out.append((chunk_id, 1.0 - float(dist)))
        return out

    def _fetch_missing(self, chunk_ids: Sequence[str], found: dict[str, dict[str, Any]]) -> None:
        """Documents and metadata, from Chroma, of chunks only the lexical ranking found.

        Taken from Chroma rather than from the lexical index so the text is always the
        indexed one; a chunk that is gone or at another version means another process has
        re-indexed since this one built its lexical index, so it is rebuilt next time.
        """
        missing = [cid for cid in chunk_ids if cid not in found]
        if not missing:
            return
        got = self.collection.get(ids=missing, include=["documents", "metadatas"])
        lexical = self._lexical
        for chunk_id, doc, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [],
                                       strict=True):
            if lexical is not None and lexical.versions.get(chunk_id) != _version(meta):
                self._lexical = None
                continue
            found[chunk_id] = {"doc": doc, "meta": meta}
        if len(got["ids"]) < len(missing):
            self._lexical = None


def _version(meta: dict[str, Any]) -> str:
    """The version a chunk was indexed at: its file's content hash and the recipe."""
    return f"{meta.get('content_hash', '')}:{meta.get('recipe', '')}"


def _fuse(lists: Sequence[tuple[str, list[tuple[str, float]]]]) -> list[tuple[str, float]]:
    """Sum of the rankings' scores, best first; a chunk a ranking did not put forward gets
    0 from it. Cosine similarity is already on a 0–1 scale and is used as it is (stretching
    it over the candidates would turn a small lead into a large one); BM25 scores have no
    fixed scale, so they are divided by the best score for the query."""
    total: dict[str, float] = {}
    for name, items in lists:
        if not items:
            continue
        scale = 1.0 if name == "vector" else max(score for _, score in items)
        for chunk_id, score in items:
            total[chunk_id] = total.get(chunk_id, 0.0) + (score / scale if scale > 0 else 0.0)
    return sorted(total.items(), key=lambda item: -item[1])
