"""End users (customers), their wallets, holds and the double-entry ledger."""

from django.db import models
from django.db.models import F, Q

from llmgateway import ids
from llmgateway.choices import TextChoices
from llmgateway.models import Organization, Project


def organization_key(*, index: bool = True) -> models.ForeignKey:
    """The organization whose books a row belongs to, on every money row: the distribution
    column when the books outgrow one primary (docs/deploy.md, "Past one primary"). The append
    tables that every request writes carry it unindexed (nothing looks rows up by it there)."""
    return models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_index=index
    )


class Customer(models.Model):
    class Status(TextChoices):
        ACTIVE = "active"
        BLOCKED = "blocked"

    id = models.CharField(primary_key=True, max_length=40, default=ids.new_customer_id)
    organization = organization_key()
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="customers")
    livemode = models.BooleanField()
    external_id = models.CharField(max_length=255)
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "livemode", "external_id"], name="customer_unique_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({'live' if self.livemode else 'test'})"


class Wallet(models.Model):
    class Status(TextChoices):
        ACTIVE = "active"
        FROZEN = "frozen"

    id = models.CharField(primary_key=True, max_length=40, default=ids.new_wallet_id)
    organization = organization_key()
    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="wallet")
    livemode = models.BooleanField()
    # Cached balance of the wallet's ledger account, updated in the same transaction as its
    # entries. held_nanos is the sum of the wallet's active holds (reserved, not yet spent).
    balance_nanos = models.BigIntegerField(default=0)
    held_nanos = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(balance_nanos__gte=0), name="wallet_balance_gte_0"),
            models.CheckConstraint(condition=Q(held_nanos__gte=0), name="wallet_held_gte_0"),
        ]

    def __str__(self) -> str:
        return self.id

    @property
    def available_nanos(self) -> int:
        # A refund may claim held money (docs/ledger.md): the balance is then below the held
        # amount, and nothing is available, never a negative amount.
        return max(0, self.balance_nanos - self.held_nanos)


# The account kinds kept in an organization's books (LedgerAccount.Kind: the wallet and the
# ORGANIZATION_KINDS); every other kind is a system account of the platform.
ORGANIZATION_BOOK_KINDS = ("wallet", "org_credits", "org_margin", "org_margin_reserved")


class LedgerAccount(models.Model):
    class Kind(TextChoices):
        WALLET = "wallet", "End-user wallet"
        ORG_CREDITS = "org_credits", "Organization credits"
        ORG_MARGIN = "org_margin", "Organization margin (payable)"
        ORG_MARGIN_RESERVED = "org_margin_reserved", "Organization margin reserved for payouts"
        PLATFORM_FEES = "platform_fees", "Platform fees"
        PLATFORM_USAGE_REVENUE = "platform_usage_revenue", "Platform usage revenue"
        PAYMENT_CLEARING = "payment_clearing", "Payment clearing"
        PAYOUTS_IN_TRANSIT = "payouts_in_transit", "Payouts in transit"
        PLATFORM_GRANTS = "platform_grants", "Operator grants"
        PLATFORM_ADJUSTMENTS = "platform_adjustments", "Operator adjustments"
        PLATFORM_LOSSES = "platform_losses", "Losses (refunds of spent money)"
        # Usage the payer's balance could not cover at settle (the upstream billed more than was
        # held and more than was left): booked here, never dropped (docs/ledger.md).
        UNCOLLECTED = "uncollected", "Uncollected usage"

    ORGANIZATION_KINDS = (Kind.ORG_CREDITS, Kind.ORG_MARGIN, Kind.ORG_MARGIN_RESERVED)

    kind = models.CharField(max_length=32, choices=Kind.choices)
    livemode = models.BooleanField()
    # The organization whose books the account is in: its own accounts and its end users'
    # wallets. NULL only for system (platform) accounts, which belong to no organization.
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    wallet = models.OneToOneField(
        Wallet, null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    # Cached balance for organization accounts. NULL for wallet accounts (their cache is on the
    # Wallet row) and for system accounts, which every request would touch: a cached row there
    # would serialize all traffic, so their balance is only ever the sum of their entries.
    balance_nanos = models.BigIntegerField(null=True, blank=True)
    # Reserved by active holds (organization credits spent by sk_ traffic), like Wallet.held_nanos.
    held_nanos = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "livemode", "organization"],
                condition=Q(organization__isnull=False, wallet__isnull=True),
                name="ledgeraccount_unique_org_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "livemode"],
                condition=Q(organization__isnull=True, wallet__isnull=True),
                name="ledgeraccount_unique_system_kind",
            ),
            models.CheckConstraint(
                condition=Q(balance_nanos__isnull=True) | Q(balance_nanos__gte=0),
                name="ledgeraccount_cached_balance_gte_0",
            ),
            models.CheckConstraint(condition=Q(held_nanos__gte=0), name="ledgeraccount_held_gte_0"),
            # Wallets and organization accounts are in an organization's books; the platform's
            # (system) accounts in none.
            models.CheckConstraint(
                condition=Q(kind__in=ORGANIZATION_BOOK_KINDS, organization__isnull=False)
                | (~Q(kind__in=ORGANIZATION_BOOK_KINDS) & Q(organization__isnull=True)),
                name="ledgeraccount_organization_unless_system",
            ),
        ]

    def __str__(self) -> str:
        owner = self.wallet_id or self.organization_id or "platform"
        return f"{self.kind}:{owner}:{'live' if self.livemode else 'test'}"


class LedgerTransaction(models.Model):
    class Kind(TextChoices):
        GRANT = "grant"
        USAGE = "usage"
        TOPUP = "topup"
        REFUND = "refund"
        ADJUSTMENT = "adjustment"
        TRANSFER = "transfer"
        PAYOUT = "payout"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    livemode = models.BooleanField()
    # Whose money it moves: every transaction moves one organization's (its wallets and its own
    # accounts, against platform accounts); ledger_post refuses lines of two.
    organization = organization_key(index=False)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    # Hash of what the key was first used for, so a reused key with other lines is refused.
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=500, blank=True)
    actor = models.CharField(max_length=200, blank=True, help_text="Who made it (operator).")
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"txn_{self.pk} {self.kind}"


class LedgerEntry(models.Model):
    """One line of a transaction; append-only. Positive amounts raise the account's balance."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    # The transaction's organization, also on entries of platform accounts (which belong to no
    # organization): an entry lives with the transaction that wrote it.
    organization = organization_key(index=False)
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount_nanos = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-id"], name="ledgerentry_account_recent")]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"{self.account} {self.amount_nanos:+d}"


class Hold(models.Model):
    """Spend reserved on a wallet before an upstream call; settled or released exactly once."""

    class Status(TextChoices):
        HELD = "held"
        SETTLED = "settled"
        RELEASED = "released"
        EXPIRED = "expired"

    id = models.CharField(primary_key=True, max_length=40, default=ids.new_hold_id)
    # The organization of the wallet or credits account it reserves on.
    organization = organization_key(index=False)
    # What the hold reserves on: an end user's wallet (es_ traffic) or, for sk_ traffic, the
    # organization's credits account. Exactly one of the two is set.
    wallet = models.ForeignKey(
        Wallet, null=True, blank=True, on_delete=models.PROTECT, related_name="holds"
    )
    account = models.ForeignKey(
        LedgerAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="holds"
    )
    # The browser session whose spend cap this hold also counts against, if any.
    session = models.ForeignKey(
        "sessions_app.EmbeddedSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="holds",
    )
    amount_nanos = models.BigIntegerField()
    # What the request cost (the upstream's usage, even past the hold), and the part of it the
    # payer's balance could not cover, booked to the `uncollected` account.
    charged_nanos = models.BigIntegerField(default=0)
    uncollected_nanos = models.BigIntegerField(default=0, db_default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    request_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["expires_at"], condition=Q(status="held"), name="hold_active_by_expiry"
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_nanos__gt=0), name="hold_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(wallet__isnull=False, account__isnull=True)
                | Q(wallet__isnull=True, account__isnull=False),
                name="hold_on_wallet_or_account",
            ),
            models.CheckConstraint(condition=Q(charged_nanos__gte=0), name="hold_charged_gte_0"),
            models.CheckConstraint(
                condition=Q(uncollected_nanos__gte=0, uncollected_nanos__lte=F("charged_nanos")),
                name="hold_uncollected_within_charge",
            ),
        ]

    def __str__(self) -> str:
        return self.id


class LedgerCheckpoint(models.Model):
    """A sealed cut of the ledger: every entry up to `cutoff_entry_id` (and transaction up to
    `cutoff_transaction_id`) is summed into per-account balances, so a check reads only what
    came after (docs/ledger.md "Checkpoints"). Append-only; each seal hashes its own rows with
    the previous seal's digest, so a changed figure anywhere in the chain shows."""

    sequence = models.PositiveIntegerField(unique=True)
    cutoff_entry_id = models.BigIntegerField()
    cutoff_transaction_id = models.BigIntegerField()
    # Totals up to the cut-off (the report's counts without reading the whole ledger).
    transactions = models.BigIntegerField()
    entries = models.BigIntegerField()
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sequence"]

    def __str__(self) -> str:
        return f"checkpoint {self.sequence} (entries ≤ {self.cutoff_entry_id})"


class LedgerCheckpointBalance(models.Model):
    """An account's balance and entry count at a checkpoint, written only for the accounts
    that moved since the previous one; an account's balance at a checkpoint is its row in the
    latest checkpoint at or before it."""

    checkpoint = models.ForeignKey(
        LedgerCheckpoint, on_delete=models.PROTECT, related_name="balances"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="+")
    balance_nanos = models.BigIntegerField()
    entries = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "account"], name="checkpointbalance_one_per_account"
            )
        ]
        indexes = [models.Index(fields=["account", "-checkpoint"], name="checkpointbalance_latest")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.balance_nanos} ({self.entries} entries)"


class LedgerCheckRun(models.Model):
    """One run of the books check (the scheduled task or `manage.py ledger_check`), kept so an
    operator sees in admin when the books last proved out and what differed when they did not."""

    class Scope(TextChoices):
        INCREMENTAL = "incremental", "Since the last checkpoint"
        FULL = "full", "Whole ledger"

    scope = models.CharField(max_length=12, choices=Scope.choices)
    ok = models.BooleanField()
    problems = models.JSONField(default=list, blank=True)
    entries_read = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)
    checkpoint = models.ForeignKey(
        LedgerCheckpoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} check: {'ok' if self.ok else 'PROBLEMS'}"
