"""`wallet.low_balance`: sent once each time a wallet's balance crosses below its threshold.

A credit arms the notice (and re-arms it once the balance is back to the threshold or above).
Whatever lowers a balance may queue `billing.tasks.wallet_low_balance_check` after its commit (a
refund reversal does); the periodic `billing.tasks.wallets_low_balance_scan` catches the rest,
such as spend settled on the hot path.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from billing.models import ProjectBillingSettings, WalletLowBalanceState
from billing.services.limits import project_billing_limits
from billing.webhooks.events import webhook_event_emit
from llmgateway.money import nanos_to_usd, usd_to_nanos
from wallets.models import Wallet


def _threshold_nanos(wallet: Wallet) -> int:
    return project_billing_limits(project_id=wallet.customer.project_id).low_balance_threshold_nanos


def low_balance_reset_if_above(*, wallet: Wallet) -> None:
    """Inside the caller's transaction: arm (or re-arm) the notice once the balance is up."""
    if wallet.balance_nanos >= _threshold_nanos(wallet):
        _, created = WalletLowBalanceState.objects.get_or_create(wallet=wallet)
        if not created:
            WalletLowBalanceState.objects.filter(wallet=wallet, below_threshold=True).update(
                below_threshold=False
            )


def wallets_low_balance_scan() -> int:
    """Periodic: observe every armed wallet whose balance may be under its threshold.

    Spend settles on the hot path, which should not pay for this check; the scan touches only
    wallets armed by a credit (so empty wallets that never had money are not "low") and with a
    balance under the largest threshold in force. Returns how many notices were sent.
    """
    default = usd_to_nanos(settings.LOW_BALANCE_THRESHOLD_USD)
    overrides = ProjectBillingSettings.objects.filter(
        low_balance_threshold_nanos__isnull=False
    ).values_list("low_balance_threshold_nanos", flat=True)
    bound = max([default, *overrides])
    candidates = WalletLowBalanceState.objects.filter(
        below_threshold=False, wallet__balance_nanos__lt=bound
    ).values_list("wallet_id", flat=True)
    # wallet_low_balance_observe checks each wallet's own project threshold exactly.
    return sum(wallet_low_balance_observe(wallet_id=wallet_id) for wallet_id in candidates)


def wallet_low_balance_observe(*, wallet_id: str) -> bool:
    """Emit `wallet.low_balance` if the wallet just went below its threshold; True if it did."""
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
