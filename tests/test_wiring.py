"""coach/wiring.py: the one place the coder, the realiser, the knowledge base and the store
are built from settings, for the service, the command line and the evals alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from coach.cli import main
from coach.cli import roleplay as roleplay_cli
from coach.coding import LLMCoder, get_coder
from coach.llm import OpenAIChatModel
from coach.retrieval import SearchError
from coach.roleplay import LLMRealiser, ScriptedRealiser
from coach.service import CoachService
from coach.settings import LLMSettings, Settings, load_settings
from coach.wiring import Wiring, WiringError
from tests.support.fake_openai import FakeOpenAIServer

ANSWER = json.dumps({"code": "reflection_complex", "stance": "outcomes", "cues": ["from the model"]})


def _llm(base_url: str, **values: object) -> LLMSettings:
    return LLMSettings.model_construct(base_url=base_url, model="fake", api_key="x", timeout_s=5.0,
                                       **values)


class FakeKnowledge:
    """Answers transcript searches from a list and records what was asked."""

    def __init__(self, texts: list[str] | None = None) -> None:
        self.texts = texts
        self.asked: list[tuple[str, int, str]] = []

    def search(self, query: str, k: int, kind: str):  # type: ignore[no-untyped-def]
        self.asked.append((query, k, kind))
        if self.texts is None:
            raise SearchError("the guidance library has not been indexed")
        return [type("P", (), {"text": t})() for t in self.texts[:k]]


# --- the coder -------------------------------------------------------------------------------


def test_without_a_model_the_local_coder_is_used(settings: Settings) -> None:
    parts = Wiring(settings)
    assert parts.coder is get_coder() and parts.coder is parts.coder
    assert parts.notices == []


def test_the_llm_coder_asked_for_without_a_model_falls_back_and_says_so(settings: Settings) -> None:
    parts = Wiring(settings.model_copy(update={"coder": "llm"}))
    assert parts.coder is get_coder()
    (notice,) = parts.notices
    assert "COACH_CODER=llm" in notice and "COACH_LLM_BASE_URL" in notice and "local coder" in notice


def test_the_llm_coder_is_wired_when_asked_for_and_a_model_is_configured(settings: Settings) -> None:
    with FakeOpenAIServer(replies=[ANSWER]) as server:
        parts = Wiring(settings.model_copy(update={"coder": "llm", "llm": _llm(server.base_url)}))
        coder = parts.coder
        result = coder.code("So money's been the worry.", context="It's the money, mostly.")
        assert server.chat_requests(), "the model was never asked"
    assert isinstance(coder, LLMCoder) and coder.local is get_coder()
    assert result.code == "reflection_complex" and result.extra["coder"] == "llm"
    assert parts.notices == []


def test_coach_code_uses_the_llm_coder_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lines = tmp_path / "in.jsonl"
    lines.write_text(json.dumps({"id": 1, "reply": "So money's been the worry."}) + "\n"
                     + json.dumps({"id": 2, "reply": "   "}) + "\n", encoding="utf-8")
    with FakeOpenAIServer(replies=[ANSWER]) as server:
        monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("COACH_CODER", "llm")
        monkeypatch.setenv("COACH_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("COACH_LLM_MODEL", "fake")
        assert main(["code", "--jsonl", str(lines)]) == 1  # the blank reply is an error line
        sent = server.chat_requests()
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(sent) == 1 and "<reply>So money's been the worry.</reply>" in sent[0].text()
    assert rows[0]["code"] == "reflection_complex" and rows[0]["cues"] == ["from the model"]
    assert "empty" in rows[1]["error"]


def test_coach_code_says_when_the_llm_coder_cannot_be_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_CODER", "llm")
    monkeypatch.delenv("COACH_LLM_BASE_URL", raising=False)
    assert main(["code", "--json", "Tell me about Cassie."]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["code"] == "open_question"
    assert "note: COACH_CODER=llm needs COACH_LLM_BASE_URL" in out.err


def test_the_coder_setting_is_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_CODER", "llm")
    assert load_settings().coder == "llm"
    monkeypatch.setenv("COACH_CODER", "oracle")
    with pytest.raises(ValidationError, match="coder"):
        load_settings()


# --- the realiser and its voice snippets -----------------------------------------------------


def test_the_realiser_follows_the_choice_and_the_model(settings: Settings) -> None:
    assert isinstance(Wiring(settings).realiser, ScriptedRealiser)  # auto, no model
    with pytest.raises(WiringError, match="COACH_LLM_BASE_URL"):
        _ = Wiring(settings, realiser="llm").realiser
    model = OpenAIChatModel("http://127.0.0.1:9/v1", "fake")
    assert isinstance(Wiring(settings, chat_model=model, realiser="scripted").realiser,
                      ScriptedRealiser)
    llm = Wiring(settings, chat_model=model).realiser
    assert isinstance(llm, LLMRealiser) and llm.model is model


def test_service_and_command_line_get_the_same_voice_snippets_from_one_setting(
        settings: Settings) -> None:
    with FakeOpenAIServer() as server:
        configured = settings.model_copy(update={"llm": _llm(server.base_url, voice_snippets=3)})
        service = CoachService(configured)
        cli_engine = roleplay_cli.build_engine(configured, "debs", "auto")
        service_engine = service.engine("debs")
    for realiser in (service_engine.realiser, cli_engine.realiser):
        assert isinstance(realiser, LLMRealiser) and realiser.max_snippets == 3

    knowledge = FakeKnowledge(["one", "two", "three", "four"])
    parts = Wiring(configured, knowledge=knowledge)  # type: ignore[arg-type]
    assert parts.voice_snippets("Debs: hello") == ["one", "two", "three"]
    assert knowledge.asked == [("Debs: hello", 3, "transcript")]
    # An unindexed library gives no snippets rather than an error.
    assert Wiring(configured, knowledge=FakeKnowledge(None)).voice_snippets("x") == []  # type: ignore[arg-type]
    none = settings.model_copy(update={"llm": _llm(server.base_url, voice_snippets=0)})
    knowledge = FakeKnowledge(["one"])
    assert Wiring(none, knowledge=knowledge).voice_snippets("x") == [] and not knowledge.asked  # type: ignore[arg-type]


# --- built once, shared --------------------------------------------------------------------


def test_parts_are_built_once_and_shared_with_the_service(settings: Settings) -> None:
    parts = Wiring(settings)
    service = CoachService(settings, wiring=parts)
    assert service.store is parts.store and service.knowledge is parts.knowledge
    assert service.engine("britton") is parts.engine("britton") is parts.engine("britton")
    assert parts.engine("britton").coder is parts.coder
    assert parts.engine("britton").embedder is parts.vectors
    with pytest.raises(KeyError):
        parts.engine("nobody")


def test_injected_parts_replace_the_built_ones(settings: Settings) -> None:
    from tests.support.roleplay_fakes import RuleCoder

    coder = RuleCoder()
    service = CoachService(settings, coder=coder)
    assert service.coder is coder and service.engine("iris").coder is coder
