"""Holds: the worst-case cost of a model request reserved before its upstream call, then settled
at the real cost or released. Everything about them is in this package:

- here, the async steps every model request awaits: `reserve`, `settle`, `release`. On
  PostgreSQL (`HOTPATH_PG`, on by default there) each is one SQL statement on the event loop's
  connection pool (`pg.py`), with no thread hop; otherwise (SQLite) they are the ORM services
  (`orm.py`) on a pooled thread (not the single thread-sensitive one, which would serialize every
  request's database work). A hold is settled by the backend that made it.
- `orm.py`: the same steps as synchronous services, and the expiry of abandoned holds (the
  admin, the periodic task and the tests call them).
- `refusals.py`: why a hold was refused, as the API error, for both backends.
- `keeper.py`: keeps the holds of running requests from expiring under them.

Browser (es_) requests hold on the end user's wallet and the session's spend cap; secret-key
requests hold on the organization's credits. Lock order everywhere: hold, then session, then
wallet or account — reserve takes session, then wallet or account.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings

from llmgateway.loop_local import LoopLocal
from wallets.holds import orm, pg
from wallets.holds.keeper import HoldKeeper
from wallets.models import Hold as HoldRow
from wallets.services.ledger import validate_amount_nanos


# Payers are made on every request: plain slotted classes (a frozen dataclass costs 3x to make).
@dataclass(slots=True)
class WalletPayer:
    """An end user's wallet, through a session: its spend cap is reserved against too, and the
    SQL step re-checks the session (the token it was opened with, revocation, expiry)."""

    wallet_id: str
    session_id: str
    token_hash: str
    livemode: bool


@dataclass(slots=True)
class OrganizationPayer:
    """An organization's credits, through a secret key (the SQL step re-checks revocation)."""

    organization_id: str
    api_key_id: str
    livemode: bool


Payer = WalletPayer | OrganizationPayer
# A hold as `reserve` made it (its id is `pk`): hand it back to `settle` or `release`.
ReservedHold = pg.PgHold | HoldRow


def pg_enabled() -> bool:
    """The steps run as SQL (`HOTPATH_PG`): a reserve re-checks the payer's credentials on the
    rows it locks, so a caller may be remembered between requests (proxy/auth.py)."""
    return settings.HOTPATH_PG


async def reserve(
    payer: Payer, *, amount_nanos: int, request_id: str, owner: object
) -> ReservedHold:
    """Hold `amount_nanos` on the payer, or raise the refusal's ApiError (402 and friends).
    While `owner` (the request) lives and until it settles or releases, the hold does not
    expire."""
    if settings.HOTPATH_PG:
        validate_amount_nanos(amount_nanos)
        if isinstance(payer, WalletPayer):
            hold: ReservedHold = await pg.hold_reserve_on_wallet(
                wallet_id=payer.wallet_id,
                session_id=payer.session_id,
                token_hash=payer.token_hash,
                livemode=payer.livemode,
                amount_nanos=amount_nanos,
                request_id=request_id,
            )
        else:
            hold = await pg.hold_reserve_on_organization(
                organization_id=payer.organization_id,
                api_key_id=payer.api_key_id,
                livemode=payer.livemode,
                amount_nanos=amount_nanos,
                request_id=request_id,
            )
    else:
        hold = await sync_to_async(_orm_reserve, thread_sensitive=False)(
            payer, amount_nanos, request_id
        )
    _keepers.get().watch(hold.pk, owner)
    return hold


def _orm_reserve(payer: Payer, amount_nanos: int, request_id: str) -> HoldRow:
    if isinstance(payer, WalletPayer):
        return orm.wallet_hold_reserve(
            wallet_id=payer.wallet_id,
            session_id=payer.session_id,
            amount_nanos=amount_nanos,
            request_id=request_id,
        )
    return orm.organization_hold_reserve(
        organization_id=payer.organization_id,
        livemode=payer.livemode,
        amount_nanos=amount_nanos,
        request_id=request_id,
    )


async def settle(hold: ReservedHold, *, cost_nanos: int) -> pg.PgSettleResult | orm.SettleResult:
    """Charge the real cost and release the hold: a result with `charged_nanos` and
    `balance_nanos` (the payer's balance after)."""
    _keepers.get().forget(hold.pk)
    if isinstance(hold, pg.PgHold):
        return await pg.hold_finish(hold, cost_nanos=cost_nanos, status=HoldRow.Status.SETTLED)
    return await sync_to_async(orm.wallet_hold_settle, thread_sensitive=False)(
        hold_id=hold.pk, cost_nanos=cost_nanos
    )


async def release(hold: ReservedHold) -> None:
    """Give the hold back uncharged (the upstream failed before any output)."""
    _keepers.get().forget(hold.pk)
    if isinstance(hold, pg.PgHold):
        await pg.hold_finish(hold, cost_nanos=0, status=HoldRow.Status.RELEASED)
        return
    await sync_to_async(orm.wallet_hold_release, thread_sensitive=False)(hold_id=hold.pk)


def balance_reader() -> Callable[[str], Awaitable[int | None]] | None:
    """How a charge's `wallet.balance` push reads the balance: on the SQL backend's pool, or
    None for the ORM default (wallets.notify)."""
    return pg.wallet_balance_nanos if pg_enabled() else None


async def _holds_extend(hold_ids: list[str]) -> int:
    if settings.HOTPATH_PG:
        return await pg.holds_extend(hold_ids)
    return await sync_to_async(orm.holds_extend, thread_sensitive=False)(hold_ids=hold_ids)


_keepers: LoopLocal[HoldKeeper] = LoopLocal(lambda: HoldKeeper(_holds_extend))
