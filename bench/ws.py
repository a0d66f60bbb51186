"""WebSocket chat: streams/s and the time-to-first-delta the gateway adds over the upstream.

    .venv/bin/python bench/ws.py [--duration 10] [--concurrency 1 50 200] [--server daphne]

Starts the loopback fake OpenAI upstream, our server on a fresh PostgreSQL database with Redis
(channel layer, cache), mints one funded end-user session per socket, then, at each concurrency,
drives in one run: streamed chats straight at the fake over SSE (the baseline) and the same chats
over `/v1/ws` through the gateway (hold, upstream stream, settle, `chat.done` with cost and
balance), each from a separate load process (bench/harness/ws_load.py). Prints streams/s,
p50/p99 time to the first content delta and the p50/p99 added over the baseline, then checks that
every wallet was charged exactly what its `chat.done` messages said (the ledger agrees with the
request logs) and runs ledger_check.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.stack import (
    PYTHON,
    ROOT,
    WS_LOAD,
    Processes,
    free_port,
    fresh_database,
    http_json,
    machine_busy_seconds,
    manage,
    our_server_command,
    tree_cpu_seconds,
    wait_http,
)

MODEL = "openai/gpt-4o-mini"
SOCKETS_PER_LOAD_PROCESS = 100


@dataclass
class Row:
    target: str
    concurrency: int
    streams_per_second: float
    first_p50: float
    first_p99: float
    complete_p50: float
    errors: dict
    server_cpu_ms: float
    machine_busy: float


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[int(fraction * (len(ordered) - 1))] if ordered else float("nan")


def drive(
    mode: str, *, url: str, model: str, concurrency: int, tokens_file: Path, pid: int, args
) -> Row:
    commands = []
    for offset in range(0, concurrency, SOCKETS_PER_LOAD_PROCESS):
        count = min(SOCKETS_PER_LOAD_PROCESS, concurrency - offset)
        command = [PYTHON, WS_LOAD, mode, "--url", url,
                   "--model", model, "--concurrency", str(count),
                   "--duration", str(args.duration), "--warmup", str(args.warmup)]  # fmt: skip
        if mode == "ws":
            command += ["--tokens-file", str(tokens_file.with_suffix(f".{offset}"))]
        commands.append(command)
    started = [subprocess.Popen(c, stdout=subprocess.PIPE, cwd=ROOT) for c in commands]
    time.sleep(args.warmup)
    cpu_before, busy_before = tree_cpu_seconds(pid), machine_busy_seconds()
    time.sleep(args.duration)
    cpu_after, busy_after = tree_cpu_seconds(pid), machine_busy_seconds()
    results = [json.loads(p.communicate()[0]) for p in started]
    first = [ms for r in results for ms in r["first_delta_ms"]]
    complete = [ms for r in results for ms in r["complete_ms"]]
    errors: dict[str, int] = {}
    for result in results:
        for code, count in result["errors"].items():
            errors[code] = errors.get(code, 0) + count
        if result["sample_error"]:
            print(f"  {mode}: sample error: {result['sample_error'][:200]}", flush=True)
    return Row(
        target="gateway /v1/ws" if mode == "ws" else "upstream SSE",
        concurrency=concurrency,
        streams_per_second=len(complete) / args.duration,
        first_p50=statistics.median(first) if first else float("nan"),
        first_p99=percentile(first, 0.99),
        complete_p50=statistics.median(complete) if complete else float("nan"),
        errors=errors,
        server_cpu_ms=(cpu_after - cpu_before) * 1000 / max(len(complete), 1),
        machine_busy=(busy_after - busy_before) / args.duration / 2,
    )


def table(rows: list[Row]) -> str:
    baseline = {row.concurrency: row for row in rows if row.target == "upstream SSE"}
    lines = [
        "| target | sockets | streams/s | first delta p50 ms | p99 ms | p50 added | p99 added "
        "| stream p50 ms | server CPU ms/stream | machine busy | errors |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for row in rows:
        base = baseline[row.concurrency]
        is_base = row is base
        added50 = "—" if is_base else f"{row.first_p50 - base.first_p50:.2f}"
        added99 = "—" if is_base else f"{row.first_p99 - base.first_p99:.2f}"
        cpu = "—" if is_base else f"{row.server_cpu_ms:.2f}"
        lines.append(
            f"| {row.target} | {row.concurrency} | {row.streams_per_second:.0f} "
            f"| {row.first_p50:.2f} | {row.first_p99:.2f} | {added50} | {added99} "
            f"| {row.complete_p50:.2f} | {cpu} | {row.machine_busy:.0%} "
            f"| {sum(row.errors.values()) or ''} |"
        )
    return "\n".join(lines)


def mint_sessions(ours: str, secret_key: str, count: int) -> list[str]:
    tokens = []
    for index in range(count):
        minted = http_json(
            "POST",
            f"{ours}/v1/sessions",
            {"customer": f"ws_bench_user_{index}", "ttlSeconds": 3600,
             "scope": {"maxSpend": "5000"}},
            secret_key,
        )  # fmt: skip
        http_json(
            "POST",
            f"{ours}/v1/wallets/{minted['walletId']}/credits",
            {"amount": "1000", "reason": "benchmark"},
            secret_key,
        )
        tokens.append(minted["sessionToken"])
    return tokens


CHARGES_MATCH_LOGS_SQL = """
SELECT count(*) FROM wallets_wallet w
LEFT JOIN (
    SELECT c.id AS customer_id, coalesce(sum(l.cost_nanos), 0) AS logged
    FROM wallets_customer c LEFT JOIN proxy_requestlog l ON l.customer_id = c.id
    GROUP BY c.id
) spent ON spent.customer_id = w.customer_id
WHERE w.balance_nanos + spent.logged <> {credited}
"""


def check_money(env: dict, credited_nanos: int) -> str:
    """Every wallet's balance = its credits - the costs of its logged requests; ledger_check."""
    time.sleep(3)  # request logs are written in batches off the response path
    database = env["DATABASE_URL"].rsplit("/", 1)[1]
    mismatched = subprocess.run(
        ["psql", env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + database, "-Atqc",
         CHARGES_MATCH_LOGS_SQL.format(credited=credited_nanos)],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    check = subprocess.run(
        [PYTHON, "manage.py", "ledger_check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return (
        f"wallets whose balance ≠ credits - logged costs: {mismatched}; "
        f"ledger_check exit {check.returncode}: {check.stdout.strip()[-200:]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per cell")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    args = parser.parse_args()

    log_dir = Path(tempfile.mkdtemp(prefix="llmgw-bench-ws-"))
    processes = Processes(log_dir)
    try:
        rows, money = run(args, processes, log_dir)
    finally:
        processes.stop_all()
    print()
    print(table(rows))
    print()
    print(money)
    print(f"\n(server logs in {log_dir})")


def run(args, processes: Processes, log_dir: Path) -> tuple[list[Row], str]:
    fake_port, our_port = free_port(), free_port()
    fake = processes.start(
        "fake", [PYTHON, "-m", "bench.harness.fake_upstream", "--port", str(fake_port)]
    )
    fake_base = f"http://127.0.0.1:{fake_port}/v1"
    wait_http(f"{fake_base}/models", headers={"Authorization": "Bearer x"})
    base_env = {
        "OPENAI_API_KEY": "sk-bench-fake",
        "OPENAI_BASE_URL": fake_base,
        "REDIS_URL": args.redis_url,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_SECRET_KEY_PER_MINUTE": "1000000000",
        "RATE_LIMIT_SESSION_PER_MINUTE": "1000000000",
    }
    subprocess.run(["redis-cli", "-u", args.redis_url, "flushdb"], check=True, capture_output=True)
    env = {**os.environ, **base_env, "DATABASE_URL": fresh_database({**os.environ, **base_env})}
    boot = json.loads(
        manage(env, "bootstrap_project", "--org", "wsbench", "--project", "wsbench", "--live",
               "--json")
    )  # fmt: skip
    manage(env, "credit_org", "--org", boot["organizationId"], "--amount", "1000000",
           "--reason", "benchmark", "--live")  # fmt: skip
    server = processes.start(
        "ours", our_server_command(args.server, args.workers, our_port), env=env
    )
    ours = f"http://127.0.0.1:{our_port}"
    wait_http(f"{ours}/v1/config", process=server)
    tokens = mint_sessions(ours, boot["secretKey"], max(args.concurrency))
    tokens_file = log_dir / "tokens"
    for offset in range(0, len(tokens), SOCKETS_PER_LOAD_PROCESS):
        chunk = tokens[offset : offset + SOCKETS_PER_LOAD_PROCESS]
        tokens_file.with_suffix(f".{offset}").write_text("\n".join(chunk))
    print(f"fake {fake_base} · ours ({args.server}) {ours} · logs {log_dir}", flush=True)

    rows = []
    for concurrency in args.concurrency:
        for mode in ("sse", "ws"):
            url = (
                f"{fake_base}/chat/completions"
                if mode == "sse"
                else f"ws://127.0.0.1:{our_port}/v1/ws"
            )
            row = drive(
                mode,
                url=url,
                model="gpt-4o-mini" if mode == "sse" else MODEL,
                concurrency=concurrency,
                tokens_file=tokens_file,
                pid=fake.pid if mode == "sse" else server.pid,
                args=args,
            )
            rows.append(row)
            print(
                f"{row.target:15} c={concurrency:<4} {row.streams_per_second:7.0f} streams/s  "
                f"first delta p50 {row.first_p50:7.2f} ms  p99 {row.first_p99:8.2f} ms  "
                f"errors {row.errors or 0}",
                flush=True,
            )
    return rows, check_money(env, credited_nanos=1000 * 10**9)


if __name__ == "__main__":
    sys.exit(main())
