"""The holds' ORM backend: reserve, settle, release, extend and expire holds as synchronous
services — the reference the SQL steps (pg.py) match, the path on SQLite, and what the admin,
the expiry task and the tests call (`from wallets.holds import orm`).

A hold reserves on an end user's wallet (browser traffic, optionally also against its session's
spend cap) or on an organization's credits account (secret-key traffic). Lock order everywhere:
hold, then session, then wallet or account — reserve takes session, then wallet or account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from sessions_app.models import EmbeddedSession
from wallets.errors import HoldNotActive
from wallets.holds.refusals import (
    WalletRefusal,
    finish_refusal_error,
    organization_refusal_error,
    wallet_refusal_error,
)
from wallets.locks import accounts_lock, wallet_lock
from wallets.models import Hold, LedgerAccount, LedgerTransaction, Wallet
from wallets.services.accounts import (
    account_for_organization,
    account_for_system,
    account_for_wallet,
)
from wallets.services.ledger import Line, ledger_post, validate_amount_nanos

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SettleResult:
    hold: Hold
    charged_nanos: int
    balance_nanos: int
    transaction: LedgerTransaction | None


def _expiry(ttl_seconds: int | None) -> datetime:
    ttl = ttl_seconds if ttl_seconds is not None else settings.HOLD_TTL_SECONDS
    return timezone.now() + timedelta(seconds=ttl)


def wallet_hold_reserve(
    *,
    wallet_id: str,
    amount_nanos: int,
    request_id: str | None = None,
    ttl_seconds: int | None = None,
    session_id: str | None = None,
) -> Hold:
    """Reserve `amount_nanos` with one conditional UPDATE (refused when balance - held < amount).

    With a `session_id` the session's spend cap is reserved against in the same transaction
    (spent + held + amount must stay within it). A repeated `request_id` returns the hold
    already made for it instead of holding twice.
    """
    validate_amount_nanos(amount_nanos)
    try:
        with transaction.atomic(durable=True):
            if session_id is not None:
                _session_reserve(session_id=session_id, amount_nanos=amount_nanos)
            reserved = Wallet.objects.filter(
                pk=wallet_id,
                status=Wallet.Status.ACTIVE,
                balance_nanos__gte=F("held_nanos") + amount_nanos,
            ).update(held_nanos=F("held_nanos") + amount_nanos)
            if reserved != 1:
                raise _wallet_refusal(wallet_id)
            organization_id = (
                Wallet.objects.filter(pk=wallet_id).values_list("organization_id", flat=True).get()
            )
            return Hold.objects.create(
                organization_id=organization_id,
                wallet_id=wallet_id,
                session_id=session_id,
                amount_nanos=amount_nanos,
                request_id=request_id,
                expires_at=_expiry(ttl_seconds),
            )
    except IntegrityError:
        if request_id is None:
            raise
        return Hold.objects.get(request_id=request_id)


def organization_hold_reserve(
    *,
    organization_id: str,
    livemode: bool,
    amount_nanos: int,
    request_id: str | None = None,
    ttl_seconds: int | None = None,
) -> Hold:
    """Reserve on an organization's credits, for its own (secret-key) traffic."""
    validate_amount_nanos(amount_nanos)
    account = account_for_organization(
        organization_id=organization_id, kind=LedgerAccount.Kind.ORG_CREDITS, livemode=livemode
    )
    try:
        with transaction.atomic(durable=True):
            reserved = LedgerAccount.objects.filter(
                pk=account.pk, balance_nanos__gte=F("held_nanos") + amount_nanos
            ).update(held_nanos=F("held_nanos") + amount_nanos)
            if reserved != 1:
                raise organization_refusal_error()
            return Hold.objects.create(
                organization_id=organization_id,
                account=account,
                amount_nanos=amount_nanos,
                request_id=request_id,
                expires_at=_expiry(ttl_seconds),
            )
    except IntegrityError:
        if request_id is None:
            raise
        return Hold.objects.get(request_id=request_id)


def _session_reserve(*, session_id: str, amount_nanos: int) -> None:
    reserved = (
        EmbeddedSession.objects.filter(
            pk=session_id, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .filter(
            Q(max_spend_nanos__isnull=True)
            | Q(max_spend_nanos__gte=F("spent_nanos") + F("held_nanos") + amount_nanos)
        )
        .update(held_nanos=F("held_nanos") + amount_nanos)
    )
    if reserved == 1:
        return
    session = EmbeddedSession.objects.filter(pk=session_id).first()
    if session is None:
        raise wallet_refusal_error(WalletRefusal(session_found=False))
    # Neither revoked nor expired: then it was the cap that refused.
    raise wallet_refusal_error(
        WalletRefusal(
            session_revoked=session.revoked_at is not None,
            session_expired=session.expires_at <= timezone.now(),
            over_spend_cap=True,
        )
    )


def _wallet_refusal(wallet_id: str) -> Exception:
    status = Wallet.objects.filter(pk=wallet_id).values_list("status", flat=True).first()
    return wallet_refusal_error(
        WalletRefusal(wallet_found=status is not None, wallet_frozen=status == Wallet.Status.FROZEN)
    )


def _session_finish(hold: Hold, *, held_part_nanos: int, charged_nanos: int) -> None:
    if hold.session_id is not None:
        EmbeddedSession.objects.filter(pk=hold.session_id).update(
            held_nanos=F("held_nanos") - held_part_nanos,
            spent_nanos=F("spent_nanos") + charged_nanos,
        )


def collectible_nanos(*, cost_nanos: int, balance_nanos: int, other_held_nanos: int) -> int:
    """What a settle can take from the payer: the cost, as far as the balance not reserved by
    the payer's other holds covers it. The balance may already be below its holds (a refund
    claimed held money, docs/billing.md): then less, or nothing, is collectible."""
    return max(0, min(cost_nanos, balance_nanos - other_held_nanos))


def wallet_hold_settle(*, hold_id: str, cost_nanos: int) -> SettleResult:
    """Charge the real cost of a request and release its hold, in one transaction.

    The charge is always `cost_nanos`, the upstream's reported usage, even past the hold: the
    payer pays what its balance (less its other holds) covers, and any remainder is booked to
    the `uncollected` account (docs/ledger.md) — never dropped. A hold that already expired
    (its request outlived the expiry task's patience) is still charged: its held amount was
    given back then, so only the balance is touched now.
    """
    if cost_nanos < 0:
        raise ValueError("cost_nanos must not be negative")
    with transaction.atomic(durable=True):
        hold = _lock_hold(hold_id, statuses=(Hold.Status.HELD, Hold.Status.EXPIRED))
        held_part = hold.amount_nanos if hold.status == Hold.Status.HELD else 0
        if hold.session_id is not None:
            list(
                EmbeddedSession.objects.select_for_update(no_key=True, of=("self",))
                .filter(pk=hold.session_id)
                .values("pk")
            )
        if hold.wallet_id is not None:
            holder = wallet_lock(wallet_id=hold.wallet_id)
            payer = account_for_wallet(wallet_id=holder.pk)
            holder_rows = Wallet.objects.filter(pk=holder.pk)
        else:
            holder = accounts_lock(account_ids=[hold.account_id])[hold.account_id]
            payer = holder
            holder_rows = LedgerAccount.objects.filter(pk=holder.pk)
        if held_part:
            holder_rows.update(held_nanos=F("held_nanos") - held_part)
        collected = collectible_nanos(
            cost_nanos=cost_nanos,
            balance_nanos=holder.balance_nanos,
            other_held_nanos=holder.held_nanos - held_part,
        )
        uncollected = cost_nanos - collected
        _session_finish(hold, held_part_nanos=held_part, charged_nanos=cost_nanos)
        txn = _post_usage(hold, payer=payer, cost_nanos=cost_nanos, collected_nanos=collected)
        if uncollected:
            logger.warning(
                "hold %s (request %s): usage of %d nanos exceeded what %s could cover; "
                "%d nanos booked to uncollected",
                hold.pk,
                hold.request_id,
                cost_nanos,
                payer,
                uncollected,
            )
        hold.status = Hold.Status.SETTLED
        hold.charged_nanos = cost_nanos
        hold.uncollected_nanos = uncollected
        hold.finished_at = timezone.now()
        hold.save(update_fields=["status", "charged_nanos", "uncollected_nanos", "finished_at"])
        return SettleResult(
            hold=hold,
            charged_nanos=cost_nanos,
            balance_nanos=holder.balance_nanos - collected,
            transaction=txn,
        )


def _post_usage(
    hold: Hold, *, payer: LedgerAccount, cost_nanos: int, collected_nanos: int
) -> LedgerTransaction | None:
    """The usage transaction: revenue gets the whole cost; the payer and `uncollected` share it."""
    if not cost_nanos:
        return None
    livemode = payer.livemode
    lines = [
        Line(payer, -collected_nanos),
        Line(
            account_for_system(kind=LedgerAccount.Kind.UNCOLLECTED, livemode=livemode),
            collected_nanos - cost_nanos,
        ),
        Line(
            account_for_system(kind=LedgerAccount.Kind.PLATFORM_USAGE_REVENUE, livemode=livemode),
            cost_nanos,
        ),
    ]
    txn, _ = ledger_post(
        kind=LedgerTransaction.Kind.USAGE,
        livemode=livemode,
        lines=[line for line in lines if line.amount_nanos],
        description="Model usage",
        metadata={"hold": hold.pk, "request": hold.request_id},
        organization_id=hold.organization_id,  # the payer's line is gone when it paid nothing
    )
    return txn


def wallet_hold_release(*, hold_id: str, status: str = Hold.Status.RELEASED) -> Hold:
    """Give a hold back without charging anything (upstream failed before any output)."""
    with transaction.atomic(durable=True):
        hold = _lock_hold(hold_id, statuses=(Hold.Status.HELD,))
        _session_finish(hold, held_part_nanos=hold.amount_nanos, charged_nanos=0)
        if hold.wallet_id is not None:
            Wallet.objects.filter(pk=hold.wallet_id).update(
                held_nanos=F("held_nanos") - hold.amount_nanos
            )
        else:
            LedgerAccount.objects.filter(pk=hold.account_id).update(
                held_nanos=F("held_nanos") - hold.amount_nanos
            )
        hold.status = status
        hold.finished_at = timezone.now()
        hold.save(update_fields=["status", "finished_at"])
        return hold


def _lock_hold(hold_id: str, *, statuses: tuple[str, ...]) -> Hold:
    hold = Hold.objects.select_for_update(no_key=True, of=("self",)).filter(pk=hold_id).first()
    if hold is None or hold.status not in statuses:
        raise finish_refusal_error(hold_found=hold is not None)
    return hold


def holds_extend(*, hold_ids: list[str], ttl_seconds: int | None = None) -> int:
    """Push back the expiry of holds whose requests are still running (a long stream must not
    be released under it); returns how many were still held."""
    if not hold_ids:
        return 0
    return Hold.objects.filter(pk__in=hold_ids, status=Hold.Status.HELD).update(
        expires_at=_expiry(ttl_seconds)
    )


def holds_release_expired(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Release holds whose request never settled (its process crashed); returns how many."""
    cutoff = now or timezone.now()
    expired_ids = list(
        Hold.objects.filter(status=Hold.Status.HELD, expires_at__lt=cutoff)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    released = 0
    for hold_id in expired_ids:
        try:
            wallet_hold_release(hold_id=hold_id, status=Hold.Status.EXPIRED)
        except HoldNotActive:
            continue  # settled by its own request a moment ago
        released += 1
    return released
