"""A tiny fake OpenAI-compatible chat-completions server for tests, on 127.0.0.1 only.

A real HTTP server in a thread, so the real openai / langchain-openai client can be
driven end to end with no network. It serves ``POST /v1/chat/completions`` (and
``GET /v1/models``), replies from a script, records every request it received, and can
be told to hang (for timeouts) or to answer with an HTTP error.

    with FakeOpenAIServer(replies=["Hello."]) as server:
        model = OpenAIChatModel(server.base_url, "fake-model")
        ...
        server.requests[0].body["messages"]

``dead_base_url()`` gives a base URL on which nothing listens (connection refused).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[dict[str, Any]], str]


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def text(self) -> str:
        """Every message's content joined: handy for 'the prompt never contains X'."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


class FakeOpenAIServer:
    """Scripted replies are used in order; the last one repeats once the script runs out.

    A reply may be a string or a callable taking the request body. ``hang_s`` makes each
    chat request wait that long before answering (the client's timeout should fire
    first); ``status`` makes it answer with that HTTP status instead.
    """

    def __init__(
        self,
        replies: Iterable[Reply] = ("OK.",),
        *,
        model: str = "fake-model",
        hang_s: float = 0.0,
        status: int = 200,
    ) -> None:
        self.replies: list[Reply] = list(replies) or ["OK."]
        self.model = model
        self.hang_s = hang_s
        self.status = status
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._released = threading.Event()  # set on stop, so hanging handlers return
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- behaviour ---------------------------------------------------------------------

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def _next_reply(self, body: dict[str, Any]) -> str:
        with self._lock:
            index = len(self.chat_requests()) - 1
            reply = self.replies[min(index, len(self.replies) - 1)]
        return reply(body) if callable(reply) else reply

    def _completion(self, body: dict[str, Any], text: str) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-fake-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return  # keep test output clean

            def _send_json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self, body: dict[str, Any]) -> None:
                with fake._lock:
                    fake.requests.append(
                        RecordedRequest(self.command, self.path, dict(self.headers), body)
                    )

            def do_GET(self) -> None:  # noqa: N802
                self._record({})
                if self.path.rstrip("/").endswith("/models"):
                    self._send_json(200, {"object": "list", "data": [
                        {"id": fake.model, "object": "model", "owned_by": "fake"}]})
                else:
                    self._send_json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                self._record(body)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send_json(404, {"error": {"message": "not found"}})
                    return
                if fake.hang_s > 0 and fake._released.wait(fake.hang_s):
                    return  # the server is stopping: drop the connection
                if fake.status != 200:
                    self._send_json(fake.status, {"error": {
                        "message": "scripted failure", "type": "server_error"}})
                    return
                self._send_json(200, fake._completion(body, fake._next_reply(body)))

        return Handler


def dead_base_url() -> str:
    """A loopback base URL with nothing listening on it: connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
