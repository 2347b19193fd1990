"""Typed settings, one group per component, read from COACH_* environment variables.

Settings are built by ``load_settings()`` in an entry point and passed down; nothing
reads the environment at import time. ``Settings.test_profile(dir)`` gives the embedded
defaults rooted in a temporary directory, ignoring the environment.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _packaged_knowledge_dir() -> Path:
    """The knowledge shipped inside the package (sources, personas, exemplars, rubric).

    Located through importlib.resources so it is found wherever the package is installed,
    not only in a source checkout. setuptools installs package data as ordinary files, so
    the resource is a real directory; a zipped install would not be, and is refused here
    rather than failing later on a missing path.
    """
    found = resources.files("coach") / "knowledge"
    if not isinstance(found, Path) or not found.is_dir():
        raise RuntimeError(
            f"the packaged knowledge folder is missing ({found}); reinstall outcomes-coach "
            "or set COACH_KNOWLEDGE_DIR to a knowledge folder"
        )
    return found


DEFAULT_KNOWLEDGE_DIR = _packaged_knowledge_dir()


def _default_data_dir() -> Path:
    # Relative to the working directory (resolved in load_settings), never inside the
    # installed package: site-packages may be read-only and is shared by every user.
    return Path("data")


class KnowledgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COACH_KNOWLEDGE_", extra="ignore")

    dir: Path = DEFAULT_KNOWLEDGE_DIR
    collection: str = "coach_knowledge"
    chunk_tokens: int = Field(220, ge=50, le=250)
    chunk_overlap: int = Field(30, ge=0, le=100)

    @property
    def sources_dir(self) -> Path:
        return self.dir / "sources"

    @property
    def personas_dir(self) -> Path:
        return self.dir / "personas"

    @property
    def exemplars_dir(self) -> Path:
        return self.dir / "exemplars"

    @property
    def moments_dir(self) -> Path:
        return self.dir / "moments"

    @property
    def rubric_path(self) -> Path:
        return self.dir / "rubric.yaml"


class ChromaSettings(BaseSettings):
    """COACH_CHROMA_URL switches from the embedded store to a Chroma server."""

    model_config = SettingsConfigDict(env_prefix="COACH_CHROMA_", extra="ignore")

    url: str | None = None


class LLMSettings(BaseSettings):
    """An optional OpenAI-compatible chat model; without base_url and model none is used."""

    model_config = SettingsConfigDict(env_prefix="COACH_LLM_", extra="ignore")

    base_url: str | None = None
    model: str | None = None
    api_key: str = "not-needed"
    timeout_s: float = Field(20.0, gt=0)
    max_tokens: int = Field(160, ge=16, le=2048)
    temperature: float = Field(0.7, ge=0, le=2)
    # Transcript passages put in the role-play prompt for the person's way of speaking
    # (0 for none: fewer tokens for a small model).
    voice_snippets: int = Field(2, ge=0, le=5)

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COACH_DATABASE_", extra="ignore")

    url: str | None = None


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COACH_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    max_message_chars: int = Field(2000, ge=100)
    # How long a sign-in lasts before the person is asked to sign in again.
    sign_in_hours: float = Field(12.0, gt=0, le=24 * 30)


# "llm" codes with the configured chat model over the local coder, falling back to the
# local coder (and saying so) when no model is configured.
CoderKind = Literal["local", "llm"]


class Settings(BaseModel):
    data_dir: Path
    knowledge: KnowledgeSettings
    chroma: ChromaSettings
    llm: LLMSettings
    database: DatabaseSettings
    app: AppSettings
    coder: CoderKind = "local"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_dir / 'coach.db'}"

    @classmethod
    def test_profile(cls, data_dir: Path, **overrides: object) -> Settings:
        """Embedded defaults under ``data_dir``, independent of the environment.

        ``model_construct`` fills each group's defaults without reading COACH_* variables.
        """
        values: dict[str, object] = {
            "data_dir": Path(data_dir),
            "knowledge": KnowledgeSettings.model_construct(),
            "chroma": ChromaSettings.model_construct(),
            "llm": LLMSettings.model_construct(),
            "database": DatabaseSettings.model_construct(),
            "app": AppSettings.model_construct(),
        }
        values.update(overrides)
        return cls(**values)


class _TopLevel(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COACH_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    coder: CoderKind = "local"


def load_settings() -> Settings:
    """Read the environment once, in an entry point."""
    top = _TopLevel()
    return Settings(
        data_dir=top.data_dir.expanduser().resolve(),
        coder=top.coder,
        knowledge=KnowledgeSettings(),
        chroma=ChromaSettings(),
        llm=LLMSettings(),
        database=DatabaseSettings(),
        app=AppSettings(),
    )
