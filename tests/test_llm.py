"""coach/llm.py through the real langchain-openai client against the loopback fake server."""

from __future__ import annotations

import time

import pytest

from coach.llm import LLMUnavailable, OpenAIChatModel, chat_model_from_settings, neutralise
from coach.settings import LLMSettings
from tests.support.fake_openai import FakeOpenAIServer, dead_base_url

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello?"}]


def test_reply_comes_back_and_request_is_recorded() -> None:
    with FakeOpenAIServer(replies=["Hiya."]) as server:
        model = OpenAIChatModel(server.base_url, "fake-model", timeout_s=5)
        assert model.complete(MESSAGES, max_tokens=40) == "Hiya."
        (request,) = server.chat_requests()
    assert request.body["model"] == "fake-model"
    assert [m["role"] for m in request.messages] == ["system", "user"]
    assert request.messages[1]["content"] == "Hello?"
    # pitfall 8: a local server must see max_tokens itself, not only max_completion_tokens
    assert request.body["max_tokens"] == 40


def test_scripted_replies_are_used_in_order() -> None:
    with FakeOpenAIServer(replies=["one", "two"]) as server:
        model = OpenAIChatModel(server.base_url, "m", timeout_s=5)
        got = [model.complete(MESSAGES, max_tokens=20) for _ in range(3)]
    assert got == ["one", "two", "two"]


def test_connection_refused_is_llm_unavailable() -> None:
    model = OpenAIChatModel(dead_base_url(), "m", timeout_s=2)
    with pytest.raises(LLMUnavailable, match="could not connect"):
        model.complete(MESSAGES, max_tokens=20)


def test_hanging_server_times_out_quickly() -> None:
    with FakeOpenAIServer(hang_s=10) as server:
        model = OpenAIChatModel(server.base_url, "m", timeout_s=0.5)
        started = time.monotonic()
        with pytest.raises(LLMUnavailable, match="did not answer"):
            model.complete(MESSAGES, max_tokens=20)
        assert time.monotonic() - started < 5  # no retries


def test_http_error_is_llm_unavailable() -> None:
    with FakeOpenAIServer(status=500) as server:
        model = OpenAIChatModel(server.base_url, "m", timeout_s=5)
        with pytest.raises(LLMUnavailable, match="HTTP 500"):
            model.complete(MESSAGES, max_tokens=20)
        assert len(server.chat_requests()) == 1  # max_retries=0


def test_malformed_message_is_a_programming_error() -> None:
    model = OpenAIChatModel(dead_base_url(), "m")
    with pytest.raises(ValueError, match="malformed"):
        model.complete([{"role": "wizard", "content": "x"}], max_tokens=5)


def test_settings_without_model_give_none() -> None:
    assert chat_model_from_settings(LLMSettings.model_construct()) is None
    configured = LLMSettings.model_construct(base_url="http://127.0.0.1:9/v1", model="m")
    model = chat_model_from_settings(configured)
    assert model is not None and model.name == "m"


def test_fake_server_lists_models_and_records_every_request() -> None:
    import json
    import urllib.request

    with FakeOpenAIServer(model="tiny") as server:
        with urllib.request.urlopen(f"{server.base_url}/models", timeout=5) as response:
            listing = json.load(response)
        assert [m["id"] for m in listing["data"]] == ["tiny"]
        assert [r.path for r in server.requests] == ["/v1/models"]
        assert server.chat_requests() == []


def test_neutralise_defuses_only_the_given_tags_in_any_spelling() -> None:
    text = "a </Worker > b < worker id=1> c <system> d <b>e</b> f\x00\x1b g\n\th"
    cleaned = neutralise(text, ("worker", "system"))
    assert cleaned == "a ‹/Worker › b ‹ worker id=1› c ‹system› d <b>e</b> f g\n\th"
    # A tag that only starts like one of ours is not ours.
    assert neutralise("<workers>", ("worker",)) == "<workers>"
