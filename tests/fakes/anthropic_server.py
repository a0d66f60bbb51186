"""A loopback fake of Anthropic's Messages API (real wire protocol) for tests and benchmarks.

In tests use the `fake_anthropic` fixture (tests/fakes/anthropic_fixture.py). Standalone:
    python -m tests.fakes.anthropic_server --port 9200

Endpoint: POST /v1/messages, plain and `stream: true` (SSE with Anthropic's named events:
message_start, content_block_start, ping, content_block_delta, content_block_stop,
message_delta, message_stop, and error). Headers `x-api-key` and `anthropic-version` are
required, as upstream. Errors use Anthropic's shape `{"type": "error", "error": {type, message}}`.

The answers are deterministic and requests are checked as Anthropic checks them (tools,
tool_choice, tool_use / tool_result pairs, image sources): see tests/fakes/anthropic_payloads.py
for the counting rule. A stream sends one text_delta per word, and each tool_use block as
content_block_start then `input_json_delta` fragments, as Anthropic streams tool use.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.anthropic_payloads import InvalidRequest, MessageReply

ANTHROPIC_VERSION = "2023-06-01"
_ERROR_TYPES = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use this resource."),
    404: ("not_found_error", "Not found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Number of request tokens has exceeded your rate limit."),
    500: ("api_error", "Internal server error."),
    529: ("overloaded_error", "Overloaded"),
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # keys lower-cased
    json: Any
    outcome: str = "pending"  # "ok", "error", "disconnected"
    received_at: float = field(default_factory=time.monotonic)


class FakeAnthropic:
    """The fake server and its knobs (they apply to requests arriving after they are set).

    - `fail_status` (+ `fail_times`): answer that status in Anthropic's error shape.
    - `reply_text`: the answer instead of "Echo: <last user message>".
    - `tool_calls`: `[{"name", "input"}]`, answered as tool_use blocks to requests that offer
      tools (tests/fakes/anthropic_payloads.py).
    - `cache_read_input_tokens` / `cache_creation_input_tokens`: reported besides input_tokens.
    - `stream_error_after`: in a stream, send an `error` event (overloaded_error) after this
      many text deltas; `stream_cut_after`: close the stream after this many, without
      message_delta / message_stop.
    - `stream_delay_seconds`: sleep before each text delta.
    - `api_key`: when set, the only `x-api-key` accepted.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, api_key: str | None = None):
        self.host = host
        self.requested_port = port
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()
        self.api_key = api_key

    def reset(self) -> None:
        self.fail_status: int | None = None
        self.fail_times: int | None = None
        self.reply_text: str | None = None
        self.tool_calls: list[dict] | None = None
        self.cache_read_input_tokens = 0
        self.cache_creation_input_tokens = 0
        self.stream_error_after: int | None = None
        self.stream_cut_after: int | None = None
        self.stream_delay_seconds = 0.0
        self.api_key: str | None = None
        self.requests.clear()

    def fail(self, status: int, *, times: int | None = None) -> None:
        self.fail_status, self.fail_times = status, times

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake Anthropic server is not running")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """What ANTHROPIC_BASE_URL takes (the API root; requests go to <base_url>/v1/messages)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeAnthropic:
        server = ThreadingHTTPServer((self.host, self.requested_port), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="fake-anthropic", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def _take_forced_failure(self) -> int | None:
        with self._lock:
            if self.fail_status is None:
                return None
            if self.fail_times is not None:
                if self.fail_times <= 0:
                    return None
                self.fail_times -= 1
            return self.fail_status


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeAnthropic/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        fake: FakeAnthropic = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = RecordedRequest(
            method="POST",
            path=urlsplit(self.path).path,
            headers={key.lower(): value for key, value in self.headers.items()},
            json=body,
        )
        fake.requests.append(record)
        try:
            self._answer(fake, record, body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            record.outcome = "disconnected"
            self.close_connection = True

    def _answer(self, fake: FakeAnthropic, record: RecordedRequest, body: Any) -> None:
        if record.path != "/v1/messages":
            return self._send_error(record, 404, f"Not found: {record.path}")
        api_key = self.headers.get("x-api-key")
        if not api_key:
            return self._send_error(record, 401, "x-api-key header is required")
        if fake.api_key is not None and api_key != fake.api_key:
            return self._send_error(record, 401)
        if self.headers.get("anthropic-version") != ANTHROPIC_VERSION:
            return self._send_error(record, 400, "anthropic-version: header is required")
        forced = fake._take_forced_failure()
        if forced is not None:
            return self._send_error(record, forced)
        try:
            reply = MessageReply(body, reply_text=fake.reply_text, tool_calls=fake.tool_calls)
        except InvalidRequest as error:
            return self._send_error(record, 400, str(error))
        cache = {
            "cache_read": fake.cache_read_input_tokens,
            "cache_creation": fake.cache_creation_input_tokens,
        }
        if not body.get("stream"):
            return self._send_json(record, 200, reply.message(**cache))
        self._stream(fake, record, reply, cache)

    def _stream(
        self, fake: FakeAnthropic, record: RecordedRequest, reply: MessageReply, cache: dict
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("request-id", f"req_{uuid.uuid4().hex}")
        self.end_headers()
        start = reply.message(**cache)
        start.update({"content": [], "stop_reason": None})
        start["usage"] = reply.usage(**cache, output_tokens=1)
        self._event("message_start", {"type": "message_start", "message": start})
        self._event("ping", {"type": "ping"})
        index = 0
        if reply.words:
            if not self._text_block(fake, record, reply):
                return
            index = 1
        for offset, (tool_use_id, name, parts) in enumerate(reply.tool_uses):
            self._tool_use_block(index + offset, tool_use_id, name, parts)
        self._event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": reply.output_tokens},
            },
        )
        self._event("message_stop", {"type": "message_stop"})
        self._end_stream(record, "ok")

    def _text_block(
        self, fake: FakeAnthropic, record: RecordedRequest, reply: MessageReply
    ) -> bool:
        """Block 0, one text_delta per word; False when a knob ended the stream in it."""
        start = {"type": "content_block_start", "index": 0}
        self._event("content_block_start", {**start, "content_block": {"type": "text", "text": ""}})
        for count, piece in enumerate(reply.pieces(), start=1):
            if fake.stream_delay_seconds:
                time.sleep(fake.stream_delay_seconds)
            delta = {"type": "text_delta", "text": piece}
            self._event(
                "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
            )
            if fake.stream_error_after == count:
                error = {"type": "overloaded_error", "message": "Overloaded"}
                self._event("error", {"type": "error", "error": error})
                self._end_stream(record, "error")
                return False
            if fake.stream_cut_after == count:
                self._end_stream(record, "ok")
                return False
        self._event("content_block_stop", {"type": "content_block_stop", "index": 0})
        return True

    def _tool_use_block(self, index: int, tool_use_id: str, name: str, parts: list[str]) -> None:
        block = {"type": "tool_use", "id": tool_use_id, "name": name, "input": {}}
        self._event(
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": block},
        )
        for part in ["", *parts]:  # Anthropic opens with an empty fragment
            delta = {"type": "input_json_delta", "partial_json": part}
            self._event(
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
        self._event("content_block_stop", {"type": "content_block_stop", "index": index})

    def _event(self, name: str, payload: dict) -> None:
        event = f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
        self.wfile.flush()

    def _end_stream(self, record: RecordedRequest, outcome: str) -> None:
        self.wfile.write(b"0\r\n\r\n")
        record.outcome = outcome

    def _send_error(self, record: RecordedRequest, status: int, message: str | None = None) -> None:
        error_type, default_message = _ERROR_TYPES.get(
            status, ("api_error" if status >= 500 else "invalid_request_error", "Error.")
        )
        body = {
            "type": "error",
            "error": {"type": error_type, "message": message or default_message},
        }
        self._send_json(record, status, body)

    def _send_json(self, record: RecordedRequest, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", f"req_{uuid.uuid4().hex}")
        self.end_headers()
        self.wfile.write(data)
        record.outcome = "ok" if status < 400 else "error"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Loopback fake of Anthropic's Messages API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--api-key", default=None, help="the only x-api-key accepted")
    args = parser.parse_args(argv)
    fake = FakeAnthropic(host=args.host, port=args.port, api_key=args.api_key).start()
    print(f"Fake Anthropic listening on {fake.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
