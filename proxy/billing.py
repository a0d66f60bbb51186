"""The hot path's money steps — reserve, settle, release — for browser and secret-key callers.

Browser (es_) requests hold on the end user's wallet and the session's spend cap; secret-key
requests hold on the organization's credits. The work is the wallets services', run off the
event loop on a pooled thread (not the single "thread-sensitive" one, which would serialize
every request's database work).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async

from sessions_app.authentication import SESSION, Principal
from wallets import services as wallet_services
from wallets.models import Hold
from wallets.services import SettleResult


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


async def hold_reserve(*, principal: Principal, amount_nanos: int, request_id: str) -> Hold:
    return await sync_to_async(_reserve, thread_sensitive=False)(
        principal, amount_nanos, request_id
    )


async def hold_settle(*, hold_id: str, cost_nanos: int) -> SettleResult:
    return await sync_to_async(wallet_services.wallet_hold_settle, thread_sensitive=False)(
        hold_id=hold_id, cost_nanos=cost_nanos
    )


async def hold_release(*, hold_id: str) -> None:
    await sync_to_async(wallet_services.wallet_hold_release, thread_sensitive=False)(
        hold_id=hold_id
    )
