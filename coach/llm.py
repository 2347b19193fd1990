"""The one narrow model seam: an OpenAI-compatible chat model, or none.

Everything that wants generated text goes through ``ChatModel.complete``; tests script a
fake server (tests/fake_openai.py) behind the real client and assert on what was sent.
Any failure of the endpoint — refused connection, timeout, HTTP error, a malformed
answer — comes out as one exception, ``LLMUnavailable``, so callers have exactly one
thing to catch before falling back to their offline path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlparse

from coach.settings import LLMSettings

Message = Mapping[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}
_ROLES = frozenset({"system", "user", "assistant"})


class LLMUnavailable(RuntimeError):
    """The model could not produce a reply; ``reason`` is short and safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@runtime_checkable
class ChatModel(Protocol):
    name: str

    def complete(self, messages: Sequence[Message], *, max_tokens: int) -> str:
        """The assistant's reply to ``messages``; raises ``LLMUnavailable``."""
        ...


def neutralise(text: str, tags: Iterable[str]) -> str:
    """Untrusted text for a prompt that delimits it with ``tags``: any of those tags inside
    the text (opening or closing, with or without attributes) has its angle brackets
    swapped for ‹ › so it cannot close or open a section; control characters are dropped.
    Other markup is left alone."""
    text = _tag_pattern(tuple(sorted(set(tags)))).sub(
        lambda m: m.group(0).replace("<", "‹").replace(">", "›"), text
    )
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())


@lru_cache(maxsize=16)
def _tag_pattern(tags: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(re.escape(t) for t in tags)
    return re.compile(rf"<\s*/?\s*(?:{names})\b[^>]*>", re.IGNORECASE)


def _is_openai_host(base_url: str) -> bool:
    host = (urlparse(base_url).hostname or "").lower()
    return host == "api.openai.com" or host.endswith(".openai.com")


def _describe(exc: BaseException, timeout_s: float) -> str:
    """A one-line reason for a failed call, without echoing the request."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return f"the model server did not answer within {timeout_s:g} s"
    if isinstance(exc, openai.APIConnectionError):
        return "could not connect to the model server"
    if isinstance(exc, openai.APIStatusError):
        return f"the model server answered HTTP {exc.status_code}"
    return f"the model call failed ({type(exc).__name__})"


class OpenAIChatModel:
    """Chat completions over langchain-openai's ``ChatOpenAI``.

    ``max_retries=0``: the caller has an offline fallback, so a retry only doubles the
    time a trainee waits. llama.cpp's server ignores ``max_completion_tokens`` (which
    langchain-openai sends), so for anything that is not OpenAI itself the limit also
    goes in the body as ``max_tokens``.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "not-needed",
        timeout_s: float = 20.0,
        temperature: float = 0.7,
    ) -> None:
        from langchain_openai import ChatOpenAI

        self.name = model
        self.base_url = base_url
        self.timeout_s = timeout_s
        self._local = not _is_openai_host(base_url)
        self._client = ChatOpenAI(
            base_url=base_url,
            model=model,
            api_key=api_key,
            timeout=timeout_s,
            max_retries=0,
            temperature=temperature,
            # Chat completions is what every OpenAI-compatible server speaks.
            use_responses_api=False,
        )

    def complete(self, messages: Sequence[Message], *, max_tokens: int) -> str:
        for m in messages:
            if m.get("role") not in _ROLES or not isinstance(m.get("content"), str):
                raise ValueError(f"malformed chat message: {dict(m)!r}")
        kwargs: dict[str, Any] = {"max_tokens": max_tokens}
        if self._local:
            kwargs["extra_body"] = {"max_tokens": max_tokens}
        try:
            reply = self._client.invoke(
                [(m["role"], m["content"]) for m in messages], **kwargs
            )
        except Exception as exc:  # noqa: BLE001 — every failure means "use the fallback"
            raise LLMUnavailable(_describe(exc, self.timeout_s)) from exc
        content = reply.content
        if isinstance(content, list):  # content blocks from some servers
            content = "".join(
                part.get("text", "") if isinstance(part, dict) else str(part) for part in content
            )
        if not isinstance(content, str):
            raise LLMUnavailable("the model server sent a reply with no text")
        return content


def chat_model_from_settings(settings: LLMSettings) -> ChatModel | None:
    """The configured model, or ``None`` when no base URL and model are set."""
    if not settings.enabled:
        return None
    assert settings.base_url is not None and settings.model is not None
    return OpenAIChatModel(
        settings.base_url,
        settings.model,
        api_key=settings.api_key,
        timeout_s=settings.timeout_s,
        temperature=settings.temperature,
    )
