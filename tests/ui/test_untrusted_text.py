"""Untrusted text stays text: what a trainee or a persona writes is shown as written, in
the chat (HTML, no Markdown) and in Markdown (reports, hints, exports)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from coach.text import escape_markdown
from coach.ui import render
from coach.views import SessionView, TurnView

HOSTILE = [
    "![x](http://127.0.0.1:9/x.png)",
    "[click](http://127.0.0.1:9/)",
    "<img src=http://127.0.0.1:9/y.png onerror=alert(1)>",
    "<script>alert(1)</script>",
    "**bold** _it_ `code`",
    "$$x^2$$ and $y$",
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def _tags(html: str) -> list[str]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_markdown_renders_as_the_text_that_was_typed(text: str) -> None:
    html = MarkdownIt("commonmark").render(escape_markdown(text))
    assert _tags(html) == ["p"]  # no img, a, script, strong, em or code
    parser = _Tags()
    parser.feed(html)
    assert text.replace("  ", " ") in _unescape(html)


def _unescape(html: str) -> str:
    import html as html_module
    import re

    return html_module.unescape(re.sub(r"<[^>]+>", "", html)).strip()


def test_bare_urls_and_addresses_cannot_become_links() -> None:
    escaped = escape_markdown("see http://127.0.0.1:9/a.png, www.example.org or me@example.org")
    assert "http://" not in escaped and "www." not in escaped and "me@" not in escaped
    assert "http\\://" in escaped and "www\\." in escaped and "me\\@" in escaped


def _view(learner: str, reply: str) -> SessionView:
    turn = TurnView(index=0, learner=learner, reply=reply, code="open_question",
                    stance="outcomes", cues=("<b>cue</b>",), mood="guarded", receptivity=0.4,
                    changes=(), unlocked=())
    return SessionView(id="s1", persona_id="debs", persona_name="Debs", opening="<i>Hello</i>",
                       status="active", turns=(turn,), mood="guarded", receptivity=0.4,
                       start_receptivity=0.3, uncovered=(), still_hidden=2)


@pytest.mark.parametrize("text", HOSTILE)
def test_chat_messages_carry_only_our_own_markup(text: str) -> None:
    messages = render.chat_messages(_view(text, text + "\nsecond line"))
    opening, learner, reply = (m["content"] for m in messages)
    assert _tags(opening) == []
    assert set(_tags(learner)) <= {"div", "span"}  # the coding chips, nothing of the trainee's
    assert _tags(reply) == ["br"]  # a line break kept, nothing else
    assert _unescape(reply.split("<br>")[0]) == text
