"""Top-up services: creating a top-up with its payment, and crediting it exactly once.

Flow (DESIGN.md §8): `topup_create` fixes the split and creates the provider's payment → the
provider confirms it (Stripe webhook through dj-stripe, or the simulated provider's endpoint,
billing/payment_events/) → the `billing.tasks.topup_credit` task runs
`topup_credit_from_payment_intent`, one durable transaction guarded by TopUpCredit's unique
payment intent → after commit the wallet's WebSocket group gets the new balance and
`wallet.credited` is delivered to the developer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import stripe_gateway
from billing.errors import PaymentProviderError, PaymentsNotConfigured, TopUpAmountOutOfRange
from billing.markup import NANOS_PER_CENT, topup_split
from billing.models import TopUp, TopUpCredit, TopUpReversal
from billing.services.limits import project_billing_limits
from billing.services.low_balance import low_balance_reset_if_above
from billing.services.reversals import topup_reversal_post
from billing.webhooks.events import webhook_event_emit
from llmgateway import ids
from llmgateway.models import Project
from llmgateway.money import nanos_to_usd
from payouts.services.ledger import margin_accounts_lock
from wallets.locks import wallet_lock
from wallets.models import LedgerAccount, LedgerTransaction, Wallet
from wallets.notify import wallet_balance_changed
from wallets.services import Line, account_for_organization, account_for_system, ledger_post
from wallets.services.accounts import account_for_wallet

logger = logging.getLogger(__name__)
Kind = LedgerAccount.Kind


# --- Providers and amounts ------------------------------------------------------------------


def payment_provider_for(*, livemode: bool) -> str | None:
    """Stripe when the mode's key is set; else the simulated provider in test mode only."""
    if stripe_gateway.stripe_enabled(livemode=livemode):
        return TopUp.Provider.STRIPE
    return None if livemode else TopUp.Provider.SIMULATED


def _validate_amount(*, project_id: str, amount_nanos: int) -> None:
    if amount_nanos % NANOS_PER_CENT:
        raise TopUpAmountOutOfRange("A top-up is a whole number of cents.", param="amount")
    limits = project_billing_limits(project_id=project_id)
    if not limits.min_nanos <= amount_nanos <= limits.max_nanos:
        raise TopUpAmountOutOfRange(
            f"A top-up is from {nanos_to_usd(limits.min_nanos)} to "
            f"{nanos_to_usd(limits.max_nanos)} USD.",
            param="amount",
        )


# --- Creating -------------------------------------------------------------------------------


def topup_create(*, project: Project, wallet_id: str, livemode: bool, amount_nanos: int) -> TopUp:
    """A pending top-up and its provider payment (a Stripe PaymentIntent, or a simulated one)."""
    _validate_amount(project_id=project.pk, amount_nanos=amount_nanos)
    provider = payment_provider_for(livemode=livemode)
    if provider is None:
        raise PaymentsNotConfigured()
    fee_percent = Decimal(settings.PLATFORM_FEE_PERCENT)
    split = topup_split(
        amount_nanos=amount_nanos, markup_percent=project.markup_percent, fee_percent=fee_percent
    )
    topup = TopUp.objects.create(
        organization_id=project.organization_id,
        project=project,
        wallet_id=wallet_id,
        livemode=livemode,
        provider=provider,
        amount_nanos=split.amount_nanos,
        fee_nanos=split.fee_nanos,
        total_nanos=split.total_nanos,
        net_nanos=split.net_nanos,
        margin_nanos=split.margin_nanos,
        markup_percent=project.markup_percent,
        fee_percent=fee_percent,
    )
    if provider == TopUp.Provider.SIMULATED:
        topup.payment_intent_id = f"simpi_{topup.pk}"
        topup.client_secret = f"{topup.payment_intent_id}_secret_{ids.random_string(24)}"
    else:
        try:
            # The network call runs outside any transaction; the top-up id as idempotency key
            # makes a retried create return the same PaymentIntent.
            intent = stripe_gateway.payment_intent_create(
                livemode=livemode,
                amount_cents=split.total_cents,
                metadata=_payment_metadata(topup),
                idempotency_key=f"topup-{topup.pk}",
            )
        except stripe_gateway.StripeUnavailable as error:
            TopUp.objects.filter(pk=topup.pk).update(
                status=TopUp.Status.FAILED, failure_message=str(error)[:500]
            )
            raise PaymentProviderError() from error
        topup.payment_intent_id = intent.id
        topup.client_secret = intent.client_secret
    topup.save(update_fields=["payment_intent_id", "client_secret", "updated_at"])
    return topup


def _payment_metadata(topup: TopUp) -> dict[str, str]:
    """Stripe metadata values are strings; the split is in nanos so it reads back exactly."""
    return {
        "topup_id": topup.pk,
        "wallet_id": topup.wallet_id,
        "project_id": topup.project_id,
        # Where the payment's books are: a webhook can find its top-up on the organization's
        # shard once the books are split (docs/deploy.md, "Past one primary").
        "organization_id": topup.organization_id,
        "amount_nanos": str(topup.amount_nanos),
        "fee_nanos": str(topup.fee_nanos),
        "net_nanos": str(topup.net_nanos),
        "margin_nanos": str(topup.margin_nanos),
    }


# --- Crediting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditResult:
    topup_id: str
    # False: credited before (a re-delivered event), or refunded before the payment landed
    # (then `reversed` is True: the credit was posted and reversed at once, nothing kept).
    credited: bool
    reversed: bool = False


def topup_credit_from_payment_intent(
    *,
    payment_intent_id: str,
    livemode: bool,
    amount_received_cents: int | None = None,
    charge_id: str = "",
    event_id: str = "",
) -> CreditResult | None:
    """Credit the top-up paid by this payment intent, once however often it is called.

    Returns None (and credits nothing) for a payment that is not one of our top-ups, is in the
    other mode, or received a different amount than the top-up charges. A top-up refunded (or
    its dispute lost) before its payment landed is credited and reversed in one transaction.
    """
    with transaction.atomic(durable=True):
        # The row lock (lock order step 1, wallets/locks.py) orders concurrent deliveries of the
        # same payment, and a refund of it, one after another; the unique
        # TopUpCredit.payment_intent_id is the guarantee against a double credit even without it.
        topup = (
            TopUp.objects.select_for_update(no_key=True, of=("self",))
            .select_related("project")
            .filter(payment_intent_id=payment_intent_id, livemode=livemode)
            .first()
        )
        if topup is None:
            logger.warning("payment %s is not a top-up in this mode; ignored", payment_intent_id)
            return None
        if TopUpCredit.objects.filter(payment_intent_id=payment_intent_id).exists():
            return CreditResult(topup_id=topup.pk, credited=False)
        expected_cents = topup.total_nanos // NANOS_PER_CENT
        if amount_received_cents is not None and amount_received_cents != expected_cents:
            logger.error(
                "payment %s received %s cents, top-up %s charges %s; not credited",
                payment_intent_id,
                amount_received_cents,
                topup.pk,
                expected_cents,
            )
            return None
        early_reversal = TopUpReversal.objects.filter(topup=topup).first()
        if early_reversal is not None:
            # The reversal takes the wallet and the margin rows too: lock them now, in the lock
            # order, before the credit's own updates would take the wallet and the margin alone.
            wallet_lock(wallet_id=topup.wallet_id)
            margin_accounts_lock(organization_id=topup.organization_id, livemode=topup.livemode)
        try:
            with transaction.atomic():
                txn, created = ledger_post(
                    kind=LedgerTransaction.Kind.TOPUP,
                    livemode=livemode,
                    lines=_credit_lines(topup),
                    idempotency_key=f"topup-credit:{payment_intent_id}",
                    description=f"Top-up {topup.pk}",
                    metadata={"topup_id": topup.pk, "payment_intent_id": payment_intent_id},
                    organization_id=topup.organization_id,
                )
                if not created:
                    return CreditResult(topup_id=topup.pk, credited=False)
                TopUpCredit.objects.create(
                    organization_id=topup.organization_id,
                    payment_intent_id=payment_intent_id,
                    topup=topup,
                    ledger_transaction=txn,
                    source_event_id=event_id[:255],
                )
        except IntegrityError:
            return CreditResult(topup_id=topup.pk, credited=False)

        topup.credited_at = timezone.now()
        topup.failure_message = ""
        if charge_id:
            topup.charge_id = charge_id
        if early_reversal is not None:
            topup_reversal_post(topup=topup, reversal=early_reversal)
            early_reversal.save()
            topup.save(update_fields=["credited_at", "failure_message", "charge_id", "updated_at"])
            logger.warning(
                "top-up %s was %s before its payment landed: credited and reversed at once",
                topup.pk,
                early_reversal.reason,
            )
            return CreditResult(topup_id=topup.pk, credited=False, reversed=True)
        topup.status = TopUp.Status.SUCCEEDED
        topup.save(update_fields=["status", "credited_at", "failure_message", "charge_id"])
        wallet = Wallet.objects.select_related("customer").get(pk=topup.wallet_id)
        low_balance_reset_if_above(wallet=wallet)
        webhook_event_emit(
            project_id=topup.project_id,
            livemode=livemode,
            type="wallet.credited",
            data={
                "walletId": wallet.pk,
                "customerId": wallet.customer_id,
                "customerExternalId": wallet.customer.external_id,
                "topUpId": topup.pk,
                "amount": nanos_to_usd(topup.amount_nanos),
                "netCredit": nanos_to_usd(topup.net_nanos),
                "balance": nanos_to_usd(wallet.balance_nanos),
            },
        )
        wallet_balance_changed(wallet_id=wallet.pk)
    return CreditResult(topup_id=topup.pk, credited=True)


def _credit_lines(topup: TopUp) -> list[Line]:
    """payment clearing -total; wallet +net; organization margin +markup; platform fees +fee."""
    organization_id = topup.organization_id
    lines = [
        Line(
            account_for_system(kind=Kind.PAYMENT_CLEARING, livemode=topup.livemode),
            -topup.total_nanos,
        ),
        Line(account_for_wallet(wallet_id=topup.wallet_id), topup.net_nanos),
        Line(
            account_for_organization(
                organization_id=organization_id, kind=Kind.ORG_MARGIN, livemode=topup.livemode
            ),
            topup.margin_nanos,
        ),
        Line(account_for_system(kind=Kind.PLATFORM_FEES, livemode=topup.livemode), topup.fee_nanos),
    ]
    return [line for line in lines if line.amount_nanos]


def topup_mark_failed(*, payment_intent_id: str, livemode: bool, message: str = "") -> bool:
    """A declined payment: the pending top-up becomes failed (a credited one never does)."""
    updated = TopUp.objects.filter(
        payment_intent_id=payment_intent_id, livemode=livemode, status=TopUp.Status.PENDING
    ).update(status=TopUp.Status.FAILED, failure_message=message[:500], updated_at=timezone.now())
    return bool(updated)
