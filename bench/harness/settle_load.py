"""Reserve + settle through the hot path's own statements (wallets/holds/pg.py), from concurrent
asyncio clients: the ledger's throughput as the gateway drives it, without HTTP. Used by
bench/ledger.py (against pgbench) and bench/ledger_scale.py (empty vs a filled ledger)."""

from __future__ import annotations

import asyncio
import time

HOLD_NANOS = 1_000_000
COST_NANOS = 700_000


def targets_create(clients: int) -> None:
    """One session per client: on its own wallet (scenario 1) or all on one wallet (2)."""
    from django.db import connection

    from llmgateway.services import project_bootstrap
    from sessions_app.services import session_mint
    from wallets.services.movements import wallet_credit

    _, project, _ = project_bootstrap(
        organization_name="ledger", project_name="ledger", livemode=True
    )
    rows = []
    for scenario in (1, 2):
        for client in range(1, clients + 1):
            external_id = f"distinct_{client}" if scenario == 1 else "hot"
            session, _ = session_mint(
                project=project, livemode=True, external_id=external_id, ttl_seconds=3600
            )
            if scenario == 1 or client == 1:
                wallet_credit(wallet_id=session.wallet_id, amount_nanos=10**15)
            rows.append((scenario, client, session.wallet_id, session.pk, session.token_hash))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE ledger_bench_target (scenario int, n int, wallet_id text,"
            " session_id text, token_hash text, PRIMARY KEY (scenario, n))"
        )
        cursor.executemany("INSERT INTO ledger_bench_target VALUES (%s, %s, %s, %s, %s)", rows)
    connection.close()


def targets(scenario: int) -> list[tuple[str, str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT wallet_id, session_id, token_hash FROM ledger_bench_target"
            " WHERE scenario = %s ORDER BY n",
            [scenario],
        )
        rows = cursor.fetchall()
    connection.close()
    return rows


async def ours(scenario: int, seconds: float, run: str = "") -> int:
    """Settled holds in `seconds`; `run` keeps request ids apart when one database runs twice."""
    from wallets.holds import pg as holds_pg

    settled = 0
    deadline = time.perf_counter() + seconds

    async def client(wallet_id: str, session_id: str, token_hash: str) -> None:
        nonlocal settled
        number = 0
        while time.perf_counter() < deadline:
            number += 1
            hold = await holds_pg.hold_reserve_on_wallet(
                wallet_id=wallet_id, session_id=session_id, token_hash=token_hash,
                livemode=True, amount_nanos=HOLD_NANOS,
                request_id=f"req_ours{run}_{scenario}_{session_id}_{number}",
            )  # fmt: skip
            await holds_pg.hold_finish(hold, cost_nanos=COST_NANOS, status="settled")
            settled += 1

    rows = await asyncio.to_thread(targets, scenario)
    await asyncio.gather(*(client(*row) for row in rows))
    return settled
