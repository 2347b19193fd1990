"""Shared fixtures. Every test gets settings from the test profile, rooted in a temporary
directory, so nothing reads the user's data directory or COACH_* variables."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import coach  # noqa: F401  - applies the offline guarantees first
from coach.settings import DEFAULT_KNOWLEDGE_DIR, KnowledgeSettings, Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.test_profile(tmp_path / "data")


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A private copy of knowledge/ that a test may break or change."""
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR / "sources", target / "sources")
    return target


@pytest.fixture
def copy_settings(tmp_path: Path, knowledge_copy: Path) -> Settings:
    return Settings.test_profile(
        tmp_path / "data", knowledge=KnowledgeSettings.model_construct(dir=knowledge_copy)
    )


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real corpus indexed once per test session (read-only for tests)."""
    from coach.retrieval import KnowledgeBase

    s = Settings.test_profile(tmp_path_factory.mktemp("indexed") / "data")
    report = KnowledgeBase(s).index()
    assert not report.problems, report.problems
    return s


@pytest.fixture(scope="session")
def warm_data_dir(indexed_settings: Settings) -> Path:
    """A data directory with the knowledge index and the start-up vector cache built once.

    App tests copy it (``seed_data_dir``) so each launch starts like an ordinary restart
    rather than a first run; the first-run path is measured by ``evals.bench app``.
    """
    from coach.service import CoachService

    CoachService(indexed_settings).warm_up()
    return indexed_settings.data_dir
