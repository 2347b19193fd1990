"""The web server in-process (Starlette's TestClient): the sign-in form, throttling as a
person sees it, refusals without a sign-in, and the page served before warm-up ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from coach.auth import COOKIE_NAME, SignInDesk
from coach.service import CoachService
from coach.settings import Settings
from coach.store import SignIns, Store
from coach.ui import build_app
from coach.ui.web import Readiness, build_web
from tests.support.apprunner import seed_data_dir


def as_cookie(value: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE_NAME}={value}"}


@pytest.fixture
def parts(settings: Settings) -> Iterator[tuple[TestClient, Readiness, Store]]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_url, password_rounds=4)
    store.add_user("dilys", "dilys-password-1", "trainee")
    service = CoachService(settings, store=store)
    readiness = Readiness()
    readiness.say("Checking the guidance library…")
    web = build_web(service, SignInDesk(store), build_app(service, readiness),
                    readiness=readiness, scratch_dir=settings.data_dir)
    with TestClient(web, base_url="http://127.0.0.1", follow_redirects=False) as client:
        yield client, readiness, store


def test_the_sign_in_page_is_served_while_the_app_warms_up_and_says_so(parts) -> None:  # type: ignore[no-untyped-def]
    client, readiness, _ = parts
    page = client.get("/")
    assert page.status_code == 303 and page.headers["location"] == "login"
    form = client.get("/login")
    assert form.status_code == 200 and 'id="signin-form"' in form.text
    assert "Getting ready: Checking the guidance library…" in form.text
    assert form.headers["cache-control"] == "no-store"
    readiness.finish()
    assert "Getting ready" not in client.get("/login").text


def test_signing_in_sets_a_cookie_that_opens_the_room_and_signing_out_ends_it(parts) -> None:  # type: ignore[no-untyped-def]
    client, readiness, store = parts
    readiness.finish()
    done = client.post("/login", data={"username": "Dilys", "password": "dilys-password-1"})
    assert done.status_code == 303 and done.headers["location"] == "./"
    cookie = done.cookies[COOKIE_NAME]
    client.cookies.clear()  # sent explicitly below
    assert "httponly" in done.headers["set-cookie"].lower()
    assert "samesite=lax" in done.headers["set-cookie"].lower()
    page = client.get("/", headers=as_cookie(cookie))
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert client.get("/config", headers=as_cookie(cookie)).status_code == 200
    out = client.post("/logout", headers=as_cookie(cookie))
    assert out.status_code == 303 and out.headers["location"] == "login?signed_out=1"
    assert out.headers["clear-site-data"] == '"storage"'
    assert client.get("/config", headers=as_cookie(cookie)).status_code == 401
    # A browser still holding the old cookie is told its sign-in ended.
    assert client.get("/", headers=as_cookie(cookie)).headers["location"] == "login?expired=1"
    assert [a.outcome for a in SignIns(store).log("dilys")] == ["ok"]


def test_a_wrong_password_and_then_too_many_say_what_to_do(parts) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = parts
    wrong = client.post("/login", data={"username": "dilys", "password": "guess-one"})
    assert wrong.status_code == 401 and "do not match" in wrong.text
    assert 'value="dilys"' in wrong.text  # the username stays; the password never does
    for n in range(6):
        last = client.post("/login", data={"username": "dilys", "password": f"guess-{n}"})
    assert last.status_code == 429 and int(last.headers["retry-after"]) >= 1
    assert "Too many sign-in attempts" in last.text and "wait" in last.text
    right = client.post("/login", data={"username": "dilys", "password": "dilys-password-1"})
    assert right.status_code == 429  # not even the right password until the wait is over


def test_without_a_live_sign_in_every_route_refuses(parts) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = parts
    for path in ("/config", "/gradio_api/info", "/files/trend.png", "/files/report/x.md"):
        assert client.get(path).status_code == 401, path
    assert client.post("/gradio_api/queue/join", json={}).status_code == 401
    assert client.get("/config", headers=as_cookie("token.signature")).status_code == 401


@pytest.fixture
def team_web(warm_data_dir: Path, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """North: nia leads, dilys practises (one ended session); South: sam leads eli;
    ada is an admin."""
    from coach.supervision import CONSOLE, SupervisionService

    settings = Settings.test_profile(seed_data_dir(warm_data_dir, tmp_path / "data"))
    store = Store(settings.database_url, password_rounds=4)
    service = CoachService(settings, store=store)
    sup = SupervisionService(service)
    for name, role in (("ada", "admin"), ("nia", "supervisor"), ("sam", "supervisor"),
                       ("dilys", "trainee"), ("eli", "trainee")):
        sup.add_user(CONSOLE, name, role, f"{name}-password-1", name.title())
    sup.add_team(CONSOLE, "North", "nia")
    sup.join_team(CONSOLE, "North", ["dilys"])
    sup.add_team(CONSOLE, "South", "sam")
    sup.join_team(CONSOLE, "South", ["eli"])
    dilys = store.get_user_by_name("dilys")
    view = service.start_session(dilys, "debs")  # type: ignore[arg-type]
    service.take_turn(dilys, view.id, "What matters most to you right now?")  # type: ignore[arg-type]
    service.end_session(dilys, view.id)  # type: ignore[arg-type]
    web = build_web(service, SignInDesk(store), build_app(service), scratch_dir=settings.data_dir)
    with TestClient(web, base_url="http://127.0.0.1", follow_redirects=False) as client:
        yield client, view.id


def _cookie_of(client: TestClient, name: str) -> dict[str, str]:
    done = client.post("/login", data={"username": name, "password": f"{name}-password-1"})
    assert done.status_code == 303, done.text
    client.cookies.clear()
    return as_cookie(done.cookies[COOKIE_NAME])


def test_reports_and_dashboards_are_served_by_the_role_rules(team_web) -> None:  # type: ignore[no-untyped-def]
    client, session = team_web
    allowed = {"dilys": True, "nia": True, "ada": True, "sam": False, "eli": False}
    for name, may in allowed.items():
        cookie = _cookie_of(client, name)
        for kind in ("md", "json", "png"):
            got = client.get(f"/files/report/{session}.{kind}", headers=cookie)
            assert got.status_code == (200 if may else 404), (name, kind)
        if may:
            assert "What matters most to you right now?" in client.get(
                f"/files/report/{session}.md", headers=cookie).text
        # The team's dashboard: its supervisor and admins only, never a trainee.
        for kind in ("csv", "png"):
            got = client.get(f"/files/dashboard/North.{kind}", headers=cookie)
            assert got.status_code == (200 if name in ("nia", "ada") else 404), (name, kind)
    nia = _cookie_of(client, "nia")
    assert client.get("/files/dashboard/North.csv", headers=nia).text.count("dilys") >= 1
    assert client.get("/files/dashboard/North.exe", headers=nia).status_code == 404
    assert client.get("/files/dashboard/North.csv").status_code == 401
