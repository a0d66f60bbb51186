"""Gateway overhead: our server vs LiteLLM vs the upstream itself, side by side in one run.

    .venv/bin/python bench/overhead.py [--duration 10] [--server reuseport --workers 2]
                                       [--litellm /tmp/litellm-venv/bin/litellm]

Starts the loopback fake OpenAI upstream (tests/fakes/openai_server.py), our server on a fresh
PostgreSQL database (cloned from a migrated template, re-made when the migrations change) with
Redis, and the LiteLLM proxy when it is installed (2 workers, local cost map, no database). Then
drives the same chat request at the fake directly (the baseline), at LiteLLM and at ours — with
end-user session tokens (es_live_, one funded wallet per connection) and with a secret key
(sk_live_, organization credits) — at 1 and 32 connections, plain and streaming, from a separate
load-generator process (bench/harness/http_load.py). Prints requests/s and the p50/p99 *added*
latency (gateway minus direct-to-fake at the same concurrency and mode), with the CPU the server
spent per request, and the ratios against the targets in the gateway issue.

`--targets ... ours-es-routed ours-sk-routed` adds the same requests to a model served by two
deployments (the first healthy): the routing cost, printed against the one-deployment model.
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
    HTTP_LOAD,
    PYTHON,
    ROOT,
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
# Served by two deployments (both on the fake): "openai" first, "backup" behind it. The
# `-routed` targets call it, to show what routing costs while the first deployment is healthy.
ROUTED_MODEL = "bench/routed"
ROUTED_SETUP = """
from billing.models import CatalogModel, Deployment
model, _ = CatalogModel.objects.get_or_create(
    id="bench/routed", defaults={"max_output_tokens": 16384})
prices = Deployment.objects.get(model_id="openai/gpt-4o-mini")
for priority, provider in enumerate(("openai", "backup")):
    Deployment.objects.get_or_create(
        model=model, provider=provider, upstream_model="gpt-4o-mini",
        defaults={"priority": priority,
                  "input_nanos_per_million_tokens": prices.input_nanos_per_million_tokens,
                  "output_nanos_per_million_tokens": prices.output_nanos_per_million_tokens})
"""
MESSAGES = [{"role": "user", "content": "Say hello to the benchmark in a few words."}]
MAX_TOKENS = 32


def litellm_config(path: Path, fake_base_url: str) -> None:
    path.write_text(
        "model_list:\n"
        f"  - model_name: {MODEL}\n"
        "    litellm_params:\n"
        f"      model: {MODEL}\n"
        f"      api_base: {fake_base_url}\n"
        "      api_key: sk-bench-fake\n"
        "litellm_settings:\n"
        "  telemetry: false\n"
        "  drop_params: true\n"
    )


# --- load -------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    url: str
    model: str
    tokens: list[str]  # one per connection, round robin ("" = none)
    pid: int


@dataclass
class Cell:
    target: str
    stream: bool
    concurrency: int
    rps: float
    p50: float
    p99: float
    errors: dict
    server_cpu_ms: float  # server process tree CPU per request
    machine_busy: float  # fraction of all cores busy


def request_body(model: str, stream: bool) -> str:
    body: dict = {"model": model, "messages": MESSAGES, "max_tokens": MAX_TOKENS}
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return json.dumps(body)


def drive(target: Target, *, stream: bool, concurrency: int, args) -> Cell:
    expect = "[DONE]" if stream else '"usage"'
    body = request_body(target.model, stream)
    # One load process per distinct token set keeps connections' tokens apart;
    # bench/harness/http_load.py takes one header set, so split connections over token groups.
    groups = [target.tokens[i % len(target.tokens)] for i in range(concurrency)]
    by_token: dict[str, int] = {}
    for token in groups:
        by_token[token] = by_token.get(token, 0) + 1
    processes = []
    for token, count in by_token.items():
        command = [PYTHON, HTTP_LOAD, "--url", target.url, "--body", body,
                   "--concurrency", str(count), "--duration", str(args.duration),
                   "--warmup", str(args.warmup), "--expect", expect]  # fmt: skip
        if token:
            command += ["--header", f"Authorization: Bearer {token}"]
        processes.append(command)
    cpu_before = busy_before = 0.0
    started = [subprocess.Popen(c, stdout=subprocess.PIPE, cwd=ROOT) for c in processes]
    time.sleep(args.warmup)
    cpu_before, busy_before = tree_cpu_seconds(target.pid), machine_busy_seconds()
    time.sleep(args.duration)
    cpu_after, busy_after = tree_cpu_seconds(target.pid), machine_busy_seconds()
    results = [json.loads(p.communicate()[0]) for p in started]
    latencies = sorted(ms for r in results for ms in r["latencies_ms"])
    errors: dict[str, int] = {}
    for result in results:
        for code, count in result["errors"].items():
            errors[code] = errors.get(code, 0) + count
        if result["sample_error"]:
            print(f"  {target.name}: sample error: {result['sample_error'][:200]}", flush=True)
    requests = len(latencies)
    return Cell(
        target=target.name,
        stream=stream,
        concurrency=concurrency,
        rps=requests / args.duration,
        p50=statistics.median(latencies) if latencies else float("nan"),
        p99=latencies[int(0.99 * (requests - 1))] if latencies else float("nan"),
        errors=errors,
        server_cpu_ms=(cpu_after - cpu_before) * 1000 / max(requests, 1),
        machine_busy=(busy_after - busy_before) / args.duration / (os.cpu_count() or 1),
    )


# --- report -----------------------------------------------------------------------------------


def table(cells: list[Cell]) -> str:
    direct = {(c.stream, c.concurrency): c for c in cells if c.target == "direct"}
    lines = [
        "| target | mode | conns | req/s | p50 ms | p99 ms | p50 added | p99 added "
        "| server CPU ms/req | machine busy | errors |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for cell in cells:
        base = direct[(cell.stream, cell.concurrency)]
        added50 = "—" if cell.target == "direct" else f"{cell.p50 - base.p50:.2f}"
        added99 = "—" if cell.target == "direct" else f"{cell.p99 - base.p99:.2f}"
        lines.append(
            f"| {cell.target} | {'stream' if cell.stream else 'plain'} | {cell.concurrency} "
            f"| {cell.rps:.0f} | {cell.p50:.2f} | {cell.p99:.2f} | {added50} | {added99} "
            f"| {cell.server_cpu_ms:.2f} | {cell.machine_busy:.0%} "
            f"| {sum(cell.errors.values()) or ''} |"
        )
    return "\n".join(lines)


def ratios(cells: list[Cell], high: int) -> str:
    index = {(c.target, c.stream, c.concurrency): c for c in cells}
    lines = []
    for routed in sorted({c.target for c in cells if c.target.endswith("-routed")}):
        single = routed.removesuffix("-routed")
        for stream in (False, True):
            for conns in sorted({c.concurrency for c in cells}):
                one, two = index.get((single, stream, conns)), index.get((routed, stream, conns))
                if one is None or two is None:
                    continue
                lines.append(
                    f"{routed} vs {single} {'stream' if stream else 'plain'} c={conns}: "
                    f"p50 {two.p50 - one.p50:+.2f} ms, req/s x{two.rps / one.rps:.2f}, "
                    f"CPU/req {two.server_cpu_ms - one.server_cpu_ms:+.2f} ms"
                )
    for ours in sorted({c.target for c in cells if c.target.startswith("ours")}):
        for stream in (False, True):
            mode = "stream" if stream else "plain"
            litellm_high = index.get(("litellm", stream, high))
            litellm_one = index.get(("litellm", stream, 1))
            if litellm_high is None or litellm_one is None:
                continue
            direct_one = index[("direct", stream, 1)]
            mine_high, mine_one = index[(ours, stream, high)], index[(ours, stream, 1)]
            throughput = mine_high.rps / litellm_high.rps
            latency = (mine_one.p50 - direct_one.p50) / (litellm_one.p50 - direct_one.p50)
            lines.append(
                f"{ours} {mode}: throughput at {high} conns = {throughput:.2f}x LiteLLM "
                f"(target ≥ 2x, goal 3x); p50 added at 1 conn = {latency:.2f} of LiteLLM's "
                f"(target ≤ 0.33, goal 0.25)"
            )
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per cell")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    parser.add_argument(
        "--server",
        choices=["uvicorn", "reuseport", "daphne"],
        default="reuseport",
        help="reuseport: python -m llmgateway.serve (one SO_REUSEPORT socket per worker)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--litellm",
        default=os.environ.get("LITELLM_BIN", "/tmp/litellm-venv/bin/litellm"),
        help="the litellm CLI of a separate venv; skipped when absent",
    )
    parser.add_argument("--targets", nargs="+", default=["direct", "litellm", "ours-es", "ours-sk"])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    args = parser.parse_args()

    log_dir = Path(tempfile.mkdtemp(prefix="llmgw-bench-"))
    processes = Processes(log_dir)
    try:
        cells = run(args, processes, log_dir)
    finally:
        processes.stop_all()
    print()
    print(table(cells))
    print()
    print(ratios(cells, max(args.concurrency)))
    print(f"\n(server logs in {log_dir})")


def run(args, processes: Processes, log_dir: Path) -> list[Cell]:
    fake_port, our_port, litellm_port = free_port(), free_port(), free_port()
    fake = processes.start(
        "fake", [PYTHON, "-m", "bench.harness.fake_upstream", "--port", str(fake_port)]
    )
    fake_base = f"http://127.0.0.1:{fake_port}/v1"
    wait_http(f"{fake_base}/models", headers={"Authorization": "Bearer x"})

    base_env = {
        "OPENAI_API_KEY": "sk-bench-fake",
        "OPENAI_BASE_URL": fake_base,
        "BACKUP_API_KEY": "sk-bench-fake",
        "BACKUP_BASE_URL": fake_base,
        "REDIS_URL": args.redis_url,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        # The limiter still runs on every request; the bench just never reaches the limit.
        "RATE_LIMIT_SECRET_KEY_PER_MINUTE": "1000000000",
        "RATE_LIMIT_SESSION_PER_MINUTE": "1000000000",
    }
    subprocess.run(["redis-cli", "-u", args.redis_url, "flushdb"], check=True, capture_output=True)
    env = {**os.environ, **base_env, "DATABASE_URL": fresh_database({**os.environ, **base_env})}
    boot = json.loads(
        manage(env, "bootstrap_project", "--org", "bench", "--project", "bench", "--live", "--json")
    )
    manage(env, "credit_org", "--org", boot["organizationId"], "--amount", "1000000",
           "--reason", "benchmark", "--live")  # fmt: skip
    manage(env, "shell", "-c", ROUTED_SETUP)
    server = processes.start(
        "ours", our_server_command(args.server, args.workers, our_port), env=env
    )
    ours = f"http://127.0.0.1:{our_port}"
    wait_http(f"{ours}/v1/config", process=server)
    session_tokens = []
    for index in range(max(args.concurrency)):
        minted = http_json(
            "POST",
            f"{ours}/v1/sessions",
            {"customer": f"bench_user_{index}", "ttlSeconds": 3600,
             "scope": {"maxSpend": "5000"}},
            boot["secretKey"],
        )  # fmt: skip
        http_json(
            "POST",
            f"{ours}/v1/wallets/{minted['walletId']}/credits",
            {"amount": "10000", "reason": "benchmark"},
            boot["secretKey"],
        )
        session_tokens.append(minted["sessionToken"])

    targets = {
        "direct": Target("direct", f"{fake_base}/chat/completions", "gpt-4o-mini", ["x"], fake.pid),
        "ours-es": Target(
            "ours-es", f"{ours}/v1/chat/completions", MODEL, session_tokens, server.pid
        ),
        "ours-sk": Target(
            "ours-sk", f"{ours}/v1/chat/completions", MODEL, [boot["secretKey"]], server.pid
        ),
        "ours-es-routed": Target(
            "ours-es-routed",
            f"{ours}/v1/chat/completions",
            ROUTED_MODEL,
            session_tokens,
            server.pid,
        ),
        "ours-sk-routed": Target(
            "ours-sk-routed",
            f"{ours}/v1/chat/completions",
            ROUTED_MODEL,
            [boot["secretKey"]],
            server.pid,
        ),
    }
    if "litellm" in args.targets and Path(args.litellm).exists():
        config = log_dir / "litellm.yaml"
        litellm_config(config, fake_base)
        litellm = processes.start(
            "litellm",
            [
                args.litellm,
                "--config",
                str(config),
                "--host",
                "127.0.0.1",
                "--port",
                str(litellm_port),
                "--num_workers",
                "2",
            ],
            # No master key: its lightest set-up, as the gateway issue measured it (loopback).
            env={
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                "LITELLM_LOG": "ERROR",
                "LITELLM_TELEMETRY": "False",
                "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true",
            },
            unset=("DATABASE_URL", "REDIS_URL"),  # no database: LiteLLM's lightest set-up
        )
        wait_http(
            f"http://127.0.0.1:{litellm_port}/health/liveliness", timeout=180, process=litellm
        )
        targets["litellm"] = Target(
            "litellm", f"http://127.0.0.1:{litellm_port}/chat/completions", MODEL, [""],
            litellm.pid,
        )  # fmt: skip
    elif "litellm" in args.targets:
        print(f"LiteLLM not found at {args.litellm}: skipped", flush=True)

    print(
        f"fake {fake_base} · ours ({args.server}, {args.workers} workers) {ours} · logs {log_dir}",
        flush=True,
    )
    cells = []
    for stream in (False, True):
        for concurrency in args.concurrency:
            for name in args.targets:
                if name not in targets:
                    continue
                cell = drive(targets[name], stream=stream, concurrency=concurrency, args=args)
                cells.append(cell)
                print(
                    f"{name:8} {'stream' if stream else 'plain':6} c={concurrency:<3} "
                    f"{cell.rps:7.0f} req/s  p50 {cell.p50:6.2f} ms  p99 {cell.p99:7.2f} ms  "
                    f"cpu {cell.server_cpu_ms:5.2f} ms/req  errors {cell.errors or 0}",
                    flush=True,
                )
    check = subprocess.run(
        [PYTHON, "manage.py", "ledger_check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    print(f"ledger_check after the run: exit {check.returncode}: {check.stdout.strip()[-300:]}")
    return cells


if __name__ == "__main__":
    sys.exit(main())
