"""The books at scale: the ledger check and the settle path on an empty ledger and a full one.

    .venv/bin/python bench/ledger_scale.py [--entries 20000000] [--wallets 10000]
                                           [--day-entries 1000000] [--seconds 10] [--clients 16]

On a fresh PostgreSQL database (cloned from the benches' migrated template):
1. reserve + settle throughput through the hot path's statements (bench/harness/settle_load.py)
   on the empty ledger;
2. fills the ledger with `--entries` entries (grants of random amounts to `--wallets` wallets, two
   entries per transaction, written server-side in batches) and sets the cached balances;
3. seals a checkpoint (`ledger_checkpoint_seal`, the one-time cost of adopting checkpoints);
4. writes "a day of traffic" (`--day-entries` more entries) and times the check since the
   checkpoint (`ledger_check`'s default) against the whole-ledger check (`--full`);
5. reserve + settle throughput again, on the full ledger.
Prints one table (docs/performance.md "Books at scale"); exits non-zero if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.settle_load import ours, targets_create
from bench.harness.stack import fresh_database, machine_busy_seconds

SCALE_DB = "llmgw_ledger_scale"
BATCH_TRANSACTIONS = 1_000_000


def wallets_create(count: int) -> list[int]:
    """`count` customers with wallets; returns their ledger account ids."""
    from llmgateway.services import project_bootstrap
    from wallets.models import Customer, LedgerAccount, Wallet

    _, project, _ = project_bootstrap(
        organization_name="scale", project_name="scale", livemode=True
    )
    organization_id = project.organization_id
    customers = Customer.objects.bulk_create(
        Customer(
            organization_id=organization_id,
            project=project,
            livemode=True,
            external_id=f"scale_{n}",
        )
        for n in range(count)
    )
    wallets = Wallet.objects.bulk_create(
        Wallet(organization_id=organization_id, customer=customer, livemode=True)
        for customer in customers
    )
    accounts = LedgerAccount.objects.bulk_create(
        LedgerAccount(
            kind=LedgerAccount.Kind.WALLET,
            livemode=True,
            organization_id=organization_id,
            wallet=wallet,
        )
        for wallet in wallets
    )
    return [account.pk for account in accounts]


def ledger_fill(account_ids: list[int], transactions: int) -> None:
    """`transactions` grants (two entries each) from the operator-grants account to the wallets,
    written by PostgreSQL itself in batches, then the wallets' cached balances brought level."""
    from django.db import connection

    from wallets.services import account_for_system

    grants = account_for_system(kind="platform_grants", livemode=True).pk
    with connection.cursor() as cursor:
        # Every wallet is in the one organization wallets_create made.
        cursor.execute(
            "SELECT organization_id FROM wallets_ledgeraccount WHERE id = %s", [account_ids[0]]
        )
        (organization_id,) = cursor.fetchone()
        cursor.execute("CREATE TEMP TABLE scale_accounts (n int PRIMARY KEY, account_id bigint)")
        cursor.executemany(
            "INSERT INTO scale_accounts VALUES (%s, %s)", list(enumerate(account_ids))
        )
        done = 0
        while done < transactions:
            batch = min(BATCH_TRANSACTIONS, transactions - done)
            cursor.execute(
                """
                WITH txn AS (
                    INSERT INTO wallets_ledgertransaction
                        (kind, livemode, organization_id, idempotency_fingerprint, description,
                         actor, metadata, created_at)
                    SELECT 'grant', true, %(organization)s, '', 'scale', '', '{}', now()
                    FROM generate_series(1, %(batch)s)
                    RETURNING id
                ), lines AS (
                    SELECT txn.id, scale_accounts.account_id,
                           1000 + (txn.id * 7919) %% 1000000 AS amount
                    FROM txn JOIN scale_accounts ON scale_accounts.n = txn.id %% %(wallets)s
                )
                INSERT INTO wallets_ledgerentry
                    (transaction_id, organization_id, account_id, amount_nanos, created_at)
                SELECT id, %(organization)s, account_id, amount, now() FROM lines
                UNION ALL
                SELECT id, %(organization)s, %(grants)s, -amount, now() FROM lines
                """,
                {
                    "batch": batch,
                    "wallets": len(account_ids),
                    "grants": grants,
                    "organization": organization_id,
                },
            )
            done += batch
            print(f"  {2 * done:,} entries written", flush=True)
        cursor.execute(
            """
            UPDATE wallets_wallet SET balance_nanos = sums.total
            FROM (SELECT account.wallet_id, sum(entry.amount_nanos) AS total
                  FROM wallets_ledgerentry entry
                  JOIN wallets_ledgeraccount account ON account.id = entry.account_id
                  WHERE account.wallet_id IS NOT NULL GROUP BY account.wallet_id) AS sums
            WHERE wallets_wallet.id = sums.wallet_id
            """
        )
        cursor.execute("DROP TABLE scale_accounts")
        cursor.execute("ANALYZE")


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def settled_per_second(seconds: float, run: str) -> tuple[float, float]:
    busy_before, started = machine_busy_seconds(), time.perf_counter()
    settled = asyncio.run(ours(1, seconds, run))
    elapsed = time.perf_counter() - started
    busy = (machine_busy_seconds() - busy_before) / elapsed / (os.cpu_count() or 1)
    return settled / elapsed, busy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=20_000_000)
    parser.add_argument("--wallets", type=int, default=10_000)
    parser.add_argument("--day-entries", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = fresh_database(dict(os.environ), SCALE_DB)
    os.environ["HOTPATH_PG_POOL_SIZE"] = str(args.clients)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmgateway.settings")
    import django

    django.setup()
    from django.db import connection

    from wallets.books import ledger_report
    from wallets.services.checkpoints import ledger_checkpoint_seal

    targets_create(args.clients)
    empty_rate, empty_busy = settled_per_second(args.seconds, "_empty")
    connection.close()

    print(f"filling {args.entries:,} entries over {args.wallets:,} wallets…", flush=True)
    accounts = wallets_create(args.wallets)
    _, fill_seconds = timed(ledger_fill, accounts, args.entries // 2)
    checkpoint, seal_seconds = timed(ledger_checkpoint_seal)
    print(f"writing a day of traffic ({args.day_entries:,} entries)…", flush=True)
    ledger_fill(accounts, args.day_entries // 2)
    incremental, incremental_seconds = timed(ledger_report)
    full, full_seconds = timed(ledger_report, full=True)
    connection.close()
    full_rate, full_busy = settled_per_second(args.seconds, "_full")

    print()
    print(f"| figure | {args.entries / 1e6:g}M-entry ledger |")
    print("|---|--:|")
    print(f"| fill ({args.entries:,} entries, server-side) | {fill_seconds:.1f} s |")
    print(f"| first seal ({checkpoint.entries:,} entries summed) | {seal_seconds:.1f} s |")
    print(
        f"| check since the checkpoint ({incremental.entries_read:,} entries read) "
        f"| {incremental_seconds:.2f} s |"
    )
    print(f"| `--full` check ({full.entries_read:,} entries read) | {full_seconds:.1f} s |")
    print(
        f"| settled/s, {args.clients} clients: empty ledger → full | {empty_rate:.0f} → "
        f"{full_rate:.0f} ({full_rate / empty_rate:.0%}) |"
    )
    print(f"| machine busy during the two settle runs | {empty_busy:.0%}, {full_busy:.0%} |")
    problems = incremental.problems + full.problems
    for problem in problems[:10]:
        print(f"LEDGER PROBLEM: {problem}")
    print(f"\nboth checks: {'ok' if not problems else 'FAILED'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
