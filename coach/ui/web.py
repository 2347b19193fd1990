"""The web server: a small FastAPI app with the sign-in page, sign-out and the downloads,
with the Gradio practice room mounted on it behind the sign-in cookie.

Gradio's own ``auth`` keeps its tokens in process memory (lost on a restart, not shared
by replicas), so sign-in is ours (``coach.auth``): a signed cookie backed by the
database. Every Gradio route (page, config, queue, API, files) asks ``auth_dependency``,
so a browser or ``gradio_client`` without a live sign-in gets a refusal, never data; the
page itself sends it to the sign-in form instead.
"""

from __future__ import annotations

import html
import io
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import gradio as gr
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from coach.auth import COOKIE_NAME, Busy, SignInDesk
from coach.exercises import ExerciseService
from coach.service import CoachService, ServiceError
from coach.store import User
from coach.supervision import SupervisionService

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# Sent with every Gradio page: a live page whose sign-in has ended (signed out in another
# tab, expired, account removed) goes to the sign-in form instead of showing error badges.
EXPIRED_HEAD = """<script>
(() => {
  const realFetch = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const response = await realFetch(...args);
    if (response.status === 401) {
      window.location.assign(new URL("login?expired=1", document.baseURI).href);
      return new Promise(() => {});
    }
    return response;
  };
})();
</script>"""
MESSAGES = {
    "expired": "Your sign-in has ended. Please sign in again.",
    "signed_out": "You have signed out. Everything from your session has been cleared from this page.",
}


class Readiness:
    """What the app is still preparing (the coder, the guidance index …), for the pages
    to show while it builds; ``wait`` holds a request until it is done."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self.step = "Starting…"
        self.failed: str | None = None

    def say(self, step: str) -> None:
        self.step = step

    def finish(self, error: str | None = None) -> None:
        self.failed = error
        self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set() and self.failed is None

    def wait(self, timeout_s: float) -> bool:
        return self._done.wait(timeout_s) and self.failed is None


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_page(message: str = "", username: str = "", readiness: Readiness | None = None,
               status: int = 200) -> HTMLResponse:
    note = f'<p class="note" role="alert">{html.escape(message)}</p>' if message else ""
    preparing = ""
    if readiness is not None and not readiness.ready:
        preparing = (f'<p class="preparing" role="status">Getting ready: '
                     f'{html.escape(readiness.step)} You can sign in now.</p>')
    body = f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Outcomes Coach</title>
<style>
body {{font-family: system-ui, sans-serif; max-width: 26rem; margin: 4rem auto; padding: 0 1rem;
       color: #1f2937;}}
label {{display: block; margin-top: 1rem; font-weight: 600;}}
input {{width: 100%; padding: .55rem; font-size: 1rem; box-sizing: border-box; margin-top: .3rem;}}
button {{margin-top: 1.4rem; padding: .6rem 1.4rem; font-size: 1rem; background: #3f51b5;
         color: #fff; border: 0; border-radius: .4rem; cursor: pointer;}}
.note {{padding: .6rem .8rem; background: #fff7e0; border: 1px solid #f0d890; border-radius: .4rem;}}
.preparing {{color: #475569;}}
</style></head>
<body><main>
<h1>Outcomes Coach</h1>
<p>Practise ‘what matters’ conversations. Please sign in.</p>
{note}{preparing}
<form method="post" action="login" id="signin-form">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none"
       spellcheck="false" required value="{html.escape(username, quote=True)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="signin-btn">Sign in</button>
</form></main></body></html>"""
    return HTMLResponse(body, status_code=status, headers=NO_STORE)


def _set_cookie(response: Response, request: Request, value: str, max_age: int) -> None:
    response.set_cookie(COOKIE_NAME, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def build_web(service: CoachService, desk: SignInDesk, blocks: gr.Blocks, *,
              readiness: Readiness | None = None, css: str = "", theme: Any = None,
              scratch_dir: Path | None = None) -> FastAPI:
    """The whole web app: sign-in routes, downloads, and ``blocks`` mounted at ``/``."""
    web = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    scratch = scratch_dir or Path(tempfile.gettempdir())
    sup = SupervisionService(service)
    exercises = ExerciseService(service)

    def user_of(request: Request) -> User | None:
        return desk.user_for(request.cookies.get(COOKIE_NAME))

    async def signed_in(request: Request) -> User | None:
        return await anyio.to_thread.run_sync(user_of, request)

    @web.middleware("http")
    async def page_needs_sign_in(request: Request, call_next: Callable[..., Any]) -> Response:
        # The practice room's page: without a live sign-in, the sign-in form instead.
        if request.method == "GET" and request.url.path == "/":
            if await signed_in(request) is None:
                expired = COOKIE_NAME in request.cookies
                return RedirectResponse("login?expired=1" if expired else "login", 303,
                                        headers=NO_STORE)
            response = await call_next(request)
            response.headers.update(NO_STORE)  # nothing of it kept for the Back button
            return response
        return await call_next(request)

    @web.get("/login")
    async def login_form(request: Request) -> Response:
        if await signed_in(request) is not None:
            return RedirectResponse("./", 303, headers=NO_STORE)
        params = request.query_params
        message = next((MESSAGES[k] for k in MESSAGES if k in params), "")
        response = login_page(message, readiness=readiness)
        if "expired" in params:
            response.delete_cookie(COOKIE_NAME, path="/")
        return response

    @web.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        try:
            result = await desk.sign_in_async(username, password, client_address(request))
        except Busy as exc:
            return login_page(str(exc), username, readiness, status=503)
        if result.user is None:
            status = 429 if result.retry_after_s else 401
            response = login_page(result.message, username, readiness, status=status)
            if result.retry_after_s:
                response.headers["Retry-After"] = str(int(result.retry_after_s + 0.999))
            return response
        signed = RedirectResponse("./", 303, headers=NO_STORE)
        _set_cookie(signed, request, result.cookie or "", int(desk.lifetime.total_seconds()))
        return signed

    @web.post("/logout")
    async def logout(request: Request) -> Response:
        await anyio.to_thread.run_sync(desk.sign_out, request.cookies.get(COOKIE_NAME))
        response = RedirectResponse("login?signed_out=1", 303, headers=NO_STORE)
        response.delete_cookie(COOKIE_NAME, path="/")
        # Whatever the browser kept for this site (storage, caches) goes too.
        response.headers["Clear-Site-Data"] = '"storage"'
        return response

    def report_file(user: User, session_id: str, kind: str) -> tuple[bytes, str]:
        from coach.report import report_markdown, timeline_figure

        report = service.past_report(user, session_id)  # coach.teams' rules: who may see it
        if kind == "md":
            return report_markdown(report).encode("utf-8"), "text/markdown; charset=utf-8"
        if kind == "json":
            return report.to_json().encode("utf-8"), "application/json"
        buffer = io.BytesIO()
        timeline_figure(report).savefig(buffer, format="png")
        return buffer.getvalue(), "image/png"

    def trend_file(user: User) -> bytes | None:
        with tempfile.TemporaryDirectory(dir=scratch) as tmp:
            made = service.trend_png(user, Path(tmp) / "trend.png")
            return made.read_bytes() if made else None

    @web.get("/files/report/{session_id}.{kind}")
    async def download_report(request: Request, session_id: str, kind: str) -> Response:
        user = await signed_in(request)
        if user is None:
            return Response("Please sign in.", 401, headers=NO_STORE)
        if kind not in ("md", "json", "png"):
            return Response("Not found.", 404, headers=NO_STORE)
        try:
            data, media = await anyio.to_thread.run_sync(report_file, user, session_id, kind)
        except ServiceError:
            return Response("Not found.", 404, headers=NO_STORE)
        headers = dict(NO_STORE)
        if kind != "png":
            headers["Content-Disposition"] = (
                f'attachment; filename="outcomes-coach-{session_id}.{kind}"')
        return Response(data, media_type=media, headers=headers)

    def dashboard_file(user: User, team: str, kind: str) -> tuple[bytes, str] | None:
        if kind == "csv":
            return sup.dashboard_csv(user, team).encode("utf-8"), "text/csv; charset=utf-8"
        with tempfile.TemporaryDirectory(dir=scratch) as tmp:
            made = sup.dashboard_png(user, team, Path(tmp) / "dashboard.png")
            return (made.read_bytes(), "image/png") if made else None

    @web.get("/files/dashboard/{team}.{kind}")
    async def download_dashboard(request: Request, team: str, kind: str) -> Response:
        """A team's dashboard chart or CSV, for its supervisors and admins only."""
        user = await signed_in(request)
        if user is None:
            return Response("Please sign in.", 401, headers=NO_STORE)
        if kind not in ("png", "csv"):
            return Response("Not found.", 404, headers=NO_STORE)
        try:
            made = await anyio.to_thread.run_sync(dashboard_file, user, team, kind)
        except ServiceError:
            return Response("Not found.", 404, headers=NO_STORE)
        if made is None:
            return Response("No ended sessions in this team yet.", 404, headers=NO_STORE)
        headers = dict(NO_STORE)
        if kind == "csv":
            headers["Content-Disposition"] = 'attachment; filename="team-dashboard.csv"'
        return Response(made[0], media_type=made[1], headers=headers)

    def spread_file(user: User, exercise_id: int) -> bytes | None:
        with tempfile.TemporaryDirectory(dir=scratch) as tmp:
            made = exercises.spread(user, exercise_id, Path(tmp) / "spread.png")
            return made.read_bytes() if made else None

    @web.get("/files/exercise/{exercise_id}/spread.png")
    async def download_spread(request: Request, exercise_id: int) -> Response:
        """An exercise's spread chart, for whoever may see its replies (coach.exercises)."""
        user = await signed_in(request)
        if user is None:
            return Response("Please sign in.", 401, headers=NO_STORE)
        try:
            data = await anyio.to_thread.run_sync(spread_file, user, exercise_id)
        except ServiceError:
            return Response("Not found.", 404, headers=NO_STORE)
        if data is None:
            return Response("The replies are not shown yet.", 404, headers=NO_STORE)
        return Response(data, media_type="image/png", headers=NO_STORE)

    @web.get("/files/trend.png")
    async def download_trend(request: Request) -> Response:
        user = await signed_in(request)
        if user is None:
            return Response("Please sign in.", 401, headers=NO_STORE)
        data = await anyio.to_thread.run_sync(trend_file, user)
        if data is None:
            return Response("No ended sessions yet.", 404, headers=NO_STORE)
        return Response(data, media_type="image/png", headers=NO_STORE)

    async def gradio_user(request: Request) -> str | None:
        user = await signed_in(request)
        return user.username if user else None

    return gr.mount_gradio_app(
        web, blocks, path="/", auth_dependency=gradio_user, footer_links=[],
        show_error=False, css=css, theme=theme, head=EXPIRED_HEAD, ssr_mode=False,
        run_history=False,
    )


def serve(service: CoachService, host: str, port: int, *, sign_in_hours: float = 12.0,
          on_ready: Callable[[float], None] | None = None) -> None:
    """Serve the app on ``host:port`` at once, and warm it up (coder, personas, guidance
    index) meanwhile: the sign-in page is up in seconds, and says what is still being
    prepared; a turn sent before then waits for it."""
    import contextlib
    from collections.abc import AsyncIterator

    import uvicorn

    from coach.ui import exercise, supervisor
    from coach.ui.app import build_app
    from coach.ui.page import theme
    from coach.ui.render import CSS

    readiness = Readiness()

    def warm() -> None:
        try:
            seconds = service.warm_up(progress=readiness.say)
        except Exception as exc:  # shown on the page; the server stays up to say so
            readiness.finish(f"{type(exc).__name__}: {exc}")
            raise
        readiness.finish()
        if on_ready is not None:
            on_ready(seconds)

    desk = SignInDesk(service.store, hours=sign_in_hours)
    blocks = build_app(service, readiness)
    web = build_web(service, desk, blocks, readiness=readiness,
                    css=CSS + supervisor.CSS + exercise.CSS, theme=theme(),
                    scratch_dir=service.settings.data_dir)
    # Warm up once the server is listening, so that building the index does not hold up
    # (on two cores, share the CPU with) getting the first page out.
    serving = web.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with serving(app) as state:
            threading.Thread(target=warm, name="warm-up", daemon=True).start()
            print(f"Open http://{host}:{port} in your browser (Ctrl+C to stop).", flush=True)
            yield state

    web.router.lifespan_context = lifespan
    uvicorn.run(web, host=host, port=port, log_level="warning")
