"""Top-ups (buying wallet credits), their crediting and reversal guards, per-project limits."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from llmgateway import ids
from llmgateway.choices import TextChoices
from llmgateway.models import Project
from wallets.models import LedgerTransaction, Wallet, organization_key


# A default callable for the id field (migrations need an importable name).
def new_topup_id() -> str:
    return ids.prefixed_id("tu")


class ProjectBillingSettings(models.Model):
    """Per-project overrides of the operator's top-up limits and the low-balance threshold.

    A NULL column means "use the setting" (TOPUP_MIN_USD, TOPUP_MAX_USD,
    LOW_BALANCE_THRESHOLD_USD).
    """

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="billing_settings"
    )
    topup_min_nanos = models.BigIntegerField(null=True, blank=True)
    topup_max_nanos = models.BigIntegerField(null=True, blank=True)
    low_balance_threshold_nanos = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "project billing settings"
        verbose_name_plural = "project billing settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(topup_min_nanos__isnull=True) | Q(topup_min_nanos__gt=0),
                name="projectbilling_topup_min_gt_0",
            ),
            models.CheckConstraint(
                condition=Q(topup_max_nanos__isnull=True) | Q(topup_max_nanos__gt=0),
                name="projectbilling_topup_max_gt_0",
            ),
            models.CheckConstraint(
                condition=Q(low_balance_threshold_nanos__isnull=True)
                | Q(low_balance_threshold_nanos__gte=0),
                name="projectbilling_low_balance_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"billing settings of {self.project_id}"


class TopUp(models.Model):
    """One purchase of wallet credits: the split is fixed when it is created (DESIGN.md §3)."""

    class Provider(TextChoices):
        STRIPE = "stripe"
        SIMULATED = "simulated"

    class Status(TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        REFUNDED = "refunded"
        DISPUTE_LOST = "dispute_lost"

    id = models.CharField(primary_key=True, max_length=40, default=new_topup_id)
    organization = organization_key()
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="topups")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="topups")
    livemode = models.BooleanField()
    provider = models.CharField(max_length=20, choices=Provider.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    amount_nanos = models.BigIntegerField(help_text="What the end user buys (before the fee).")
    fee_nanos = models.BigIntegerField(help_text="Platform fee, added on top of the amount.")
    total_nanos = models.BigIntegerField(help_text="What the card is charged: amount + fee.")
    net_nanos = models.BigIntegerField(help_text="What the wallet is credited.")
    margin_nanos = models.BigIntegerField(help_text="The organization's markup: amount - net.")
    markup_percent = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    fee_percent = models.DecimalField(max_digits=9, decimal_places=4, default=Decimal("0"))
    # The provider's payment: a Stripe PaymentIntent id, or "simpi_…" for the simulated one.
    payment_intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    client_secret = models.CharField(max_length=255, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    credited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "top-up"
        constraints = [
            models.CheckConstraint(condition=Q(amount_nanos__gt=0), name="topup_amount_gt_0"),
            models.CheckConstraint(condition=Q(fee_nanos__gte=0), name="topup_fee_gte_0"),
            models.CheckConstraint(condition=Q(net_nanos__gte=0), name="topup_net_gte_0"),
            models.CheckConstraint(condition=Q(margin_nanos__gte=0), name="topup_margin_gte_0"),
            models.CheckConstraint(
                condition=Q(amount_nanos=F("net_nanos") + F("margin_nanos")),
                name="topup_net_plus_margin_is_amount",
            ),
            models.CheckConstraint(
                condition=Q(total_nanos=F("amount_nanos") + F("fee_nanos")),
                name="topup_total_is_amount_plus_fee",
            ),
        ]

    def __str__(self) -> str:
        return self.id


class TopUpCredit(models.Model):
    """The crediting of one payment. Its unique payment intent is what makes crediting once-only:
    Stripe de-duplicates by event id, but one payment intent can arrive under several events."""

    payment_intent_id = models.CharField(max_length=255, unique=True)
    organization = organization_key()
    topup = models.OneToOneField(TopUp, on_delete=models.PROTECT, related_name="credit")
    ledger_transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="topup_credit"
    )
    source_event_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"credit of {self.topup_id}"


class TopUpReversal(models.Model):
    """A refund or lost dispute taking a top-up back; one per top-up, ever.

    A reversal that arrives before the top-up is credited (Stripe does not deliver events in
    order) is recorded with no ledger transaction; the credit, when it lands, posts and reverses
    in one transaction (billing.services.topups), so nothing of a refunded payment is ever kept.
    """

    class Reason(TextChoices):
        REFUND = "refund"
        DISPUTE_LOST = "dispute_lost"

    organization = organization_key()
    topup = models.OneToOneField(TopUp, on_delete=models.PROTECT, related_name="reversal")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    source_id = models.CharField(max_length=255, blank=True, help_text="Charge or dispute id.")
    # NULL while the reversal waits for the credit it reverses.
    ledger_transaction = models.OneToOneField(
        LedgerTransaction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="topup_reversal",
    )
    # Where the refunded total came back from (once posted they sum to the top-up's total).
    from_wallet_nanos = models.BigIntegerField(default=0)
    from_margin_nanos = models.BigIntegerField(
        default=0, help_text="From the organization's available margin."
    )
    from_reserved_nanos = models.BigIntegerField(
        default=0, help_text="From margin reserved by payouts not yet transferred."
    )
    from_fees_nanos = models.BigIntegerField(default=0)
    loss_nanos = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.reason} of {self.topup_id}"

    @property
    def posted(self) -> bool:
        return self.ledger_transaction_id is not None


class WalletLowBalanceState(models.Model):
    """Whether `wallet.low_balance` was sent for the wallet's current stay below the threshold."""

    wallet = models.OneToOneField(
        Wallet, on_delete=models.CASCADE, primary_key=True, related_name="low_balance_state"
    )
    below_threshold = models.BooleanField(default=False)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.wallet_id}: {'below' if self.below_threshold else 'above'}"
