"""The one seam to Chroma: an embedded persistent store under the data dir, or a Chroma
server when ``COACH_CHROMA_URL`` is set, always with the bundled encoder as the
collection's embedding function (Chroma's default would download a model)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from coach.settings import Settings


class SearchError(RuntimeError):
    """The knowledge base could not answer; the message says why."""


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

        # Chroma's base class annotates these with its own Space literal alias, which it does
        # not export in a stable place; plain strings are what it compares against.
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
