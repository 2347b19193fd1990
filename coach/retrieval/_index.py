"""The knowledge base: knowledge/sources → chunks → bundled embeddings → Chroma; search()
returns passages that carry their citation.

Embedded Chroma (a persistent directory under the data dir) by default; a Chroma server
when ``COACH_CHROMA_URL`` is set. Re-indexing compares each file's content hash with
the one stored on its chunks, so unchanged files are not embedded again.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from coach.retrieval._sources import (
    Chunk,
    Source,
    SourceError,
    chunk_source,
    list_source_files,
    read_source,
)
from coach.settings import Settings

Progress = Callable[[str], None]


class SearchError(RuntimeError):
    """The knowledge base could not answer; the message says why."""


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


def chroma_embedding_function() -> Any:
    """The bundled MiniLM as a Chroma embedding function, registered under its own name.

    Chroma stores the function's name with the collection and rebuilds it from that name
    when the collection is opened; registering ours means it never falls back to its
    default function, which downloads a model.
    """
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import (
        known_embedding_functions,
        register_embedding_function,
    )

    name = "coach_minilm_int8"
    if name in known_embedding_functions:
        return known_embedding_functions[name]()

    class CoachMiniLM(EmbeddingFunction[Documents]):
        def __init__(self) -> None:
            pass

        def __call__(self, input: Documents) -> Embeddings:
            from coach.embedding import get_embedder

            return list(get_embedder().embed(list(input)))

        @staticmethod
        def name() -> str:
            return name

        def default_space(self) -> str:  # type: ignore[override]
            return "cosine"

        def supported_spaces(self) -> list[str]:  # type: ignore[override]
            return ["cosine", "l2", "ip"]

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> CoachMiniLM:
            return CoachMiniLM()

        def get_config(self) -> dict[str, Any]:
            return {}

        @staticmethod
        def validate_config(config: dict[str, Any]) -> None:
            return None

        def validate_config_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
            return None

    register_embedding_function(CoachMiniLM)
    return CoachMiniLM()


def make_chroma_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaConfig

    config = ChromaConfig(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma.url:
        url = urlparse(settings.chroma.url)
        if not url.hostname:
            raise SearchError(f"COACH_CHROMA_URL is not a URL: {settings.chroma.url!r}")
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=config,
        )
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=config)


class KnowledgeBase:
    """Index and search the corpus. Cheap to construct; Chroma opens on first use."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        self._client = client
        self._collection: Any | None = None
        self._size: int | None = None  # chunks in the collection, once known to be non-empty

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

    # --- indexing -------------------------------------------------------------------

    def _indexed_hashes(self) -> dict[str, str]:
        stored = self.collection.get(include=["metadatas"])
        return {m["source"]: m["content_hash"] for m in stored["metadatas"] or []}

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
            if previous == source.content_hash:
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
        report.seconds = time.perf_counter() - started
        return report

    def _write(self, source: Source, chunks: list[Chunk], replace: bool) -> None:
        from coach.embedding import get_embedder

        vectors = get_embedder().embed([c.text for c in chunks])
        meta = source.meta
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
    ) -> list[Passage]:
        query = (query or "").strip()
        if not query:
            raise SearchError("the search query is empty")
        if k < 1:
            raise SearchError("k must be at least 1")
        size = self.ensure_indexed()
        from coach.embedding import get_embedder

        filters = [{"kind": kind}] if kind else []
        if style:
            filters.append({"style": style})
        where: dict[str, Any] | None = None
        if len(filters) == 1:
            where = filters[0]
        elif filters:
            where = {"$and": filters}
        vector = get_embedder().embed_one(query[:4000])
        result = self.collection.query(
            query_embeddings=[vector.tolist()],
            n_results=min(k, size),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        passages = []
        for chunk_id, text, meta, dist in zip(
            result["ids"][0], result["documents"][0], result["metadatas"][0],
            result["distances"][0], strict=True,
        ):
            passages.append(
                Passage(
                    text=text,
                    title=meta["title"],
                    publisher=meta["publisher"],
                    origin=meta["origin"],
                    source=meta["source"],
                    section=meta.get("section", ""),
                    kind=meta["kind"],
                    style=meta.get("style") or None,
                    speakers=tuple(s for s in meta.get("speakers", "").split("|") if s),
                    score=1.0 - float(dist),
                    chunk_id=chunk_id,
                )
            )
        return passages

