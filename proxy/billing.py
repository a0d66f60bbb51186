"""The hot path's money steps — reserve, settle, release — for browser and secret-key callers.

Browser (es_) requests hold on the end user's wallet and the session's spend cap; secret-key
requests hold on the organization's credits. On PostgreSQL (`HOTPATH_PG`, on by default there)
the steps run as plain SQL on an async connection pool (proxy/hotpath_pg.py), with no thread hop.
Otherwise — SQLite, the embedded default — they are the wallets services', run off the event
loop on a pooled thread (not the single "thread-sensitive" one, which would serialize every
request's database work).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.conf import settings

from proxy import hold_keeper, hotpath_pg
from sessions_app.authentication import SESSION, Principal
from wallets import services as wallet_services
from wallets.models import Hold
from wallets.services.ledger import validate_amount_nanos

# Holds this process made on the fast path, by id, with what settling them needs. A hold that
# is not here (made before a restart, or by another path) is settled by the ORM services.
_fast_holds: dict[str, hotpath_pg.FastHold] = {}


def fast_path_enabled() -> bool:
    return settings.HOTPATH_PG


def wallet_balance_reader():
    """How a charge's `wallet.balance` push reads the balance: on the fast path's async pool,
    or None for the ORM default (wallets.notify)."""
    return hotpath_pg.wallet_balance_nanos if fast_path_enabled() else None


def _reserve(principal: Principal, amount_nanos: int, request_id: str) -> Hold:
    if principal.kind == SESSION:
        assert principal.session is not None
        return wallet_services.wallet_hold_reserve(
            wallet_id=principal.session.wallet_id,
            session_id=principal.session.pk,
            amount_nanos=amount_nanos,
            request_id=request_id,
        )
    return wallet_services.organization_hold_reserve(
        organization_id=principal.project.organization_id,
        livemode=principal.livemode,
        amount_nanos=amount_nanos,
        request_id=request_id,
    )


async def _reserve_fast(principal: Principal, amount_nanos: int, request_id: str):
    validate_amount_nanos(amount_nanos)
    if principal.kind == SESSION:
        session = principal.session
        assert session is not None
        return await hotpath_pg.hold_reserve_on_wallet(
            wallet_id=session.wallet_id,
            session_id=session.pk,
            token_hash=session.token_hash,
            livemode=principal.livemode,
            amount_nanos=amount_nanos,
            request_id=request_id,
        )
    assert principal.secret_key is not None
    return await hotpath_pg.hold_reserve_on_organization(
        organization_id=principal.project.organization_id,
        api_key_id=principal.secret_key.pk,
        livemode=principal.livemode,
        amount_nanos=amount_nanos,
        request_id=request_id,
    )


async def hold_reserve(*, principal: Principal, amount_nanos: int, request_id: str, owner: object):
    """The hold made for this request (anything with the hold's id as `pk`). While `owner`
    (the request) lives and until it settles or releases, the hold does not expire."""
    if fast_path_enabled():
        hold = await _reserve_fast(principal, amount_nanos, request_id)
        _fast_holds[hold.pk] = hold
    else:
        hold = await sync_to_async(_reserve, thread_sensitive=False)(
            principal, amount_nanos, request_id
        )
    _keeper().watch(hold.pk, owner)
    return hold


async def _holds_extend(hold_ids: list[str]) -> int:
    if fast_path_enabled():
        return await hotpath_pg.holds_extend(hold_ids)
    return await sync_to_async(wallet_services.holds_extend, thread_sensitive=False)(
        hold_ids=hold_ids
    )


def _keeper() -> hold_keeper.HoldKeeper:
    return hold_keeper.keeper(_holds_extend)


async def hold_settle(*, hold_id: str, cost_nanos: int):
    """Charge the real cost and release the hold: a result with `charged_nanos` and
    `balance_nanos` (the holder's balance after)."""
    _keeper().forget(hold_id)
    hold = _fast_holds.pop(hold_id, None)
    if hold is not None:
        return await hotpath_pg.hold_finish(hold, cost_nanos=cost_nanos, status=Hold.Status.SETTLED)
    return await sync_to_async(wallet_services.wallet_hold_settle, thread_sensitive=False)(
        hold_id=hold_id, cost_nanos=cost_nanos
    )


async def hold_release(*, hold_id: str) -> None:
    _keeper().forget(hold_id)
    hold = _fast_holds.pop(hold_id, None)
    if hold is not None:
        await hotpath_pg.hold_finish(hold, cost_nanos=0, status=Hold.Status.RELEASED)
        return
    await sync_to_async(wallet_services.wallet_hold_release, thread_sensitive=False)(
        hold_id=hold_id
    )
