"""A loopback HTTP server standing in for the gateway where the real one can't misbehave on cue:
scripted answers (503, 429 with Retry-After, …) in order, then routes; every request recorded."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Answer:
    status: int = 200
    body: dict | list | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body) if self.body else None


def error_answer(status: int, code: str, message: str = "scripted", **headers: str) -> Answer:
    type_ = "api_error" if status >= 500 else "invalid_request_error"
    body = {"error": {"type": type_, "code": code, "message": message, "param": None}}
    return Answer(status, body, dict(headers))


Route = Callable[[Recorded], Answer]


class FakeGateway:
    def __init__(self) -> None:
        self.scripted: list[Answer] = []
        self.routes: dict[tuple[str, str], Route] = {}
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def script(self, *answers: Answer) -> FakeGateway:
        """Answer the next requests with these, in order, whatever they ask."""
        self.scripted.extend(answers)
        return self

    def route(self, method: str, path: str, answer: Route) -> None:
        self.routes[(method, path)] = answer

    def _answer(self, recorded: Recorded) -> Answer:
        with self._lock:
            self.requests.append(recorded)
            if self.scripted:
                return self.scripted.pop(0)
        route = self.routes.get((recorded.method, recorded.path))
        if route is not None:
            return route(recorded)
        return error_answer(404, "not_found", "No such path.")

    def start(self) -> FakeGateway:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                recorded = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length),
                )
                answer = fake._answer(recorded)
                payload = (
                    answer.body
                    if isinstance(answer.body, bytes)
                    else json.dumps(answer.body).encode()
                )
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
