"""Where settings put things: the packaged knowledge by default, COACH_KNOWLEDGE_DIR for all
of it (sources, personas, exemplars and the rubric), and ./data under the working directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import coach
from coach.settings import DEFAULT_KNOWLEDGE_DIR, KnowledgeSettings, Settings, load_settings


@pytest.fixture
def no_coach_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith("COACH_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_default_knowledge_is_the_package_data() -> None:
    assert Path(coach.__file__).resolve().parent / "knowledge" == DEFAULT_KNOWLEDGE_DIR
    defaults = KnowledgeSettings.model_construct()
    assert defaults.rubric_path.is_file()
    assert (defaults.personas_dir / "debs.yaml").is_file()
    assert list(defaults.exemplars_dir.glob("*.yaml"))
    assert len(list(defaults.sources_dir.glob("*.md"))) >= 10


def test_data_dir_is_data_under_the_working_directory(no_coach_env: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    no_coach_env.chdir(tmp_path)
    settings = load_settings()
    assert settings.data_dir == tmp_path.resolve() / "data"
    assert settings.knowledge.dir == DEFAULT_KNOWLEDGE_DIR


def test_knowledge_dir_overrides_every_knowledge_path(no_coach_env: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    no_coach_env.setenv("COACH_KNOWLEDGE_DIR", str(tmp_path / "mine"))
    knowledge = load_settings().knowledge
    assert knowledge.sources_dir == tmp_path / "mine" / "sources"
    assert knowledge.personas_dir == tmp_path / "mine" / "personas"
    assert knowledge.exemplars_dir == tmp_path / "mine" / "exemplars"
    assert knowledge.rubric_path == tmp_path / "mine" / "rubric.yaml"


def test_the_service_reads_the_rubric_from_the_knowledge_dir(tmp_path: Path) -> None:
    from coach.service import CoachService

    mine = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, mine)
    raw = yaml.safe_load((mine / "rubric.yaml").read_text(encoding="utf-8"))
    raw["turn_feedback"]["codes"]["open_question"]["text"] = "our own trainers' wording."
    (mine / "rubric.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    settings = Settings.test_profile(tmp_path / "data",
                                     knowledge=KnowledgeSettings.model_construct(dir=mine))
    service = CoachService(settings)
    # The feedback on a real turn, as the service writes it (the rubric it uses is the
    # knowledge dir's, not the packaged one).
    service.store.add_user("ann", "a-good-password", "trainee")
    ann = service.store.get_user_by_name("ann")
    view = service.start_session(ann, "iris")
    view = service.take_turn(ann, view.id, "What matters most to you at the moment?")
    assert view.turns[-1].code == "open_question"
    # (capitalised when it follows the cue the coder found in the reply)
    assert "our own trainers' wording." in view.turns[-1].feedback.lower()
