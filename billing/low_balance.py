"""`wallet.low_balance`: sent once each time a wallet's balance crosses below its threshold.

Whatever lowers a balance (spend settling, a refund reversal) calls `wallet_low_balance_observe`
after its commit (the `billing.tasks.wallet_low_balance_check` task); a credit that lifts the
balance back to or above the threshold re-arms the notice.
"""

from __future__ import annotations

from django.db import transaction

from billing.models_topups import WalletLowBalanceState
from llmgateway.money import nanos_to_usd
from wallets.models import Wallet


def _threshold_nanos(wallet: Wallet) -> int:
    from billing.topups import project_billing_limits

    return project_billing_limits(project_id=wallet.customer.project_id).low_balance_threshold_nanos


def low_balance_reset_if_above(*, wallet: Wallet) -> None:
    """Inside the caller's transaction: re-arm the notice once the balance is back up."""
    if wallet.balance_nanos >= _threshold_nanos(wallet):
        WalletLowBalanceState.objects.filter(wallet=wallet, below_threshold=True).update(
            below_threshold=False
        )


def wallet_low_balance_observe(*, wallet_id: str) -> bool:
    """Emit `wallet.low_balance` if the wallet just went below its threshold; True if it did."""
    from billing.webhooks_out import webhook_event_emit

    with transaction.atomic():
        wallet = Wallet.objects.select_related("customer").filter(pk=wallet_id).first()
        if wallet is None:
            return False
        threshold = _threshold_nanos(wallet)
        if wallet.balance_nanos >= threshold:
            low_balance_reset_if_above(wallet=wallet)
            return False
        WalletLowBalanceState.objects.get_or_create(wallet=wallet)
        # The conditional UPDATE is the "once per crossing" guard under concurrent observers.
        crossed = WalletLowBalanceState.objects.filter(wallet=wallet, below_threshold=False).update(
            below_threshold=True
        )
        if not crossed:
            return False
        webhook_event_emit(
            project_id=wallet.customer.project_id,
            livemode=wallet.livemode,
            type="wallet.low_balance",
            data={
                "walletId": wallet.pk,
                "customerId": wallet.customer_id,
                "customerExternalId": wallet.customer.external_id,
                "balance": nanos_to_usd(wallet.balance_nanos),
                "threshold": nanos_to_usd(threshold),
            },
        )
    return True
