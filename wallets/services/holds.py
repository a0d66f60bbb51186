"""Holds: reserve worst-case spend before an upstream call, settle or release it after.

A hold reserves on an end user's wallet (browser traffic, optionally also against its session's
spend cap) or on an organization's credits account (secret-key traffic). Lock order everywhere:
hold, then session, then wallet or account — reserve takes session, then wallet or account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from llmgateway.errors import NotFound
from sessions_app.errors import SessionExpired, SessionRevoked, SpendCapExceeded
from sessions_app.models import EmbeddedSession
from wallets.errors import (
    HoldNotActive,
    InsufficientBalance,
    InsufficientOrganizationCredits,
    WalletFrozen,
)
from wallets.models import Hold, LedgerAccount, LedgerTransaction, Wallet
from wallets.services.accounts import (
    account_for_organization,
    account_for_system,
    account_for_wallet,
)
from wallets.services.ledger import Line, ledger_post, validate_amount_nanos


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
            return Hold.objects.create(
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
                raise InsufficientOrganizationCredits()
            return Hold.objects.create(
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
        raise NotFound("No such session.")
    if session.revoked_at is not None:
        raise SessionRevoked()
    if session.expires_at <= timezone.now():
        raise SessionExpired()
    raise SpendCapExceeded()


def _wallet_refusal(wallet_id: str) -> Exception:
    status = Wallet.objects.filter(pk=wallet_id).values_list("status", flat=True).first()
    if status is None:
        return NotFound("No such wallet.")
    if status == Wallet.Status.FROZEN:
        return WalletFrozen()
    return InsufficientBalance()


def _session_finish(hold: Hold, charged_nanos: int) -> None:
    if hold.session_id is not None:
        EmbeddedSession.objects.filter(pk=hold.session_id).update(
            held_nanos=F("held_nanos") - hold.amount_nanos,
            spent_nanos=F("spent_nanos") + charged_nanos,
        )


def wallet_hold_settle(*, hold_id: str, cost_nanos: int) -> SettleResult:
    """Charge the real cost of a held request and release its hold, in one transaction.

    The hold was the worst case, so the charge is capped at the hold; it is also capped at the
    balance in case a refund clawed money back while the request ran.
    """
    if cost_nanos < 0:
        raise ValueError("cost_nanos must not be negative")
    with transaction.atomic(durable=True):
        hold = _lock_active_hold(hold_id)
        if hold.session_id is not None:
            list(
                EmbeddedSession.objects.select_for_update().filter(pk=hold.session_id).values("pk")
            )
        if hold.wallet_id is not None:
            holder = Wallet.objects.select_for_update().get(pk=hold.wallet_id)
            payer = account_for_wallet(wallet_id=holder.pk)
            Wallet.objects.filter(pk=holder.pk).update(
                held_nanos=F("held_nanos") - hold.amount_nanos
            )
        else:
            holder = LedgerAccount.objects.select_for_update().get(pk=hold.account_id)
            payer = holder
            LedgerAccount.objects.filter(pk=holder.pk).update(
                held_nanos=F("held_nanos") - hold.amount_nanos
            )
        available = holder.balance_nanos - (holder.held_nanos - hold.amount_nanos)
        charged = max(0, min(cost_nanos, hold.amount_nanos, available))
        _session_finish(hold, charged)
        txn = None
        if charged:
            revenue = account_for_system(
                kind=LedgerAccount.Kind.PLATFORM_USAGE_REVENUE, livemode=payer.livemode
            )
            txn, _ = ledger_post(
                kind=LedgerTransaction.Kind.USAGE,
                livemode=payer.livemode,
                lines=[Line(payer, -charged), Line(revenue, charged)],
                description="Model usage",
                metadata={"hold": hold.pk, "request": hold.request_id},
            )
        hold.status = Hold.Status.SETTLED
        hold.charged_nanos = charged
        hold.finished_at = timezone.now()
        hold.save(update_fields=["status", "charged_nanos", "finished_at"])
        return SettleResult(
            hold=hold,
            charged_nanos=charged,
            balance_nanos=holder.balance_nanos - charged,
            transaction=txn,
        )


def wallet_hold_release(*, hold_id: str, status: str = Hold.Status.RELEASED) -> Hold:
    """Give a hold back without charging anything (upstream failed before any output)."""
    with transaction.atomic(durable=True):
        hold = _lock_active_hold(hold_id)
        _session_finish(hold, 0)
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


def _lock_active_hold(hold_id: str) -> Hold:
    hold = Hold.objects.select_for_update().filter(pk=hold_id).first()
    if hold is None:
        raise NotFound("No such hold.")
    if hold.status != Hold.Status.HELD:
        raise HoldNotActive()
    return hold


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
