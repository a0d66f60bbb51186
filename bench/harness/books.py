"""The books after a mixed load (bench/harness/mixed.py): every charge and credit once, exact
integers.

Sources compared, all after the stack has drained (top-ups credited by the worker, request logs
flushed, webhooks delivered):
- what the clients were told succeeded: grants (with their idempotency keys) and simulated
  top-ups (with the net credit each announced);
- the request logs (one per billed request, with its cost and wallet);
- the ledger (usage transactions name their request; top-up transactions their top-up; grants
  carry the client's idempotency key).

Definitions. A charge is *lost* when a logged request with a cost has no usage transaction, or
one for less than its cost; *doubled* when it has more than one, or one for more. A credit is
*lost* when a top-up the client saw succeed (or a grant answered 2xx) has no ledger transaction;
*doubled* when it has more than one. Independently of those item-by-item checks, every wallet's
cached balance must equal its credits (as the clients know them) minus its logged costs, with
nothing left held, and the organization's credits likewise; then `manage.py ledger_check`.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field

import psycopg

from bench.harness.mixed import NANOS_PER_USD, ORG_CREDIT_USD, Stack, Tally
from bench.harness.stack import ROOT

WALLETS_OFF_SQL = """
WITH credited AS (
    SELECT wallet_id, sum(nanos) AS nanos
    FROM unnest(%(wallets)s::text[], %(nanos)s::bigint[]) AS c(wallet_id, nanos)
    GROUP BY wallet_id
), charged AS (
    SELECT wallet_id, sum(cost_nanos) AS nanos FROM proxy_requestlog
    WHERE wallet_id <> '' GROUP BY wallet_id
)
SELECT w.id, w.balance_nanos, w.held_nanos, coalesce(c.nanos, 0), coalesce(s.nanos, 0)
FROM wallets_wallet w
LEFT JOIN credited c ON c.wallet_id = w.id
LEFT JOIN charged s ON s.wallet_id = w.id
WHERE w.id = ANY(%(all_wallets)s)
  AND (w.balance_nanos <> coalesce(c.nanos, 0) - coalesce(s.nanos, 0) OR w.held_nanos <> 0)
"""

ORG_CREDITS_SQL = """
SELECT a.balance_nanos, a.held_nanos,
       (SELECT coalesce(sum(cost_nanos), 0) FROM proxy_requestlog
        WHERE wallet_id = '' AND livemode AND project_id = %(project_id)s)
FROM wallets_ledgeraccount a
WHERE a.kind = 'org_credits' AND a.livemode AND a.organization_id = %(organization_id)s
"""

# Per logged request with a cost: its usage transactions and what they took from the payer.
CHARGES_SQL = """
WITH usage AS (
    SELECT t.metadata->>'request' AS request_id, t.id,
           -sum(e.amount_nanos) FILTER (WHERE e.amount_nanos < 0) AS charged_nanos
    FROM wallets_ledgertransaction t JOIN wallets_ledgerentry e ON e.transaction_id = t.id
    WHERE t.kind = 'usage' GROUP BY t.id
), per_request AS (
    SELECT request_id, count(*) AS transactions, sum(charged_nanos) AS charged_nanos
    FROM usage GROUP BY request_id
)
SELECT
    count(*) FILTER (WHERE l.cost_nanos > 0 AND coalesce(u.charged_nanos, 0) < l.cost_nanos),
    count(*) FILTER (WHERE u.transactions > 1 OR u.charged_nanos > l.cost_nanos),
    (SELECT count(*) FROM per_request r
     WHERE NOT EXISTS (SELECT 1 FROM proxy_requestlog x WHERE x.request_id = r.request_id)),
    count(*) FILTER (WHERE l.cost_nanos > 0)
FROM proxy_requestlog l LEFT JOIN per_request u ON u.request_id = l.request_id
"""

TOPUP_CREDITS_SQL = """
SELECT c.topup_id, c.net_nanos, count(t.id), coalesce(sum(e.amount_nanos), 0)
FROM unnest(%(topups)s::text[], %(nanos)s::bigint[]) AS c(topup_id, net_nanos)
LEFT JOIN wallets_ledgertransaction t ON t.kind = 'topup' AND t.metadata->>'topup_id' = c.topup_id
LEFT JOIN wallets_ledgerentry e ON e.transaction_id = t.id AND e.account_id =
    (SELECT a.id FROM wallets_ledgeraccount a JOIN billing_topup p ON p.wallet_id = a.wallet_id
     WHERE p.id = c.topup_id)
GROUP BY c.topup_id, c.net_nanos
HAVING count(t.id) <> 1 OR coalesce(sum(e.amount_nanos), 0) <> c.net_nanos
"""

GRANT_CREDITS_SQL = """
SELECT count(*) FROM unnest(%(keys)s::text[]) AS k(key)
WHERE NOT EXISTS (SELECT 1 FROM wallets_ledgertransaction t WHERE t.idempotency_key = k.key)
"""


@dataclass
class Books:
    lines: list[str] = field(default_factory=list)
    lost: int = 0
    doubled: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.lost and not self.doubled


def stack_drain(stack: Stack, tally: Tally, *, timeout: float = 60.0) -> list[str]:
    """Wait for the worker to credit the top-ups, the logs to flush and the webhooks to land."""
    topup_ids = [topup for topup, _, _ in tally.topups]
    deadline = time.monotonic() + timeout
    previous_logs = -1
    with psycopg.connect(stack.database_url, autocommit=True) as connection:
        while True:
            credited, logs, holds = connection.execute(
                "SELECT (SELECT count(*) FROM billing_topupcredit WHERE topup_id = ANY(%s)),"
                " (SELECT count(*) FROM proxy_requestlog),"
                " (SELECT count(*) FROM wallets_hold WHERE status = 'held')",
                (topup_ids,),
            ).fetchone()
            webhooks = sum(1 for topup in topup_ids if tally.webhooks.get(topup))
            settled = credited == len(topup_ids) and webhooks == len(topup_ids)
            if (settled and logs == previous_logs and not holds) or time.monotonic() > deadline:
                break
            previous_logs = logs
            time.sleep(1.0)
    return [
        f"top-ups credited by the worker: {credited}/{len(topup_ids)}; "
        f"wallet.credited webhooks received: {webhooks}/{len(topup_ids)} "
        f"(deliveries {sum(tally.webhooks.values())}, bad signatures {tally.bad_signatures}); "
        f"open holds: {holds}"
    ]


def books_check(stack: Stack, tally: Tally) -> Books:
    books = Books()
    books.lines += stack_drain(stack, tally)
    webhooks_missing = sum(1 for topup, _, _ in tally.topups if not tally.webhooks.get(topup))
    if webhooks_missing or tally.bad_signatures:
        books.failures.append(f"{webhooks_missing} top-ups without a wallet.credited webhook")
    wallets = [customer.wallet_id for customer in stack.customers]
    credits = [(wallet, nanos) for wallet, nanos, _ in tally.grants]
    credits += [(wallet, nanos) for _, wallet, nanos in tally.topups]
    with psycopg.connect(stack.database_url, autocommit=True) as connection:
        off = connection.execute(
            WALLETS_OFF_SQL,
            {"wallets": [w for w, _ in credits], "nanos": [n for _, n in credits],
             "all_wallets": wallets},
        ).fetchall()  # fmt: skip
        books.lines.append(
            f"wallets whose balance ≠ credits - logged costs (or with money held): "
            f"{len(off)} of {len(wallets)}"
        )
        for wallet, balance, held, credited, charged in off[:5]:
            books.lines.append(
                f"  {wallet}: balance {balance}, held {held}, credited {credited}, "
                f"logged costs {charged}, off by {balance - (credited - charged)}"
            )
        if off:
            books.failures.append(f"{len(off)} wallets off")

        org_balance, org_held, sk_costs = connection.execute(
            ORG_CREDITS_SQL,
            {"organization_id": stack.organization_id, "project_id": stack.project_id},
        ).fetchone()
        granted = sum(nanos for _, nanos, _ in tally.grants)
        org_expected = ORG_CREDIT_USD * NANOS_PER_USD - granted - sk_costs
        books.lines.append(
            f"organization credits: {org_balance} (expected {org_expected}), held {org_held}"
        )
        if org_balance != org_expected or org_held:
            books.failures.append("organization credits off")

        lost_charges, doubled_charges, unlogged, billed = connection.execute(CHARGES_SQL).fetchone()
        topups_off = connection.execute(
            TOPUP_CREDITS_SQL,
            {"topups": [t for t, _, _ in tally.topups], "nanos": [n for _, _, n in tally.topups]},
        ).fetchall()
        lost_grants = connection.execute(
            GRANT_CREDITS_SQL,
            {"keys": [f"credit:{stack.project_id}:{key}" for _, _, key in tally.grants]},
        ).fetchone()[0]
    lost_topups = sum(1 for row in topups_off if row[2] == 0 or row[3] < row[1])
    doubled_topups = len(topups_off) - lost_topups
    books.lines.append(
        f"charges: {billed} logged requests with a cost; lost {lost_charges}, doubled "
        f"{doubled_charges}, charged without a request log {unlogged}"
    )
    books.lines.append(
        f"credits: {len(tally.topups)} top-ups (lost {lost_topups}, doubled {doubled_topups}), "
        f"{len(tally.grants)} grants (lost {lost_grants})"
    )
    if unlogged:
        books.failures.append(f"{unlogged} charges without a request log")
    books.lost = lost_charges + lost_topups + lost_grants
    books.doubled = doubled_charges + doubled_topups

    check = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "ledger_check"],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
    )
    if check.returncode:
        books.failures.append("ledger_check failed")
        books.lines.append(check.stdout.strip()[-500:] + check.stderr.strip()[-500:])
    books.lines.append(f"{books.lost} lost, {books.doubled} doubled")
    books.lines.append(f"ledger_check: {'ok' if check.returncode == 0 else 'FAILED'}")
    return books
