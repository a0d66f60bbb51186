"""Streaming load for bench/ws.py: WebSocket chats through the gateway, or SSE straight at the fake.

Run as its own process so its CPU is not counted as the server's:
    python bench/harness/ws_load.py ws --url ws://127.0.0.1:8000/v1/ws --tokens-file tokens.txt \
        --model openai/gpt-4o-mini --concurrency 50 --duration 10 --warmup 2
    python bench/harness/ws_load.py sse --url http://127.0.0.1:9100/v1/chat/completions \
        --model gpt-4o-mini --concurrency 50 --duration 10 --warmup 2

Closed loop: each of `concurrency` sockets (or keep-alive connections) runs one streamed chat,
waits for its end, and starts the next. Prints one JSON object with, for the streams that started
after the warm-up and ended before the deadline, the time to the first content delta and the time
to the end of the stream (ms, from the request's first byte written).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from urllib.parse import urlsplit

MESSAGES = [{"role": "user", "content": "Say hello to the benchmark in a few words."}]


class Tally:
    def __init__(self, args: argparse.Namespace) -> None:
        start = time.perf_counter()
        self.measure_from = start + args.warmup
        self.deadline = self.measure_from + args.duration
        self.first_delta_ms: list[float] = []
        self.complete_ms: list[float] = []
        self.errors: dict[str, int] = {}
        self.sample_error = ""

    def record(self, sent: float, first: float, done: float) -> None:
        if sent >= self.measure_from and done <= self.deadline:
            self.first_delta_ms.append((first - sent) * 1000)
            self.complete_ms.append((done - sent) * 1000)

    def error(self, kind: str, sample: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        self.sample_error = self.sample_error or sample[:300]

    def result(self, seconds: float) -> dict:
        return {
            "streams": len(self.complete_ms),
            "seconds": seconds,
            "errors": self.errors,
            "sample_error": self.sample_error,
            "first_delta_ms": self.first_delta_ms,
            "complete_ms": self.complete_ms,
        }


# --- WebSocket through the gateway ------------------------------------------------------------


async def ws_socket(args: argparse.Namespace, token: str, tally: Tally) -> None:
    import websockets

    async with websockets.connect(args.url, max_size=None, compression=None) as socket:
        await socket.send(json.dumps({"type": "session.auth", "token": token}))
        ready = json.loads(await socket.recv())
        if ready.get("type") != "session.ready":
            tally.error("auth", json.dumps(ready))
            return
        for number in itertools.count():
            sent = time.perf_counter()
            if sent >= tally.deadline:
                return
            request = {"type": "chat.request", "id": f"c{number}", "model": args.model,
                       "messages": MESSAGES, "max_tokens": args.max_tokens}  # fmt: skip
            await socket.send(json.dumps(request))
            first = None
            while True:
                message = json.loads(await socket.recv())
                kind = message.get("type")
                if kind == "chat.delta" and first is None and message.get("content"):
                    first = time.perf_counter()
                elif kind == "chat.done":
                    break
                elif kind == "error":
                    tally.error(message["error"].get("code", "error"), json.dumps(message))
                    await asyncio.sleep(0.01)
                    break
            if kind == "chat.done":
                done = time.perf_counter()
                tally.record(sent, first or done, done)


# --- SSE straight at the upstream (the baseline) ----------------------------------------------


async def sse_connection(args: argparse.Namespace, tally: Tally) -> None:
    parts = urlsplit(args.url)
    request = {"model": args.model, "messages": MESSAGES, "max_tokens": args.max_tokens,
               "stream": True, "stream_options": {"include_usage": True}}  # fmt: skip
    body = json.dumps(request).encode()
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
        "Content-Type: application/json\r\nAuthorization: Bearer sk-bench-fake\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    reader = writer = None
    while True:
        sent = time.perf_counter()
        if sent >= tally.deadline:
            break
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            writer.write(head + body)
            first, keep_alive = await _read_sse(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            tally.error(type(error).__name__, str(error))
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
            continue
        done = time.perf_counter()
        tally.record(sent, first or done, done)
        if not keep_alive:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _read_sse(reader: asyncio.StreamReader) -> tuple[float | None, bool]:
    """Read one streamed answer to its end; the time its first content delta arrived."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if status != 200:
        raise ValueError(f"status {status}")
    lowered = head.lower()
    chunked = b"transfer-encoding: chunked" in lowered
    keep_alive = chunked and b"connection: close" not in lowered
    first = None
    buffer = b""
    while True:
        if chunked:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            data = (await reader.readexactly(size + 2))[:-2]
            if size == 0:
                return first, keep_alive
        else:
            data = await reader.read(65536)
            if not data:
                return first, keep_alive
        buffer += data
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            payload = event.removeprefix(b"data: ")
            if payload == b"[DONE]":
                if not chunked:
                    return first, keep_alive
                continue
            if first is None and b'"content"' in payload:
                choices = json.loads(payload).get("choices") or [{}]
                if choices[0].get("delta", {}).get("content"):
                    first = time.perf_counter()


async def run(args: argparse.Namespace) -> dict:
    tally = Tally(args)
    if args.mode == "ws":
        with open(args.tokens_file) as tokens_file:
            tokens = [line.strip() for line in tokens_file if line.strip()]
        sockets = [ws_socket(args, tokens[i % len(tokens)], tally) for i in range(args.concurrency)]
        outcomes = await asyncio.gather(*sockets, return_exceptions=True)
    else:
        connections = [sse_connection(args, tally) for _ in range(args.concurrency)]
        outcomes = await asyncio.gather(*connections, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            tally.error(type(outcome).__name__, repr(outcome))
    return tally.result(args.duration)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["ws", "sse"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--tokens-file", help="session tokens, one per line (ws mode)")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--max-tokens", type=int, default=32)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    json.dump(asyncio.run(run(args)), sys.stdout)


if __name__ == "__main__":
    main()
