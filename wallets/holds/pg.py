"""The holds' SQL backend (PostgreSQL): reserve, settle, release as one plain SQL statement each.

It does exactly what the ORM services (orm.py) do — the same tables, the same
conditional UPDATEs, the same lock order (hold, then session, then wallet or account; reserve:
session, then wallet), the same ledger lines — but each step is one SQL statement on a pooled
async psycopg connection (llmgateway/pgpool.py), with no thread hop. On this 2-core class of
machine the ORM run in `sync_to_async` costs about half the throughput (DESIGN.md §7). The ORM
services stay the reference and the path for SQLite. A refusal is read back as facts and turned
into its error by refusals.py, as the ORM's are.

Each statement first locks what it changes (`SELECT … FOR NO KEY UPDATE`, the lock strength and
order of wallets/locks.py, in a CTE whose WHERE is the refusal rule, re-checked by PostgreSQL on
the newest row version after any wait), and the data-modifying CTEs then change only locked rows,
so a statement commits all of its effects or none. Every row they write carries the payer's
organization, read from the wallet or account row they lock (docs/deploy.md, "Past one
primary"). A hold is committed with `synchronous_commit` off (it is transient: lost in a crash
together with its `held_nanos`, nothing to repair); the settlement, which moves money, stays
durable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction

from llmgateway import ids
from llmgateway.pgpool import pool
from wallets.holds.refusals import (
    WalletRefusal,
    finish_refusal_error,
    organization_refusal_error,
    wallet_refusal_error,
)
from wallets.models import LedgerAccount
from wallets.services.accounts import account_for_system

logger = logging.getLogger(__name__)

# --- SQL ----------------------------------------------------------------------------------------

WALLET_BALANCE = "SELECT balance_nanos FROM wallets_wallet WHERE id = %(wallet_id)s"

# A reserve commits without waiting for its WAL flush (a hold is transient: lost in a crash
# together with its held amount, nothing to repair). `set_config(…, true)` lasts until the end
# of the statement's own transaction, whose commit reads it; joined into the INSERT so it runs,
# it makes each reserve one autocommit statement instead of BEGIN, SET LOCAL, it, COMMIT.
_ASYNC_COMMIT_CTE = "async_commit AS (SELECT set_config('synchronous_commit', 'off', true))"

# Browser traffic: the session's cap, then the wallet (same order as `wallet_hold_reserve`). A
# cached principal can't outlive its credentials: the session must still carry this token's hash
# (a refresh replaces it), be unrevoked and unexpired, and its customer must not be blocked.
RESERVE_ON_WALLET = """
WITH session_row AS (
    SELECT id FROM sessions_app_embeddedsession
    WHERE id = %(session_id)s AND token_hash = %(token_hash)s
      AND revoked_at IS NULL AND expires_at > now()
      AND (max_spend_nanos IS NULL
           OR max_spend_nanos >= spent_nanos + held_nanos + %(amount_nanos)s)
    FOR NO KEY UPDATE
), wallet_row AS (
    SELECT w.id, w.organization_id FROM wallets_wallet w
    WHERE w.id = %(wallet_id)s AND w.status = 'active'
      AND w.balance_nanos - w.held_nanos >= %(amount_nanos)s
      AND EXISTS (SELECT 1 FROM session_row)
      AND NOT EXISTS (
          SELECT 1 FROM wallets_customer c WHERE c.id = w.customer_id AND c.status = 'blocked')
    FOR NO KEY UPDATE OF w
), session_update AS (
    UPDATE sessions_app_embeddedsession SET held_nanos = held_nanos + %(amount_nanos)s
    WHERE id IN (SELECT id FROM session_row) AND EXISTS (SELECT 1 FROM wallet_row)
), wallet_update AS (
    UPDATE wallets_wallet SET held_nanos = held_nanos + %(amount_nanos)s
    WHERE id IN (SELECT id FROM wallet_row)
), {ASYNC_COMMIT}
INSERT INTO wallets_hold (id, organization_id, wallet_id, account_id, session_id, amount_nanos,
                          charged_nanos, status, request_id, expires_at, created_at)
SELECT %(hold_id)s, organization_id, id, NULL, %(session_id)s, %(amount_nanos)s, 0, 'held',
       %(request_id)s, now() + make_interval(secs => %(ttl_seconds)s), now()
FROM wallet_row, async_commit
RETURNING id
""".replace("{ASYNC_COMMIT}", _ASYNC_COMMIT_CTE)

# Secret-key traffic: the organization's credits (same rule as `organization_hold_reserve`),
# only while the key is not revoked.
RESERVE_ON_ACCOUNT = """
WITH account_row AS (
    SELECT id FROM wallets_ledgeraccount
    WHERE kind = 'org_credits' AND livemode = %(livemode)s AND organization_id = %(organization_id)s
      AND balance_nanos - held_nanos >= %(amount_nanos)s
      AND EXISTS (SELECT 1 FROM llmgateway_apikey
                  WHERE id = %(api_key_id)s AND revoked_at IS NULL)
    FOR NO KEY UPDATE
), account_update AS (
    UPDATE wallets_ledgeraccount SET held_nanos = held_nanos + %(amount_nanos)s
    WHERE id IN (SELECT id FROM account_row)
), {ASYNC_COMMIT}
INSERT INTO wallets_hold (id, organization_id, wallet_id, account_id, session_id, amount_nanos,
                          charged_nanos, status, request_id, expires_at, created_at)
SELECT %(hold_id)s, %(organization_id)s, NULL, id, NULL, %(amount_nanos)s, 0, 'held',
       %(request_id)s, now() + make_interval(secs => %(ttl_seconds)s), now()
FROM account_row, async_commit
RETURNING account_id
""".replace("{ASYNC_COMMIT}", _ASYNC_COMMIT_CTE)

# Settle (or, with cost 0 and status 'released', release) one hold, as `wallet_hold_settle`:
# lock hold → session → holder. The charge is the whole cost (the upstream's usage); the payer
# pays what its balance less its other holds covers (`collected`), the rest is booked to the
# `uncollected` system account; revenue gets the cost. A hold the expiry task already released
# is still settled (its held part is then 0: that was given back at expiry). Then the holder's
# held and balance, the session's held and spent, the hold's status. The initplans (`EXISTS`,
# `count(*)`) make each lock wait for the previous one, which fixes the lock order.
_FINISH = """
WITH hold_row AS (
    SELECT id, request_id,
           CASE WHEN status = 'held' THEN amount_nanos ELSE 0 END AS held_part
    FROM wallets_hold
    WHERE id = %(hold_id)s
      AND (status = 'held' OR (status = 'expired' AND %(status)s = 'settled'))
    FOR NO KEY UPDATE
), session_row AS (
    SELECT id FROM sessions_app_embeddedsession
    WHERE id = %(session_id)s AND EXISTS (SELECT 1 FROM hold_row)
    FOR NO KEY UPDATE
), holder_row AS (
    SELECT x.id, x.organization_id, h.held_part AS held_part, h.request_id AS request_id,
           GREATEST(0, LEAST(%(cost_nanos)s::bigint,
                             x.balance_nanos - x.held_nanos + h.held_part)) AS collected_nanos
    FROM {holder_table} x, hold_row h
    WHERE x.id = %(holder_id)s AND (SELECT count(*) FROM session_row) >= 0
    FOR NO KEY UPDATE OF x
), holder_update AS (
    UPDATE {holder_table} x
    SET held_nanos = x.held_nanos - r.held_part,
        balance_nanos = x.balance_nanos - r.collected_nanos
    FROM holder_row r WHERE x.id = r.id
    RETURNING x.balance_nanos
), usage_transaction AS (
    INSERT INTO wallets_ledgertransaction (kind, livemode, organization_id, idempotency_key,
        idempotency_fingerprint, description, actor, metadata, created_at)
    SELECT 'usage', %(livemode)s, r.organization_id, NULL, '', 'Model usage', '',
           jsonb_build_object('hold', %(hold_id)s::text, 'request', r.request_id), now()
    FROM holder_row r WHERE %(cost_nanos)s::bigint > 0
    RETURNING id, organization_id
), usage_entries AS (
    INSERT INTO wallets_ledgerentry (transaction_id, organization_id, account_id, amount_nanos,
                                     created_at)
    SELECT t.id, t.organization_id, line.account_id, line.amount_nanos, now()
    FROM usage_transaction t, holder_row r, LATERAL (VALUES
        ({payer_account}, -r.collected_nanos),
        ((SELECT id FROM wallets_ledgeraccount WHERE kind = 'uncollected'
            AND livemode = %(livemode)s AND organization_id IS NULL AND wallet_id IS NULL),
         r.collected_nanos - %(cost_nanos)s::bigint),
        ((SELECT id FROM wallets_ledgeraccount WHERE kind = 'platform_usage_revenue'
            AND livemode = %(livemode)s AND organization_id IS NULL AND wallet_id IS NULL),
         %(cost_nanos)s::bigint)
    ) AS line(account_id, amount_nanos)
    WHERE line.amount_nanos <> 0
), session_update AS (
    UPDATE sessions_app_embeddedsession s
    SET held_nanos = s.held_nanos - r.held_part,
        spent_nanos = s.spent_nanos + %(cost_nanos)s::bigint
    FROM holder_row r WHERE s.id = %(session_id)s
), hold_update AS (
    UPDATE wallets_hold h
    SET status = %(status)s, charged_nanos = %(cost_nanos)s::bigint,
        uncollected_nanos = %(cost_nanos)s::bigint - r.collected_nanos, finished_at = now()
    FROM holder_row r WHERE h.id = %(hold_id)s
)
SELECT %(cost_nanos)s::bigint, u.balance_nanos, r.collected_nanos
FROM holder_row r, holder_update u
"""
FINISH_ON_WALLET = _FINISH.format(
    holder_table="wallets_wallet",
    payer_account="(SELECT id FROM wallets_ledgeraccount WHERE wallet_id = %(holder_id)s)",
)
FINISH_ON_ACCOUNT = _FINISH.format(
    holder_table="wallets_ledgeraccount", payer_account="%(holder_id)s::bigint"
)

WALLET_REFUSAL = """
SELECT s.token_hash = %(token_hash)s, s.revoked_at IS NOT NULL, s.expires_at <= now(),
       s.max_spend_nanos IS NOT NULL
           AND s.max_spend_nanos < s.spent_nanos + s.held_nanos + %(amount_nanos)s,
       c.status, w.status
FROM sessions_app_embeddedsession s
JOIN wallets_wallet w ON w.id = %(wallet_id)s
JOIN wallets_customer c ON c.id = w.customer_id
WHERE s.id = %(session_id)s
"""
KEY_REVOKED = "SELECT revoked_at IS NOT NULL FROM llmgateway_apikey WHERE id = %(api_key_id)s"

# --- what a hold is on --------------------------------------------------------------------------


@dataclass
class PgHold:
    """A hold made here, with what settling it needs (so settling needs no lookup)."""

    pk: str
    livemode: bool
    amount_nanos: int
    wallet_id: str | None = None
    session_id: str | None = None
    account_id: int | None = None


@dataclass(frozen=True)
class PgSettleResult:
    charged_nanos: int
    balance_nanos: int
    collected_nanos: int = 0


# --- the steps ----------------------------------------------------------------------------------


async def hold_reserve_on_wallet(
    *,
    wallet_id: str,
    session_id: str,
    token_hash: str,
    livemode: bool,
    amount_nanos: int,
    request_id: str,
) -> PgHold:
    params = {
        "hold_id": ids.new_hold_id(),
        "wallet_id": wallet_id,
        "session_id": session_id,
        "token_hash": token_hash,
        "amount_nanos": amount_nanos,
        "request_id": request_id,
        "ttl_seconds": settings.HOLD_TTL_SECONDS,
    }
    async with pool().connection() as connection:
        if await _reserve(connection, RESERVE_ON_WALLET, params):
            return PgHold(
                pk=params["hold_id"],
                livemode=livemode,
                amount_nanos=amount_nanos,
                wallet_id=wallet_id,
                session_id=session_id,
            )
        cursor = await connection.execute(WALLET_REFUSAL, params)
        row = await cursor.fetchone()
    raise _wallet_refusal(row)


async def hold_reserve_on_organization(
    *,
    organization_id: str,
    api_key_id: str,
    livemode: bool,
    amount_nanos: int,
    request_id: str,
) -> PgHold:
    params = {
        "hold_id": ids.new_hold_id(),
        "organization_id": organization_id,
        "api_key_id": api_key_id,
        "livemode": livemode,
        "amount_nanos": amount_nanos,
        "request_id": request_id,
        "ttl_seconds": settings.HOLD_TTL_SECONDS,
    }
    async with pool().connection() as connection:
        reserved = await _reserve(connection, RESERVE_ON_ACCOUNT, params)
        if reserved is not None:
            return PgHold(
                pk=params["hold_id"],
                livemode=livemode,
                amount_nanos=amount_nanos,
                account_id=reserved,
            )
        cursor = await connection.execute(KEY_REVOKED, params)
        row = await cursor.fetchone()
    raise organization_refusal_error(key_revoked=row is None or row[0])


async def _reserve(connection, sql: str, params: dict):
    """Run a reserve statement (one autocommit transaction, committed without waiting for the
    WAL flush); its RETURNING value, or None when refused."""
    cursor = await connection.execute(sql, params)
    row = await cursor.fetchone()
    return row[0] if row else None


def _wallet_refusal(row) -> Exception:
    if row is None:  # the session or its wallet is gone: one row says neither
        return wallet_refusal_error(WalletRefusal(session_found=False, wallet_found=False))
    same_token, revoked, expired, over_cap, customer_status, wallet_status = row
    return wallet_refusal_error(
        WalletRefusal(
            token_matches=same_token,
            session_revoked=revoked,
            session_expired=expired,
            over_spend_cap=over_cap,
            customer_blocked=customer_status == "blocked",
            wallet_frozen=wallet_status == "frozen",
        )
    )


async def hold_finish(hold: PgHold, *, cost_nanos: int, status: str) -> PgSettleResult:
    """Settle (`status="settled"`) or release (`status="released"`, cost 0) a hold made here."""
    if cost_nanos < 0:
        raise ValueError("cost_nanos must not be negative")
    on_wallet = hold.wallet_id is not None
    params = {
        "hold_id": hold.pk,
        "session_id": hold.session_id,
        "holder_id": hold.wallet_id if on_wallet else hold.account_id,
        "livemode": hold.livemode,
        "cost_nanos": cost_nanos,
        "status": status,
    }
    sql = FINISH_ON_WALLET if on_wallet else FINISH_ON_ACCOUNT
    for attempt in range(2):
        try:
            async with pool().connection() as connection:
                cursor = await connection.execute(sql, params)
                row = await cursor.fetchone()
            break
        except psycopg.errors.NotNullViolation:
            # The system accounts are created on first use (by the ORM helper).
            if attempt:
                raise
            await _ensure_system_accounts(hold.livemode)
    if row is None:  # a hold made here exists: refused means it is no longer held
        raise finish_refusal_error()
    result = PgSettleResult(charged_nanos=row[0], balance_nanos=row[1], collected_nanos=row[2])
    if result.collected_nanos < result.charged_nanos:
        logger.warning(
            "hold %s: usage of %d nanos exceeded what the payer could cover; %d nanos booked "
            "to uncollected",
            hold.pk,
            result.charged_nanos,
            result.charged_nanos - result.collected_nanos,
        )
    return result


async def wallet_balance_nanos(wallet_id: str) -> int | None:
    """The wallet's committed balance (for the `wallet.balance` push), without a thread hop."""
    async with pool().connection() as connection:
        cursor = await connection.execute(WALLET_BALANCE, {"wallet_id": wallet_id})
        row = await cursor.fetchone()
    return row[0] if row else None


@sync_to_async(thread_sensitive=False)
def _ensure_system_accounts(livemode: bool) -> None:
    with transaction.atomic():
        account_for_system(kind=LedgerAccount.Kind.PLATFORM_USAGE_REVENUE, livemode=livemode)
        account_for_system(kind=LedgerAccount.Kind.UNCOLLECTED, livemode=livemode)


HOLDS_EXTEND = """
UPDATE wallets_hold SET expires_at = now() + make_interval(secs => %(ttl_seconds)s)
WHERE id = ANY(%(hold_ids)s) AND status = 'held'
"""


async def holds_extend(hold_ids: list[str]) -> int:
    """Push back the expiry of holds whose requests are still running (as `holds_extend`)."""
    async with pool().connection() as connection:
        cursor = await connection.execute(
            HOLDS_EXTEND, {"hold_ids": hold_ids, "ttl_seconds": settings.HOLD_TTL_SECONDS}
        )
        return cursor.rowcount
