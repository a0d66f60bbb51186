"""Ledger throughput: settled requests/s through the hot path's money steps vs raw PostgreSQL.

    .venv/bin/python bench/ledger.py [--seconds 10] [--clients 16]

On a fresh database (cloned from bench/overhead.py's migrated template), `--clients` concurrent
asyncio clients each loop reserve + settle through wallets/holds/pg.py (the statements, pool and
transactions the gateway runs per billed request), first each on its own wallet ("distinct"),
then all on one wallet ("hot"). Beside each, `pgbench` runs the same two statements (the
reserve in its own transaction with `synchronous_commit` off, pipelined as ours is; the settle
durable) from a custom script, with the same number of clients and duration: the raw
PostgreSQL figure. Prints settled/s for both and the ratio (target: ours ≥ 50% of raw on
distinct wallets). Ends with ledger_check.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.settle_load import COST_NANOS, HOLD_NANOS, ours, targets_create
from bench.harness.stack import PG, PYTHON, ROOT, fresh_database, machine_busy_seconds

LEDGER_DB = "llmgw_ledger"


def pgbench_script() -> str:
    """The hot path's reserve and settle, with pgbench variables for psycopg's parameters."""
    from wallets.holds.pg import FINISH_ON_WALLET, RESERVE_ON_WALLET

    hold_id = "('hld_pgb_' || :client_id || '_' || :r)"
    values = {
        "hold_id": hold_id,
        "request_id": "('req_pgb_' || :client_id || '_' || :r)",
        "wallet_id": ":wallet_id",
        "holder_id": ":wallet_id",
        "session_id": ":session_id",
        "token_hash": ":token_hash",
        "amount_nanos": f"{HOLD_NANOS}::bigint",
        "cost_nanos": f"{COST_NANOS}::bigint",
        "ttl_seconds": "900",
        "livemode": "true",
        "status": "'settled'",
    }

    def substitute(sql: str) -> str:
        return re.sub(r"%\((\w+)\)s", lambda m: values[m.group(1)], sql).strip() + ";"

    return "\n".join(
        [
            "\\set r random(1, 9000000000000000)",
            "SELECT wallet_id, session_id, token_hash FROM ledger_bench_target"
            " WHERE scenario = :scenario AND n = :client_id + 1 \\gset",
            "\\startpipeline",
            "BEGIN;",
            "SET LOCAL synchronous_commit TO off;",
            substitute(RESERVE_ON_WALLET),
            "COMMIT;",
            "\\endpipeline",
            substitute(FINISH_ON_WALLET),
        ]
    )


def raw(scenario: int, seconds: float, clients: int, script: Path) -> tuple[float, str]:
    result = subprocess.run(
        ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T",
         str(int(seconds)), "-D", f"scenario={scenario}", "-f", str(script),
         f"{PG}/{LEDGER_DB}"],
        capture_output=True, text=True,
    )  # fmt: skip
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    if result.returncode or not match:
        raise RuntimeError(f"pgbench failed:\n{result.stdout[-1500:]}\n{result.stderr[-1500:]}")
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    return float(match.group(1)), (failed.group(1) if failed else "0")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = fresh_database(dict(os.environ), LEDGER_DB)
    os.environ["HOTPATH_PG_POOL_SIZE"] = str(args.clients)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmgateway.settings")
    import django

    django.setup()
    targets_create(args.clients)
    script = Path(tempfile.mkdtemp(prefix="llmgw-ledger-")) / "reserve_settle.sql"
    script.write_text(pgbench_script())
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    print(f"{args.clients} clients, {args.seconds:.0f} s per cell; pgbench script {script}")
    print("| wallets | ours settled/s | raw pgbench settled/s | ours / raw | machine busy |")
    print("|---|--:|--:|--:|--:|")
    ratios = {}
    for scenario, name in ((1, "distinct"), (2, "one hot wallet")):
        busy_before, started = machine_busy_seconds(), time.perf_counter()
        settled = asyncio.run(ours(scenario, args.seconds))
        ours_rate = settled / (time.perf_counter() - started)
        busy = (machine_busy_seconds() - busy_before) / (time.perf_counter() - started)
        raw_rate, failed = raw(scenario, args.seconds, args.clients, script)
        ratios[name] = ours_rate / raw_rate
        failures = f" ({failed} failed)" if failed != "0" else ""
        print(
            f"| {name} | {ours_rate:.0f} | {raw_rate:.0f}{failures} "
            f"| {ratios[name]:.0%} | {busy / (os.cpu_count() or 1):.0%} |",
            flush=True,
        )
    check = subprocess.run(
        [PYTHON, "manage.py", "ledger_check"], cwd=ROOT, env=os.environ, capture_output=True,
        text=True,
    )  # fmt: skip
    print(f"\nours/raw on distinct wallets: {ratios['distinct']:.0%} (target ≥ 50%)")
    print(f"load average {os.getloadavg()[0]:.1f}; ledger_check: "
          f"{'ok' if check.returncode == 0 else 'FAILED ' + check.stdout[-300:]}")  # fmt: skip
    return check.returncode


if __name__ == "__main__":
    sys.exit(main())
