"""A loopback fake of the OpenAI API (real wire protocol) for tests and benchmarks.

In tests use the `fake_openai` fixture (tests/helpers/live.py). Standalone, for benchmarks:
    python -m tests.fakes.openai_server --port 9100 [--stream-delay 0.01]

Endpoints: GET /v1/models[/<id>], POST /v1/chat/completions (plain and `stream: true` SSE),
POST /v1/embeddings, POST /v1/images/generations, and GET /files/<name>.png for image URLs.
Every /v1 call needs `Authorization: Bearer <anything>` (or exactly `api_key` when set).
The answers are deterministic: see tests/fakes/openai_payloads.py for the counting rule.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.fakes import openai_payloads as payloads
from tests.fakes.openai_payloads import InvalidRequest, error_body

HANG_BEFORE_RESPONSE = "before_response"
HANG_MID_STREAM = "mid_stream"
_STATUS_DEFAULT = object()  # "use the error code OpenAI sends with this status"

_ERRORS_BY_STATUS = {
    400: ("Invalid request.", "invalid_request_error", None),
    401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to sample from this model.", "invalid_request_error", None),
    404: ("The model does not exist.", "invalid_request_error", "model_not_found"),
    429: ("Rate limit reached for requests.", "requests", "rate_limit_exceeded"),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # keys lower-cased
    json: Any
    # "ok", "error" (a forced or validation error), "disconnected" (the client went away while
    # the fake was answering), or "pending" while it is being answered.
    outcome: str = "pending"
    received_at: float = field(default_factory=time.monotonic)


class FakeOpenAI:
    """The fake server and its knobs. Knobs apply to requests that arrive after they are set.

    - `stream_delay_seconds`: sleep before each content chunk of a stream.
    - `fail_status` (+ `fail_times`): answer that status in OpenAI's error shape, to every
      request (`fail_times=None`) or to the next `fail_times` requests only.
    - `hang`: `"before_response"` stalls before any byte of the answer, `"mid_stream"` after
      the first content chunk of a stream; both carry on when `release_hangs()` (or `reset()`)
      is called or after `hang_timeout_seconds`. `hang_started` is set once a request stalls.
    - `reply_text`: the assistant's answer instead of "Echo: <last user message>".
    - `tool_calls`: answer with these calls (`[{"name", "arguments"}]`, arguments a JSON
      string) instead of text, finish_reason "tool_calls"; streamed as OpenAI streams them.
      Only requests that offer `tools` get them, and one whose last message is a `tool`
      result is answered in text, as a model would.
    - `omit_usage`: answer without any `usage` (the gateway must count tokens itself).
    - `api_key`: when set, the only Bearer token accepted.
    - `retry_after`: a `Retry-After` header value sent with every error answer.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, api_key: str | None = None):
        self.host = host
        self.requested_port = port
        self.models = list(payloads.DEFAULT_MODELS)
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._release = threading.Event()
        self.hang_started = threading.Event()
        self.reset()
        self.api_key = api_key

    def reset(self) -> None:
        """Back to defaults: no failures, no delay, no hang; forget the recorded requests."""
        self.stream_delay_seconds = 0.0
        self.fail_status: int | None = None
        self.fail_times: int | None = None
        self.hang: str | None = None
        self.hang_timeout_seconds = 120.0
        self.reply_text: str | None = None
        self.omit_usage = False
        self.tool_calls: list[dict] | None = None
        self.api_key: str | None = None
        self.retry_after: str | None = None
        self.embedding_dimensions = payloads.DEFAULT_EMBEDDING_DIMENSIONS
        self.release_hangs()
        self.requests.clear()

    def release_hangs(self) -> None:
        self._release.set()
        self._release = threading.Event()
        self.hang_started = threading.Event()

    def fail(self, status: int, *, times: int | None = None) -> None:
        self.fail_status, self.fail_times = status, times

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake OpenAI server is not running")
        return self._server.server_address[1]

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def start(self) -> FakeOpenAI:
        self._server = _Server((self.host, self.requested_port), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._release.set()
        self._server.shutdown()
        self._server.close_open_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    # Used by the handler threads.

    def _take_forced_failure(self) -> int | None:
        with self._lock:
            if self.fail_status is None:
                return None
            if self.fail_times is not None:
                if self.fail_times <= 0:
                    return None
                self.fail_times -= 1
            return self.fail_status

    def _wait_while_hanging(self) -> None:
        release = self._release
        self.hang_started.set()
        release.wait(timeout=self.hang_timeout_seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # benchmarks open many connections at once
    fake: FakeOpenAI

    def __init__(self, *args, **kwargs):
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up (a cancelled stream, a timed-out test) is normal here.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_open_connections(self) -> None:
        """Keep-alive connections would otherwise keep their handler threads reading forever."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; streams use chunked transfer encoding
    server_version = "FakeOpenAI/1.0"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read `fake.requests` instead

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        fake = self.server.fake
        path = urlsplit(self.path).path
        body, body_error = self._read_json()
        if self.command == "GET" and path.startswith("/files/"):
            self._send_bytes(200, payloads.PNG_1X1, "image/png")
            return
        record = RecordedRequest(
            method=self.command,
            path=path,
            headers={key.lower(): value for key, value in self.headers.items()},
            json=body,
        )
        fake.requests.append(record)
        try:
            self._answer(fake, record, body, body_error)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            record.outcome = "disconnected"
            self.close_connection = True

    def _answer(
        self, fake: FakeOpenAI, record: RecordedRequest, body: Any, body_error: str | None
    ) -> None:
        authorization = self.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ").strip()
        if not authorization.startswith("Bearer ") or not token:
            message = "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'."
            return self._send_error(record, 401, message=message, code=None)
        if fake.api_key is not None and token != fake.api_key:
            return self._send_error(record, 401)
        forced_status = fake._take_forced_failure()
        if forced_status is not None:
            return self._send_error(record, forced_status)
        if fake.hang == HANG_BEFORE_RESPONSE:
            fake._wait_while_hanging()
        if body_error is not None:
            return self._send_error(record, 400, message=body_error)
        route = (self.command, record.path)
        try:
            if route == ("GET", "/v1/models"):
                self._send_json(record, 200, payloads.models_list(fake.models))
            elif self.command == "GET" and record.path.startswith("/v1/models/"):
                self._model(fake, record)
            elif route == ("POST", "/v1/chat/completions"):
                self._chat(fake, record, body)
            elif route == ("POST", "/v1/embeddings"):
                answer = payloads.embeddings(body, default_dimensions=fake.embedding_dimensions)
                self._send_json(record, 200, self._maybe_without_usage(fake, answer))
            elif route == ("POST", "/v1/images/generations"):
                answer = payloads.images(body, file_url=f"{fake.root_url}/files/image.png")
                self._send_json(record, 200, self._maybe_without_usage(fake, answer))
            else:
                message = f"Invalid URL ({self.command} {record.path})"
                self._send_error(record, 404, message=message, code=None)
        except InvalidRequest as error:
            self._send_error(record, 400, message=str(error), param=error.param)

    def _model(self, fake: FakeOpenAI, record: RecordedRequest) -> None:
        model_id = record.path.removeprefix("/v1/models/")
        if model_id not in fake.models:
            message = f"The model '{model_id}' does not exist"
            return self._send_error(record, 404, message=message)
        self._send_json(record, 200, payloads.model_object(model_id))

    def _chat(self, fake: FakeOpenAI, record: RecordedRequest, body: Any) -> None:
        messages = body.get("messages") if isinstance(body, dict) else None
        last = messages[-1] if isinstance(messages, list) and messages else None
        answered = isinstance(last, dict) and last.get("role") == "tool"
        # A model calls only tools it was offered, and answers in text once it has their
        # results (an agent loop's second step).
        tool_calls = fake.tool_calls if body.get("tools") and not answered else None
        reply = payloads.ChatReply(body, reply_text=fake.reply_text, tool_calls=tool_calls)
        if not body.get("stream"):
            answer = reply.completion(include_usage=not fake.omit_usage)
            return self._send_json(record, 200, answer)
        stream_options = body.get("stream_options") or {}
        include_usage = bool(stream_options.get("include_usage")) and not fake.omit_usage
        self._start_stream()
        if reply.tool_calls:
            deltas = reply.tool_call_deltas()
        else:
            for choice in range(reply.choices):
                role = {"role": "assistant", "content": ""}
                self._send_event(reply.chunk(delta=role, usage=include_usage, choice=choice))
            deltas = [{"content": piece} for piece in reply.content_pieces()]
        for index, delta in enumerate(deltas):
            if fake.stream_delay_seconds:
                time.sleep(fake.stream_delay_seconds)
            for choice in range(reply.choices):
                self._send_event(reply.chunk(delta=delta, usage=include_usage, choice=choice))
            if index == 0 and fake.hang == HANG_MID_STREAM:
                fake._wait_while_hanging()
        for choice in range(reply.choices):
            finish = reply.chunk(
                delta={}, finish_reason=reply.finish_reason, usage=include_usage, choice=choice
            )
            self._send_event(finish)
        if include_usage:
            self._send_event(reply.usage_chunk())
        self._send_event("[DONE]")
        # The outcome is set before the last write: a client that has read the whole answer
        # must find it recorded (a failed write turns it into "disconnected").
        record.outcome = "ok"
        self.wfile.write(b"0\r\n\r\n")

    @staticmethod
    def _maybe_without_usage(fake: FakeOpenAI, answer: dict) -> dict:
        if fake.omit_usage:
            answer.pop("usage", None)
        return answer

    def _read_json(self) -> tuple[Any, str | None]:
        """The JSON object body of a POST, or the message of the 400 it deserves."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.command != "POST":
            return None, None
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return None, "We could not parse the JSON body of your request."
        return body, None

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        self.end_headers()

    def _send_event(self, payload: dict | str) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        event = f"data: {data}\n\n".encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))

    def _send_json(self, record: RecordedRequest, status: int, payload: dict) -> None:
        record.outcome = "ok" if status < 400 else "error"  # before the client can read it
        self._send_bytes(status, json.dumps(payload).encode(), "application/json")

    def _send_error(
        self,
        record: RecordedRequest,
        status: int,
        *,
        message: str | None = None,
        code: Any = _STATUS_DEFAULT,
        param: str | None = None,
    ) -> None:
        default_message, error_type, default_code = _ERRORS_BY_STATUS.get(
            status,
            ("Upstream error.", "server_error" if status >= 500 else "invalid_request_error", None),
        )
        body = error_body(
            message=message or default_message,
            type=error_type,
            code=default_code if code is _STATUS_DEFAULT else code,
            param=param,
        )
        retry_after = self.server.fake.retry_after
        record.outcome = "error"  # before the client can read it
        extra = {"Retry-After": retry_after} if retry_after is not None else {}
        self._send_bytes(status, json.dumps(body).encode(), "application/json", **extra)

    def _send_bytes(self, status: int, data: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        self.end_headers()
        self.wfile.write(data)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Loopback fake of the OpenAI API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--stream-delay", type=float, default=0.0, help="seconds between chunks")
    parser.add_argument("--api-key", default=None, help="the only Bearer token accepted")
    args = parser.parse_args(argv)
    fake = FakeOpenAI(host=args.host, port=args.port, api_key=args.api_key)
    fake.stream_delay_seconds = args.stream_delay
    fake.start()
    print(f"Fake OpenAI listening on {fake.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
