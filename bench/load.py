"""Mixed load against the production stack, then the books: no 5xx, nothing lost or doubled.

    .venv/bin/python bench/load.py --seconds 60 [--customers 1000] [--concurrency 32]
                                   [--server reuseport --workers 2]

Starts the loopback fake OpenAI upstream, our server (`python -m llmgateway.serve` with 2 workers,
or plain uvicorn, or daphne) on a fresh PostgreSQL database (cloned from the migrated template, as
bench/overhead.py) with Redis, and a real Celery worker process. Sets up an organization with live
and test keys, one session per customer (half live, half test mode) and funds every wallet, then
drives mixed traffic for `--seconds` (bench/harness/mixed.py: plain and streamed chats with
session tokens and a secret key, WebSocket streams, simulated top-ups credited by the worker with a
`wallet.credited` webhook to a local endpoint, grants, session mints and refreshes). Prints
throughput and latency per traffic kind, then proves the books (bench/harness/books.py). Exits
non-zero on any 5xx, unexpected answer, lost or doubled money, or a failed ledger_check.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.books import books_check
from bench.harness.mixed import (
    Stack,
    Tally,
    stack_fund,
    stack_prepare,
    traffic_run,
    webhook_receiver,
)
from bench.harness.stack import (
    PYTHON,
    Processes,
    free_port,
    fresh_database,
    machine_busy_seconds,
    our_server_command,
    wait_http,
)

LOAD_DB = "llmgw_load"


def percentile(values: list[float], share: float) -> float:
    return values[int(share * (len(values) - 1))] if values else float("nan")


def report(tally: Tally, seconds: float) -> list[str]:
    lines = [
        "| kind | ok | ok/s | p50 ms | p90 ms | p99 ms | other answers |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    total = 0
    for kind in sorted(tally.statuses):
        latencies = sorted(tally.latencies_ms.get(kind, []))
        total += len(latencies)
        others = {s: n for s, n in tally.statuses[kind].items() if s != "ok"}
        lines.append(
            f"| {kind} | {len(latencies)} | {len(latencies) / seconds:.1f} "
            f"| {statistics.median(latencies) if latencies else float('nan'):.1f} "
            f"| {percentile(latencies, 0.9):.1f} | {percentile(latencies, 0.99):.1f} "
            f"| {', '.join(f'{s}: {n}' for s, n in sorted(others.items())) or ''} |"
        )
    lines.append(f"| all | {total} | {total / seconds:.1f} | | | | |")
    return lines


async def run(args, stack: Stack, tally: Tally) -> float:
    receiver = await webhook_receiver(stack, tally)
    try:
        started = time.perf_counter()
        await stack_prepare(stack, customers=args.customers)
        await stack_fund(stack, tally)
        print(f"set-up: {args.customers} customers minted and funded in "
              f"{time.perf_counter() - started:.1f} s; load for {args.seconds:.0f} s…",
              flush=True)  # fmt: skip
        busy_before = machine_busy_seconds()
        seconds = await traffic_run(
            stack, tally, seconds=args.seconds, concurrency=args.concurrency
        )
        busy = (machine_busy_seconds() - busy_before) / seconds / (os.cpu_count() or 1)
        print(f"ran {seconds:.1f} s, machine busy {busy:.0%}, load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
        # The books check waits for the worker and the webhooks: keep the receiver serving.
        books = await asyncio.to_thread(books_check, stack, tally)
    finally:
        receiver.close()
    print()
    print("\n".join(report(tally, seconds)))
    for name, sample in sorted(tally.samples.items())[:8]:
        print(f"  sample {name}: {sample[:200]}")
    print()
    print("\n".join(books.lines))
    failures = list(books.failures)
    if tally.server_errors():
        failures.append(f"{tally.server_errors()} 5xx answers")
    if tally.unexpected() - tally.server_errors():
        failures.append(f"{tally.unexpected() - tally.server_errors()} unexpected answers")
    if failures or not books.ok:
        print(f"FAILED: {'; '.join(failures) or 'money lost or doubled'}")
        return 1
    print("OK: no 5xx")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--server", choices=["reuseport", "uvicorn", "daphne"], default="reuseport")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--pool-size", type=int, default=6, help="HOTPATH_PG_POOL_SIZE")
    args = parser.parse_args()

    log_dir = Path(tempfile.mkdtemp(prefix="llmgw-load-"))
    processes = Processes(log_dir)
    try:
        fake_port, our_port = free_port(), free_port()
        processes.start(
            "fake", [PYTHON, "-m", "bench.harness.fake_upstream", "--port", str(fake_port)]
        )
        fake_base = f"http://127.0.0.1:{fake_port}/v1"
        wait_http(f"{fake_base}/models", headers={"Authorization": "Bearer x"})
        base_env = {
            "OPENAI_API_KEY": "sk-bench-fake",
            "OPENAI_BASE_URL": fake_base,
            "REDIS_URL": args.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_TASK_DEFAULT_QUEUE": "llmgw-load",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "WEBHOOK_ALLOW_HTTP_LOOPBACK": "true",  # the developer endpoint is on loopback
            # The shared PostgreSQL here allows 100 connections for every agent on the machine.
            "HOTPATH_PG_POOL_SIZE": str(args.pool_size),
            "RATE_LIMIT_SECRET_KEY_PER_MINUTE": "1000000000",
            "RATE_LIMIT_SESSION_PER_MINUTE": "1000000000",
        }
        subprocess.run(["redis-cli", "-u", args.redis_url, "flushdb"], check=True,
                       capture_output=True)  # fmt: skip
        env = {**os.environ, **base_env}
        env["DATABASE_URL"] = fresh_database(env, LOAD_DB)
        server = processes.start(
            "server", our_server_command(args.server, args.workers, our_port), env=env
        )
        processes.start(
            "worker",
            [PYTHON, "-m", "celery", "-A", "llmgateway", "worker", "--pool=solo",
             "-Q", "llmgw-load", "-n", "load@%h", "--without-heartbeat", "--without-gossip",
             "--without-mingle", "-l", "warning"],
            env=env,
        )  # fmt: skip
        ours = f"http://127.0.0.1:{our_port}"
        wait_http(f"{ours}/v1/config", process=server)
        print(f"server ({args.server}, {args.workers} workers) {ours} · celery worker · "
              f"logs {log_dir}", flush=True)  # fmt: skip
        stack = Stack(base_urls=[ours], database_url=env["DATABASE_URL"], env=env)
        return asyncio.run(run(args, stack, Tally()))
    finally:
        processes.stop_all()


if __name__ == "__main__":
    sys.exit(main())
