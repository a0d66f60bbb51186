"""Stripe Connect accounts of organizations, their payout settings, and margin payouts."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Mod
from django.db.models.lookups import Exact

from llmgateway import ids
from llmgateway.choices import TextChoices
from llmgateway.models import Organization, Project

NANOS_PER_CENT = 10_000_000


# Default callables for model fields (migrations need importable names).
def new_payout_id() -> str:
    return ids.prefixed_id("po")


class ConnectedAccount(models.Model):
    """The organization's Stripe Connect Express account, per mode; kept current by
    `account.updated` webhooks."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="connected_accounts"
    )
    livemode = models.BooleanField()
    stripe_account_id = models.CharField(max_length=255, unique=True)
    details_submitted = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    charges_enabled = models.BooleanField(default=False)
    # `created` of the newest account.updated event applied: an older one arriving late is
    # ignored (Stripe does not deliver events in order).
    stripe_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "livemode"], name="connectedaccount_one_per_org_mode"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stripe_account_id} ({'live' if self.livemode else 'test'})"


class PayoutSettings(models.Model):
    """Per-organization automatic payouts. Without a row: on, at PAYOUT_AUTO_THRESHOLD_USD."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="payout_settings"
    )
    automatic_payouts_enabled = models.BooleanField(default=True)
    # NULL: the operator's default (PAYOUT_AUTO_THRESHOLD_USD, $25).
    automatic_threshold_nanos = models.BigIntegerField(
        null=True, blank=True, help_text="nano-USD; empty means the default ($25)"
    )

    class Meta:
        verbose_name = "payout settings"
        verbose_name_plural = "payout settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(automatic_threshold_nanos__isnull=True)
                | Q(automatic_threshold_nanos__gt=0),
                name="payoutsettings_threshold_gt_0",
            )
        ]

    def __str__(self) -> str:
        return f"payout settings of {self.organization_id}"


class Payout(models.Model):
    """Margin paid to the organization's connected account by one Stripe transfer.

    pending (reserved) → processing (the transfer is being made) → paid | failed;
    pending → canceled (by an operator, or by the refund of a top-up whose margin it reserved; a
    refund may also shrink a pending payout). The reservation moves org_margin →
    org_margin_reserved when the payout is created; paid moves it on to payouts_in_transit,
    failed and canceled give it back.
    """

    class Status(TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        PAID = "paid"
        FAILED = "failed"
        CANCELED = "canceled"

    class Trigger(TextChoices):
        API = "api"
        AUTOMATIC = "automatic"
        DASHBOARD = "dashboard"

    id = models.CharField(primary_key=True, max_length=40, default=new_payout_id)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="payouts")
    livemode = models.BooleanField()
    connected_account = models.ForeignKey(
        ConnectedAccount, on_delete=models.PROTECT, related_name="payouts"
    )
    # Who asked: the project whose key called the API, or the dashboard member (NULL for
    # automatic payouts).
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.API)
    amount_nanos = models.BigIntegerField()
    # What the caller asked for (NULL: "everything available"), to refuse a reused
    # idempotency key with another amount.
    requested_amount_nanos = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    # Scoped to the organization (the margin's owner), whichever project or member sent it.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    # Sent to Stripe with the transfer: the payout id, a new one only when an operator retries
    # a payout whose transfer Stripe definitively refused (so no transfer exists under the old).
    transfer_idempotency_key = models.CharField(max_length=80)
    transfer_id = models.CharField(max_length=255, blank=True)
    failure_code = models.CharField(max_length=100, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    transfer_attempts = models.PositiveIntegerField(default=0)
    # How many times the reservation was made (an operator's retry of a failed payout makes it
    # again); part of the ledger's idempotency keys.
    reservation_number = models.PositiveIntegerField(default=1)
    # Margin of refunded top-ups that this payout had reserved when its transfer was already in
    # flight: the refund booked it as a platform loss, and a failed transfer gives it back to
    # platform losses instead of to the organization (payouts.services.refunds).
    refund_claim_nanos = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["updated_at"],
                condition=Q(status__in=["pending", "processing"]),
                name="payout_open_by_updated",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_nanos__gt=0), name="payout_amount_gt_0"),
            # Transfers are whole cents.
            models.CheckConstraint(
                condition=Exact(Mod(F("amount_nanos"), Value(NANOS_PER_CENT)), Value(0)),
                name="payout_amount_whole_cents",
            ),
            models.UniqueConstraint(
                fields=["organization", "livemode", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="payout_unique_org_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(refund_claim_nanos__gte=0)
                & Q(refund_claim_nanos__lte=F("amount_nanos")),
                name="payout_refund_claim_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.id

    @property
    def amount_cents(self) -> int:
        return self.amount_nanos // NANOS_PER_CENT


# A payout is open while its reservation may still be transferred: a refund can still shrink a
# pending one or claim from a processing one, and the stuck-payout sweep hands it back.
OPEN_STATUSES = (Payout.Status.PENDING, Payout.Status.PROCESSING)
