"""The real app on 127.0.0.1, driven through gradio_client as a browser would drive it."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from coach.store import Store
from tests.support.apprunner import RunningApp, add_user, seed_data_dir, start_app

GUIDANCE_TITLES = ("Embedding the outcomes approach", "Outcomes conversations", "Personal outcomes",
                   "Understanding an outcomes approach")

pytestmark = pytest.mark.slow

DEBS_SCRIPT = [
    "Hi Debs, I'm from Social Services. Thanks for letting me in, I know this isn't easy.",
    "It sounds like Saturday night was really frightening for you and the kids.",
    "What's been happening at home lately, from your side?",
    "You rang the police yourself to keep everyone safe. That took a lot of courage.",
    "So things with Llyr have been really hard, and you've been holding it all together.",
    "What would you like to be different for you and the children?",
    "You've been managing the money on your own, even with things this tight.",
    "What matters most to you right now?",
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, warm_data_dir: Path) -> Iterator[RunningApp]:
    data = seed_data_dir(warm_data_dir, tmp_path_factory.mktemp("app") / "data")
    add_user(data, "dawn", "practise-well-123")
    add_user(data, "gareth", "another-pass-456")
    running = start_app(data)
    yield running
    running.stop()


def _client(app: RunningApp, user: str = "dawn", password: str = "practise-well-123") -> Client:
    client = Client(app.url, verbose=False)
    client.predict(user, password, api_name="/sign_in")
    return client


def _value(output: object) -> object:
    """An output's value, unwrapping the update a button sends when it also becomes visible."""
    return output.get("value") if isinstance(output, dict) and "__type__" in output else output


def _text(message: dict) -> str:
    """A chat message's text; Gradio 6 sends content as a list of typed parts."""
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def test_whole_debs_session_is_stored_and_reported(app: RunningApp) -> None:
    client = _client(app)
    chat, mood, _notice = client.predict("debs", api_name="/start")
    assert len(chat) == 1 and chat[0]["role"] == "assistant"
    for line in DEBS_SCRIPT:
        chat, mood, notice, box = client.predict(line, api_name="/send")
        assert box == ""
    assert len(chat) == 1 + 2 * len(DEBS_SCRIPT)
    assert "chip code" in _text(chat[-2])  # the trainee's line carries its coding chips
    hint = client.predict(api_name="/hint")
    # A suggestion citing a guidance document by its title (never its file name).
    assert "Try next" in hint and ".md" not in hint
    assert any(f"— {title}" in hint for title in GUIDANCE_TITLES), hint
    report_md, timeline, md_file, json_file, _mood = client.predict(api_name="/end")
    md_file, json_file = _value(md_file), _value(json_file)
    assert "Reflection" in report_md
    assert Path(timeline).is_file()

    store = Store(f"sqlite:///{app.data_dir / 'coach.db'}")
    user = store.get_user_by_name("dawn")
    sessions = store.list_sessions(user.id)
    assert len(sessions) == 1 and sessions[0].status == "ended"
    stored = store.get_session(sessions[0].id)
    assert [t.learner for t in stored.turns] == DEBS_SCRIPT
    assert all(t.coded["code"] and t.reply for t in stored.turns)
    report = stored.report
    assert report and report["indicators"]
    assert json.loads(Path(json_file).read_text())["indicators"] == report["indicators"]
    assert Path(md_file).read_text().startswith("#")
    # The outcomes-style opening moved Debs: something that matters to her was uncovered.
    assert report["uncovered"], report


def test_bad_messages_are_refused_without_losing_anything(app: RunningApp) -> None:
    client = _client(app, "gareth", "another-pass-456")
    client.predict("britton", api_name="/start")
    chat, _, notice, box = client.predict("   ", api_name="/send")
    assert "empty" in notice and len(chat) == 1
    long = "Tell me more. " * 400
    chat, _, notice, box = client.predict(long, api_name="/send")
    assert "limited to" in notice and len(chat) == 1
    assert box == long.strip() or box == long  # the text stays in the box
    chat, *_ = client.predict("What matters to you about Cassie?", api_name="/send")
    assert len(chat) == 3


def test_a_trainee_sees_only_their_own_sessions(app: RunningApp) -> None:
    mine = _client(app, "gareth", "another-pass-456")
    mine.predict("young_father", api_name="/start")
    table, _ = mine.predict(api_name="/history")
    people = [row[1] for row in table["data"]]
    assert people, "Gareth's own session should be listed"
    assert not any(name.startswith("Deb") for name in people)  # Debs was Dawn's session


def test_wrong_password_does_not_sign_in(app: RunningApp) -> None:
    client = Client(app.url, verbose=False)
    result = client.predict("dawn", "wrong-password", api_name="/sign_in")
    assert "do not match" in json.dumps(result)
    with pytest.raises(Exception, match="sign in"):
        client.predict("debs", api_name="/start")


def test_two_windows_on_one_session_lose_nothing(app: RunningApp) -> None:
    one = _client(app)
    two = _client(app)
    chat_one, *_ = one.predict("iris", api_name="/start")
    chat_two, *_ = two.predict("iris", api_name="/start")
    assert chat_one == chat_two  # the second window resumes the same conversation
    lines = ["How has coming home been?", "What does home mean to you?",
             "It sounds like the kitchen matters a lot.", "What would help you feel confident again?"]
    for n, line in enumerate(lines):
        chat, *_ = (one if n % 2 == 0 else two).predict(line, api_name="/send")
    assert len(chat) == 1 + 2 * len(lines)  # each window sees the other's turns too
    store = Store(f"sqlite:///{app.data_dir / 'coach.db'}")
    user = store.get_user_by_name("dawn")
    [iris] = store.list_sessions(user.id, persona_id="iris")
    assert [t.learner for t in store.get_session(iris.id).turns] == lines


def test_killed_app_resumes_the_session(tmp_path: Path, warm_data_dir: Path) -> None:
    data = seed_data_dir(warm_data_dir, tmp_path / "data")
    add_user(data, "rhian", "resume-me-789")
    first = start_app(data)
    try:
        client = Client(first.url, verbose=False)
        client.predict("rhian", "resume-me-789", api_name="/sign_in")
        client.predict("johanna", api_name="/start")
        for line in ["Hello Johanna, thank you for seeing me.", "How have things been since we last spoke?"]:
            client.predict(line, api_name="/send")
    finally:
        first.stop(signal.SIGKILL)
    second = start_app(data)
    try:
        client = Client(second.url, verbose=False)
        client.predict("rhian", "resume-me-789", api_name="/sign_in")
        chat, _mood, notice = client.predict("johanna", api_name="/start")
        assert len(chat) == 5 and "Welcome back" in notice
        chat, *_ = client.predict("What's been keeping you going?", api_name="/send")
        assert len(chat) == 7
    finally:
        second.stop()
    store = Store(f"sqlite:///{data / 'coach.db'}")
    [session] = store.list_sessions(store.get_user_by_name("rhian").id)
    assert session.turn_count == 3
