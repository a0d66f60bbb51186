"""Serve the platform with N uvicorn worker processes, each on a listening socket of its own.

    python -m llmgateway.serve --host 0.0.0.0 --port 8000 --workers 2 [--proxy-headers]

`uvicorn --workers N` makes the workers share one listening socket, and whichever is awake first
accepts: a burst of keep-alive connections (a load balancer's pool, a benchmark's clients) often
lands mostly on one worker and stays there, leaving the other cores idle (docs/performance.md).
Here every worker binds its own socket with SO_REUSEPORT and the kernel spreads new connections
across them by hash. The parent only supervises: it restarts a worker that dies and, on SIGTERM
or SIGINT, passes the signal on (uvicorn then stops accepting and lets open requests, streams
included, finish) and waits for the workers.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import socket
import sys
import time
from multiprocessing.context import SpawnProcess

APP = "llmgateway.asgi:application"
LISTEN_BACKLOG = 2048
RESTART_PAUSE_SECONDS = 1.0


def reuse_port_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    return sock


def run_worker(host: str, port: int, options: dict) -> None:
    import uvicorn

    sock = reuse_port_socket(host, port)
    uvicorn.Server(uvicorn.Config(APP, **options)).run(sockets=[sock])


def _options(args: argparse.Namespace) -> dict:
    return {
        "log_level": args.log_level,
        "access_log": args.access_log,
        "proxy_headers": args.proxy_headers,
        "forwarded_allow_ips": args.forwarded_allow_ips,
        "timeout_graceful_shutdown": args.timeout_graceful_shutdown,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 1))
    )
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--proxy-headers", action="store_true")
    parser.add_argument(
        "--forwarded-allow-ips", default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
    )
    parser.add_argument("--timeout-graceful-shutdown", type=int, default=30)
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if not 0 < args.port < 65536:
        parser.error("--port must be a port number (1-65535)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Fail here, once, if the address is taken by something else.
    reuse_port_socket(args.host, args.port).close()
    context = multiprocessing.get_context("spawn")
    options = _options(args)

    def start() -> SpawnProcess:
        process = context.Process(
            target=run_worker, args=(args.host, args.port, options), name="llmgateway-web"
        )
        process.start()
        return process

    workers = [start() for _ in range(args.workers)]
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        for worker in workers:
            if worker.is_alive() and worker.pid is not None:
                os.kill(worker.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"llmgateway: {args.workers} workers on http://{args.host}:{args.port} (SO_REUSEPORT)",
        flush=True,
    )
    while not stopping:
        for index, worker in enumerate(workers):
            if not worker.is_alive() and not stopping:
                print(f"llmgateway: worker {worker.pid} exited ({worker.exitcode}); restarting")
                time.sleep(RESTART_PAUSE_SECONDS)
                workers[index] = start()
        time.sleep(0.2)
    for worker in workers:
        worker.join(args.timeout_graceful_shutdown + 5)
        if worker.is_alive():
            worker.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
