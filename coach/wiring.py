"""The one place the heavy parts are built from ``Settings``: for the service, the
``coach`` command and the evals alike.

    parts = Wiring(settings)                 # nothing is loaded yet
    parts.coder, parts.realiser, parts.knowledge, parts.store, parts.engine("debs")

Each part is built on first use and kept for the life of the ``Wiring``. Tests and evals
pass in the parts they want to replace (a scripted coder, a fake chat model, a store on a
temporary database); everything else is built from the settings as in production.

When a part asked for in the settings cannot be had (``COACH_CODER=llm`` with no model
configured), the fallback is used and ``notices`` says so, in words for the person
running it; a part that was explicitly demanded and cannot be built raises
``WiringError``.
"""

from __future__ import annotations

import logging
import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from coach.llm import ChatModel, chat_model_from_settings
from coach.settings import Settings

if TYPE_CHECKING:
    from coach.coaching import ExemplarIndex
    from coach.embedding import CachedEmbedder
    from coach.moments import Moment, Reactor
    from coach.retrieval import KnowledgeBase
    from coach.roleplay import PersonaCard, RoleplayEngine
    from coach.store import Store

log = logging.getLogger("coach.wiring")

# "auto": the LLM realiser when a chat model is configured, else the scripted one.
RealiserChoice = Literal["auto", "scripted", "llm"]
_NO_MODEL = "COACH_LLM_BASE_URL and COACH_LLM_MODEL"


class WiringError(ValueError):
    """A part that was asked for cannot be built; the message says what to set."""


class Wiring:
    """The coder, realiser, knowledge base, store, persona cards and exemplars for one
    set of settings, each built once, on first use."""

    def __init__(
        self,
        settings: Settings,
        *,
        realiser: RealiserChoice = "auto",
        store: Store | None = None,
        coder: Any | None = None,
        chat_model: ChatModel | None = None,
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        self.settings = settings
        self.realiser_choice = realiser
        self.notices: list[str] = []
        # Injected parts take the place of the built ones.
        for name, part in (("store", store), ("coder", coder), ("chat_model", chat_model),
                           ("knowledge", knowledge)):
            if part is not None:
                self.__dict__[name] = part
        self._engines: dict[str, RoleplayEngine] = {}
        self._engines_lock = threading.Lock()

    # --- storage and content ---------------------------------------------------------

    @cached_property
    def store(self) -> Store:
        from coach.store import Store

        return Store(self.settings.database_url)

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        from coach.retrieval import KnowledgeBase

        return KnowledgeBase(self.settings)

    @cached_property
    def personas(self) -> dict[str, PersonaCard]:
        """The persona cards; ``PersonaError`` names a malformed file and field."""
        from coach.roleplay import load_personas

        return load_personas(self.settings.knowledge.personas_dir)

    @cached_property
    def secrets(self) -> dict[str, tuple[str, ...]]:
        """Every person's hidden phrases, kept out of every hint; worked out once."""
        return {pid: card.secret_phrases() for pid, card in self.personas.items()}

    @cached_property
    def vectors(self) -> CachedEmbedder:
        """The bundled embedder behind an on-disk cache of the vectors every start needs."""
        from coach.embedding import CachedEmbedder, get_embedder

        return CachedEmbedder(get_embedder(), self.settings.data_dir / "cache" / "vectors.npz")

    @cached_property
    def exemplars(self) -> ExemplarIndex:
        from coach.coaching import ExemplarIndex

        return ExemplarIndex.load(self.settings.knowledge.exemplars_dir, embedder=self.vectors)

    # --- models ----------------------------------------------------------------------

    @cached_property
    def chat_model(self) -> ChatModel | None:
        """The configured OpenAI-compatible model, or None."""
        return chat_model_from_settings(self.settings.llm)

    @cached_property
    def coder(self) -> Any:
        """The local coder, or with ``COACH_CODER=llm`` and a model configured, the LLM
        coder over it."""
        from coach.coding import get_coder

        local = get_coder()
        if self.settings.coder == "local":
            return local
        if self.chat_model is None:
            self._notice(f"COACH_CODER=llm needs {_NO_MODEL}; the local coder is used instead.")
            return local
        from coach.coding import LLMCoder

        return LLMCoder(self.chat_model, local, max_tokens=self.settings.llm.max_tokens)

    @cached_property
    def realiser(self) -> Any:
        """Scripted, or with a model, the model phrasing the line the engine chose (falling
        back to the scripted line, saying why, whenever it fails)."""
        from coach.roleplay import LLMRealiser, ScriptedRealiser

        if self.realiser_choice == "scripted":
            return ScriptedRealiser()
        if self.chat_model is None:
            if self.realiser_choice == "llm":
                raise WiringError(f"the LLM realiser needs {_NO_MODEL}")
            return ScriptedRealiser()
        llm = self.settings.llm
        return LLMRealiser(self.chat_model, retriever=self.voice_snippets,
                           max_tokens=llm.max_tokens, max_snippets=llm.voice_snippets)

    def voice_snippets(self, query: str) -> list[str]:
        """Transcript passages that give the model the person's way of speaking; none
        when the guidance library has not been indexed."""
        from coach.retrieval import SearchError

        n = self.settings.llm.voice_snippets
        if n <= 0:
            return []
        try:
            return [p.text for p in self.knowledge.search(query, k=n, kind="transcript")]
        except SearchError:
            return []

    @cached_property
    def moments(self) -> dict[str, Moment]:
        """The curated moments, checked against the persona cards."""
        from coach.moments import load_moments

        return load_moments(self.settings.knowledge.moments_dir, self.personas)

    @cached_property
    def reactor(self) -> Reactor:
        """Reactions to replies at a moment: the real coder, always the scripted realiser."""
        from coach.moments import Reactor

        return Reactor(self.personas, self.coder, embedder=self.vectors)

    # --- people ----------------------------------------------------------------------

    def engine(self, persona_id: str) -> RoleplayEngine:
        """The engine for one person (one per persona, shared by every session).
        ``KeyError`` for an unknown persona: callers say so in their own words."""
        from coach.roleplay import RoleplayEngine

        with self._engines_lock:
            if persona_id not in self._engines:
                card = self.personas[persona_id]
                self._engines[persona_id] = RoleplayEngine(card, self.coder, self.realiser,
                                                           embedder=self.vectors)
            return self._engines[persona_id]

    def _notice(self, message: str) -> None:
        log.warning(message)
        self.notices.append(message)

