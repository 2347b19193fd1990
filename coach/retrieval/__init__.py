"""The guidance library: source files with front matter, chunks that respect sections and
speaker turns, an incremental Chroma index with a BM25 index kept in step, and hybrid cited
search over them.
"""

from __future__ import annotations

from coach.retrieval._chroma import SearchError
from coach.retrieval._cite import Citation, Citer, Search, guidance_search
from coach.retrieval._index import RANKERS, KnowledgeBase, Passage, Ranker
from coach.retrieval._sources import list_source_files, read_source

__all__ = [
    "Citation",
    "Citer",
    "KnowledgeBase",
    "Passage",
    "RANKERS",
    "Ranker",
    "Search",
    "SearchError",
    "guidance_search",
    "list_source_files",
    "read_source",
]
