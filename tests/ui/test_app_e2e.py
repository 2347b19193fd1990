"""The real app on 127.0.0.1, driven through gradio_client as a browser would drive it."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from coach.store import Store
from tests.support.apprunner import (
    RunningApp,
    add_user,
    fetch,
    seed_data_dir,
    sign_in_cookie,
    signed_in_client,
    start_app,
)

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
    return signed_in_client(app.url, user, password)


def _get(app: RunningApp, path: str, cookie: str | None) -> tuple[int, bytes]:
    """GET a path of the app as a browser with (or without) a sign-in cookie."""
    return fetch(app.url + path, cookie)


def _text(message: dict) -> str:
    """A chat message's text; Gradio 6 sends content as a list of typed parts."""
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def test_whole_debs_session_is_stored_and_reported(app: RunningApp) -> None:
    cookie = sign_in_cookie(app.url, "dawn", "practise-well-123")
    client = Client(app.url, verbose=False, headers={"Cookie": cookie}, download_files=False)
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
    report_md, timeline, downloads, _mood = client.predict(api_name="/end")
    assert "Reflection" in report_md
    # Once it has ended, a hint says so rather than what to try next.
    after = client.predict(api_name="/hint")
    assert "has ended" in after and "Try next" not in after
    # The chart and the downloads are links the app serves to whoever may see them.
    session_id = timeline.split("files/report/")[1].split(".png")[0]
    assert f"files/report/{session_id}.md" in downloads and f"{session_id}.json" in downloads
    status, png = _get(app, f"files/report/{session_id}.png", cookie)
    assert status == 200 and png.startswith(b"\x89PNG")
    md_status, md_file = _get(app, f"files/report/{session_id}.md", cookie)
    json_status, json_file = _get(app, f"files/report/{session_id}.json", cookie)
    assert md_status == json_status == 200

    store = Store(f"sqlite:///{app.data_dir / 'coach.db'}")
    user = store.get_user_by_name("dawn")
    sessions = store.list_sessions(user.id)
    assert len(sessions) == 1 and sessions[0].status == "ended"
    stored = store.get_session(sessions[0].id)
    assert [t.learner for t in stored.turns] == DEBS_SCRIPT
    assert all(t.coded["code"] and t.reply for t in stored.turns)
    report = stored.report
    assert report and report["indicators"]
    assert json.loads(json_file)["indicators"] == report["indicators"]
    assert md_file.decode("utf-8").startswith("#")
    # Nobody else gets them: not without a sign-in, not another trainee.
    assert _get(app, f"files/report/{session_id}.md", None)[0] == 401
    other = sign_in_cookie(app.url, "gareth", "another-pass-456")
    assert _get(app, f"files/report/{session_id}.md", other)[0] == 404
    assert _get(app, f"files/report/{session_id}.png", other)[0] == 404
    # The outcomes-style opening moved Debs: something that matters to her was uncovered.
    assert report["uncovered"], report


def test_bad_messages_are_refused_without_losing_anything(app: RunningApp) -> None:
    client = _client(app, "gareth", "another-pass-456")
    client.predict("britton", api_name="/start")
    for blank in ("   ", "\u200b\u2060"):  # spaces, or characters that show nothing
        chat, _, notice, box = client.predict(blank, api_name="/send")
        assert "The reply is empty" in notice and len(chat) == 1
    with pytest.raises(Exception, match="Choose a session first"):
        client.predict("", api_name="/discard")
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
    import urllib.error
    import urllib.parse
    import urllib.request

    form = urllib.parse.urlencode({"username": "dawn", "password": "wrong-password"}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(app.url + "login", form, timeout=60)
    assert refused.value.code == 401
    assert "do not match" in refused.value.read().decode()
    assert sign_in_cookie(app.url, "dawn", "wrong-password") is None
    # Without a sign-in the web API gives refusals, not data.
    with pytest.raises(Exception, match="credentials were not provided|401"):
        Client(app.url, verbose=False).predict("debs", api_name="/start")


def test_the_web_api_refuses_everything_without_a_live_sign_in(app: RunningApp) -> None:
    for path in ("config", "gradio_api/info", "gradio_api/openapi.json", "files/trend.png"):
        status, body = _get(app, path, None)
        assert status == 401, (path, status)
        assert b"debs" not in body.lower()
    forged = "coach_sign_in=abc.def"
    assert _get(app, "config", forged)[0] == 401
    # The page itself sends a browser to the sign-in form.
    status, page = _get(app, "", None)
    assert status == 200 and b'id="signin-form"' in page


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
        cookie = sign_in_cookie(first.url, "rhian", "resume-me-789")
        client = Client(first.url, verbose=False, headers={"Cookie": cookie})
        client.predict("johanna", api_name="/start")
        for line in ["Hello Johanna, thank you for seeing me.", "How have things been since we last spoke?"]:
            client.predict(line, api_name="/send")
    finally:
        first.stop(signal.SIGKILL)
    second = start_app(data)
    try:
        # The sign-in survives the restart: the same cookie, no new sign-in.
        client = Client(second.url, verbose=False, headers={"Cookie": cookie})
        chat, _mood, notice = client.predict("johanna", api_name="/start")
        assert len(chat) == 5 and "Welcome back" in notice
        chat, *_ = client.predict("What's been keeping you going?", api_name="/send")
        assert len(chat) == 7
    finally:
        second.stop()
    store = Store(f"sqlite:///{data / 'coach.db'}")
    [session] = store.list_sessions(store.get_user_by_name("rhian").id)
    assert session.turn_count == 3


def test_a_sign_in_is_honoured_by_a_second_app_process_and_ended_by_sign_out(
        app: RunningApp) -> None:
    cookie = sign_in_cookie(app.url, "gareth", "another-pass-456")
    second = start_app(app.data_dir)
    try:
        other = RunningApp(second.process, second.url, app.data_dir, second.log, 0)
        client = Client(second.url, verbose=False, headers={"Cookie": cookie})
        chat, *_ = client.predict("britton", api_name="/start")
        assert chat
        import urllib.request

        signout = urllib.request.Request(app.url + "logout", data=b"", method="POST",
                                         headers={"Cookie": cookie})
        with urllib.request.urlopen(signout, timeout=60) as response:
            assert "signed_out" in response.url
        # Signed out in the first process: the second refuses it too (within its cache).
        time.sleep(5.5)
        assert _get(other, "config", cookie)[0] == 401
    finally:
        second.stop()
