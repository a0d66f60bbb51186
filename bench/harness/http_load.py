"""A small closed-loop HTTP/1.1 load generator for bench/overhead.py (raw asyncio, keep-alive).

Run as its own process so its CPU is not counted as the server's:
    python bench/harness/http_load.py --url http://127.0.0.1:8000/v1/chat/completions \
        --body '{...}' \
        --header 'Authorization: Bearer sk_live_…' --concurrency 32 --duration 10 --warmup 2

Each of `concurrency` connections sends one request, reads the whole answer (Content-Length or
chunked, so a stream is read to its end), and sends the next. Prints one JSON object: requests,
errors, seconds, and the latencies (ms, from the first byte written to the last byte read) of the
requests that started after the warm-up and finished before the deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            parts = []
            while True:
                size_line = await self.reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            body = b"".join(parts)
        elif b"content-length" in headers:
            body = await self.reader.readexactly(int(headers[b"content-length"]))
        else:  # HTTP/1.0-style: the body ends with the connection
            body = await self.reader.read()
            self.close()
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, body


def build_request(url: str, body: bytes, headers: list[str]) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    lines = [
        f"POST {parts.path} HTTP/1.1",
        f"Host: {parts.hostname}:{parts.port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: keep-alive",
        *headers,
    ]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    return parts.hostname or "127.0.0.1", parts.port or 80, raw


async def run(args: argparse.Namespace) -> dict:
    body = args.body.encode()
    host, port, raw = build_request(args.url, body, args.header)
    start = time.perf_counter()
    measure_from = start + args.warmup
    deadline = measure_from + args.duration
    latencies: list[float] = []
    errors: dict[str, int] = {}
    sample_error: list[bytes] = []

    async def worker() -> None:
        connection = Connection(host, port)
        while True:
            sent = time.perf_counter()
            if sent >= deadline:
                break
            try:
                status, answer = await connection.request(raw)
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                connection.close()
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                await asyncio.sleep(0.01)
                continue
            done = time.perf_counter()
            if status != 200 or (args.expect and args.expect.encode() not in answer):
                errors[str(status)] = errors.get(str(status), 0) + 1
                if not sample_error:
                    sample_error.append(answer[:300])
            elif sent >= measure_from and done <= deadline:
                latencies.append((done - sent) * 1000)
        connection.close()

    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    return {
        "requests": len(latencies),
        "seconds": args.duration,
        "errors": errors,
        "sample_error": sample_error[0].decode(errors="replace") if sample_error else "",
        "latencies_ms": latencies,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--body", required=True)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--expect", default="", help="a 200 whose body lacks this is an error")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    json.dump(asyncio.run(run(args)), sys.stdout)


if __name__ == "__main__":
    main()
