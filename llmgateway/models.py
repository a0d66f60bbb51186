"""Tenancy: organizations, their members, projects and API keys."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from llmgateway import ids
from llmgateway.choices import TextChoices


class Organization(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=ids.new_organization_id)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(TextChoices):
        OWNER = "owner"
        ADMIN = "admin"
        DEVELOPER = "developer"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.DEVELOPER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.organization}"


class RoutingPreference(TextChoices):
    WEIGHTED = "weighted", "Spread by weight"
    PRICE = "price", "Lowest price first"
    LATENCY = "latency", "Lowest recent latency first"


class Project(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=ids.new_project_id)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(max_length=200)
    markup_percent = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10000"))],
    )
    allowed_origins = models.JSONField(default=list, blank=True)
    sessions_enabled = models.BooleanField(default=True)
    default_allowed_models = models.JSONField(
        default=list, blank=True, help_text="Model ids sessions may use when no scope is given."
    )
    # How long an embedded session may live from its minting, refreshes included (empty: the
    # operator's EMBEDDED_SESSION_MAX_LIFETIME_SECONDS). Refresh never carries a token past it.
    session_max_lifetime_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(60), MaxValueValidator(30 * 24 * 3600)],
        help_text="Absolute lifetime of an end-user session, refreshes included (seconds). "
        "Empty: the operator's default (24 h unless set).",
    )
    # Live-mode es requests with no Origin header (a server or app, not a browser): allowed
    # unless this is on. A browser always sends Origin cross-origin, and a client outside a
    # browser can send any Origin, so this stops casual server-side use, not a determined
    # replay (docs/security.md, "Session tokens without an Origin").
    session_origin_required = models.BooleanField(
        default=False,
        help_text="Refuse live end-user session requests that carry no Origin header.",
    )
    # Routing (proxy/routing/, docs/models.md): how the deployments of one priority are
    # ordered, and which providers may serve this project's requests at all.
    routing_preference = models.CharField(
        max_length=20,
        choices=RoutingPreference.choices,
        default=RoutingPreference.WEIGHTED,
        help_text="Within one priority: spread by weight, cheapest first, or fastest first.",
    )
    allowed_providers = models.JSONField(
        default=list,
        blank=True,
        help_text='Providers that may serve this project\'s requests (e.g. ["openai", "azure"]). '
        "Empty: every provider.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="project_unique_name"),
            models.CheckConstraint(
                condition=Q(markup_percent__gte=0), name="project_markup_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} / {self.name}"

    @property
    def session_lifetime_seconds(self) -> int:
        if self.session_max_lifetime_seconds:
            return self.session_max_lifetime_seconds
        return settings.EMBEDDED_SESSION_MAX_LIFETIME_SECONDS


class ApiKey(models.Model):
    class Kind(TextChoices):
        SECRET = "secret"
        # One per project and mode; never shown and never accepted as a bearer. Request logs and
        # per-key aggregates of browser (es_) traffic point at it.
        EMBEDDED_SESSION = "embedded_session"

    id = models.CharField(primary_key=True, max_length=40, default=ids.new_api_key_id)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="api_keys")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SECRET)
    livemode = models.BooleanField()
    name = models.CharField(max_length=200, blank=True)
    display_prefix = models.CharField(max_length=32)
    key_hash = models.CharField(max_length=64, unique=True)
    # Restricted keys (llmgateway/permissions.py): the permissions this secret key carries.
    permissions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "livemode"],
                condition=Q(kind="embedded_session"),
                name="apikey_one_embedded_session_key_per_mode",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_prefix}… ({self.get_kind_display()})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
