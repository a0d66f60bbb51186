"""Taking a credited top-up back after a refund or a lost dispute, once.

The reversal returns the top-up's total to payment clearing. It comes from, in order: the
wallet (what is still available, up to the net credit), the platform fee, the organization's
margin (the markup plus whatever the wallet had already spent, as far as the margin covers it),
and platform losses for any remainder. docs/billing.md explains the policy.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import Q

from billing.models_topups import TopUp, TopUpReversal
from llmgateway.money import nanos_to_usd
from wallets.models import LedgerAccount, LedgerTransaction, Wallet
from wallets.services import Line, account_for_organization, account_for_system, ledger_post
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
    """Reverse the credited top-up paid by this payment intent (or charge); None if there is
    nothing to reverse (not ours, never credited, or already reversed)."""
    from billing import tasks
    from billing.topups import wallet_balance_push
    from billing.webhooks_out import webhook_event_emit

    match = Q(payment_intent_id=payment_intent_id) if payment_intent_id else Q(pk__in=[])
    if charge_id:
        match |= Q(charge_id=charge_id)
    with transaction.atomic(durable=True):
        topup = (
            TopUp.objects.select_for_update()
            .select_related("project")
            .filter(match, livemode=livemode)
            .first()
        )
        if topup is None or not hasattr(topup, "credit"):
            logger.warning("%s %s matches no credited top-up; ignored", reason, source_id)
            return None
        if TopUpReversal.objects.filter(topup=topup).exists():
            return None
        # Lock order as in ledger_post: the wallet row, then the organization's account.
        wallet = (
            Wallet.objects.select_for_update().select_related("customer").get(pk=topup.wallet_id)
        )
        margin_account = account_for_organization(
            organization_id=topup.project.organization_id, kind=Kind.ORG_MARGIN, livemode=livemode
        )
        margin_account = LedgerAccount.objects.select_for_update().get(pk=margin_account.pk)

        from_wallet = min(topup.net_nanos, max(wallet.available_nanos, 0))
        spent = topup.net_nanos - from_wallet
        from_margin = min(topup.margin_nanos + spent, margin_account.balance_nanos or 0)
        loss = topup.total_nanos - topup.fee_nanos - from_wallet - from_margin
        lines = [
            Line(
                account_for_system(kind=Kind.PAYMENT_CLEARING, livemode=livemode), topup.total_nanos
            ),
            Line(account_for_wallet(wallet_id=wallet.pk), -from_wallet),
            Line(account_for_system(kind=Kind.PLATFORM_FEES, livemode=livemode), -topup.fee_nanos),
            Line(margin_account, -from_margin),
            Line(account_for_system(kind=Kind.PLATFORM_LOSSES, livemode=livemode), -loss),
        ]
        try:
            with transaction.atomic():
                txn, created = ledger_post(
                    kind=LedgerTransaction.Kind.REFUND,
                    livemode=livemode,
                    lines=[line for line in lines if line.amount_nanos],
                    idempotency_key=f"topup-reversal:{topup.pk}",
                    description=f"{reason.replace('_', ' ').capitalize()} of top-up {topup.pk}",
                    metadata={"topup_id": topup.pk, "source_id": source_id},
                )
                if not created:
                    return None
                reversal = TopUpReversal.objects.create(
                    topup=topup,
                    reason=reason,
                    source_id=source_id[:255],
                    ledger_transaction=txn,
                    from_wallet_nanos=from_wallet,
                    from_margin_nanos=from_margin,
                    from_fees_nanos=topup.fee_nanos,
                    loss_nanos=loss,
                )
        except IntegrityError:
            return None
        topup.status = (
            TopUp.Status.REFUNDED
            if reason == TopUpReversal.Reason.REFUND
            else TopUp.Status.DISPUTE_LOST
        )
        topup.save(update_fields=["status", "updated_at"])
        wallet.refresh_from_db(fields=["balance_nanos"])
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
                "debited": nanos_to_usd(from_wallet),
                "balance": nanos_to_usd(wallet.balance_nanos),
            },
        )
        transaction.on_commit(lambda: wallet_balance_push(wallet_id=wallet.pk))
        tasks.wallet_low_balance_check.delay_on_commit(wallet_id=wallet.pk)
    return reversal
