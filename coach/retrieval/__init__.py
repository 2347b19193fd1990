"""The guidance library: source files with front matter, chunks that respect sections and
speaker turns, an incremental Chroma index, and cited search over it.
"""

from __future__ import annotations

from coach.retrieval._cite import Citation, Citer, Search, guidance_search
from coach.retrieval._index import KnowledgeBase, Passage, SearchError
from coach.retrieval._sources import list_source_files, read_source

__all__ = [
    "Citation",
    "Citer",
    "KnowledgeBase",
    "Passage",
    "Search",
    "SearchError",
    "guidance_search",
    "list_source_files",
    "read_source",
]
