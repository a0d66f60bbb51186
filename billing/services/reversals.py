"""Taking a top-up back after a refund or a lost dispute, once, whenever the event arrives.

The reversal returns the top-up's total to payment clearing. It comes from, in order: the
wallet (its whole balance up to the net credit, money held by in-flight requests included), the
platform fee, the organization (the markup plus whatever of the credit was already spent): its
available margin, then margin reserved by payouts not yet transferred, and platform losses for
any remainder. A refund that arrives before the credit is recorded and reversed by the credit
itself. docs/billing.md explains the policy; wallets/locks.py the lock order followed here.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q

from billing import tasks
from billing.models import TopUp, TopUpCredit, TopUpReversal
from billing.webhooks.events import webhook_event_emit
from llmgateway.money import nanos_to_usd
from payouts.services.ledger import margin_accounts_lock
from payouts.services.refunds import payouts_reduce_for_refund
from wallets.locks import wallet_lock
from wallets.models import LedgerAccount, LedgerTransaction, Wallet
from wallets.notify import wallet_balance_changed
from wallets.services import Line, account_for_system, ledger_post
from wallets.services.accounts import account_for_wallet

logger = logging.getLogger(__name__)
Kind = LedgerAccount.Kind


def topup_reverse(
    *,
    livemode: bool,
    reason: str,
    source_id: str = "",
    payment_intent_id: str = "",
    charge_id: str = "",
) -> TopUpReversal | None:
    """Reverse the top-up paid by this payment intent (or charge); None if there is nothing to
    reverse (not ours, or already reversed).

    A top-up not credited yet gets its reversal recorded unposted: its credit, when it lands,
    is reversed in the same transaction (`topup_credit_from_payment_intent`).
    """
    match = Q(payment_intent_id=payment_intent_id) if payment_intent_id else Q(pk__in=[])
    if charge_id:
        match |= Q(charge_id=charge_id)
    with transaction.atomic(durable=True):
        # Lock order step 1, the document; its project is only read (wallets/locks.py).
        topup = (
            TopUp.objects.select_for_update(no_key=True, of=("self",))
            .select_related("project")
            .filter(match, livemode=livemode)
            .first()
        )
        if topup is None:
            logger.warning("%s %s matches no top-up in this mode; ignored", reason, source_id)
            return None
        if TopUpReversal.objects.filter(topup=topup).exists():
            return None
        reversal = TopUpReversal(
            organization_id=topup.organization_id,
            topup=topup,
            reason=reason,
            source_id=source_id[:255],
        )
        credited = TopUpCredit.objects.filter(topup=topup).exists()
        if credited:
            topup_reversal_post(topup=topup, reversal=reversal)
        else:
            logger.warning(
                "%s of top-up %s arrived before its credit: recorded, the credit will be "
                "reversed when it lands",
                reason,
                topup.pk,
            )
        reversal.save()
        topup.status = (
            TopUp.Status.REFUNDED
            if reason == TopUpReversal.Reason.REFUND
            else TopUp.Status.DISPUTE_LOST
        )
        topup.save(update_fields=["status", "updated_at"])
        wallet = Wallet.objects.select_related("customer").get(pk=topup.wallet_id)
        webhook_event_emit(
            project_id=topup.project_id,
            livemode=livemode,
            type="wallet.refunded",
            data={
                "walletId": wallet.pk,
                "customerId": wallet.customer_id,
                "customerExternalId": wallet.customer.external_id,
                "topUpId": topup.pk,
                "reason": reason,
                "amount": nanos_to_usd(topup.amount_nanos),
                "debited": nanos_to_usd(reversal.from_wallet_nanos),
                "balance": nanos_to_usd(wallet.balance_nanos),
            },
        )
        if credited:
            wallet_balance_changed(wallet_id=wallet.pk)
            tasks.wallet_low_balance_check.delay_on_commit(wallet_id=wallet.pk)
    return reversal


def topup_reversal_post(*, topup: TopUp, reversal: TopUpReversal) -> None:
    """Post the reversal of a credited top-up and fill in where its money came from.

    Runs inside the caller's transaction, which holds the top-up's row (lock order step 1);
    locks the wallet, then the organization's margin rows, then its open payouts. The caller
    saves `reversal`.
    """
    livemode = topup.livemode
    organization_id = topup.organization_id
    wallet = wallet_lock(wallet_id=topup.wallet_id)
    margin, _ = margin_accounts_lock(organization_id=organization_id, livemode=livemode)

    # The whole balance, held money included: held money of a refunded credit is claimed, so
    # releasing the hold frees nothing and its settle collects only what is left.
    from_wallet = min(topup.net_nanos, wallet.balance_nanos)
    owed_by_organization = topup.margin_nanos + topup.net_nanos - from_wallet
    from_margin = min(owed_by_organization, margin.balance_nanos)
    from_reserved = 0
    if owed_by_organization > from_margin:
        reduction = payouts_reduce_for_refund(
            organization_id=organization_id,
            livemode=livemode,
            amount_nanos=owed_by_organization - from_margin,
            topup_id=topup.pk,
        )
        from_reserved = reduction.taken_nanos
    loss = topup.total_nanos - topup.fee_nanos - from_wallet - from_margin - from_reserved
    lines = [
        Line(account_for_system(kind=Kind.PAYMENT_CLEARING, livemode=livemode), topup.total_nanos),
        Line(account_for_wallet(wallet_id=wallet.pk), -from_wallet, may_take_held=True),
        Line(account_for_system(kind=Kind.PLATFORM_FEES, livemode=livemode), -topup.fee_nanos),
        # What payouts gave up is back in available margin (payouts_reduce_for_refund).
        Line(margin, -(from_margin + from_reserved)),
        Line(account_for_system(kind=Kind.PLATFORM_LOSSES, livemode=livemode), -loss),
    ]
    txn, _ = ledger_post(
        kind=LedgerTransaction.Kind.REFUND,
        livemode=livemode,
        lines=[line for line in lines if line.amount_nanos],
        idempotency_key=f"topup-reversal:{topup.pk}",
        description=f"{reversal.reason.replace('_', ' ').capitalize()} of top-up {topup.pk}",
        metadata={"topup_id": topup.pk, "source_id": reversal.source_id},
        # A refund the wallet and the margin could not cover at all has no line of theirs.
        organization_id=organization_id,
    )
    reversal.ledger_transaction = txn
    reversal.from_wallet_nanos = from_wallet
    reversal.from_margin_nanos = from_margin
    reversal.from_reserved_nanos = from_reserved
    reversal.from_fees_nanos = topup.fee_nanos
    reversal.loss_nanos = loss
