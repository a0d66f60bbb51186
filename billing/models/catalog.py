"""The model catalog: models, the deployments that serve them (provider and prices, in integer
nano-USD) and admin-entered provider keys."""

from django.db import models
from django.db.models import Q

from llmgateway.choices import TextChoices

# Every price column: integer nano-USD (1 USD = 1_000_000_000), never negative.
PRICE_FIELDS = (
    "input_nanos_per_million_tokens",
    "output_nanos_per_million_tokens",
    "cached_input_nanos_per_million_tokens",
    "nanos_per_image",
    "nanos_per_request",
)

# The provider whose models run inside the gateway (proxy/providers/local.py): offline,
# deterministic, and the only ones test-mode keys and sessions may call.
LOCAL_TEST_PROVIDER = "test"


class CatalogModel(models.Model):
    """One callable model: what clients send as `model` ("openai/gpt-4o-mini").

    Who serves it, under which name and at what price are its deployments (`Deployment`): one
    or more providers, tried in routing order (proxy/routing/). The model keeps what every
    deployment shares: its kind and the limits a request's hold is sized on.
    """

    class Kind(TextChoices):
        CHAT = "chat"
        EMBEDDING = "embedding"
        IMAGE = "image"

    id = models.CharField(
        primary_key=True, max_length=200, help_text='"owner/model", e.g. "openai/gpt-4o-mini".'
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CHAT)
    max_output_tokens = models.PositiveIntegerField(
        default=4096, help_text="Largest completion the model produces (sizes the spend hold)."
    )
    context_window = models.PositiveIntegerField(default=128_000)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "catalog model"

    def __str__(self) -> str:
        return self.id

    @property
    def owner(self) -> str:
        """The part of the id before "/" (OpenAI's `owned_by`)."""
        return self.id.split("/", 1)[0]


class Deployment(models.Model):
    """One provider serving a catalog model, at its own prices.

    `upstream_model` is the name the provider knows the model by ("gpt-4o-mini", or an Azure
    deployment name). Token prices are per million tokens, so a request's cost is
    `ceil(sum(tokens x price) / 1_000_000)` plus the per-image and per-request prices
    (billing/pricing.py), at the prices of the deployment that served it. Routing tries the
    lowest `priority` first and spreads requests by `weight` within a priority
    (docs/models.md).
    """

    model = models.ForeignKey(CatalogModel, on_delete=models.CASCADE, related_name="deployments")
    provider = models.CharField(
        max_length=50,
        db_index=True,
        help_text='Lower-case provider name: "openai", "anthropic", "test", or one set up in '
        "Provider credentials / by <PROVIDER>_API_KEY.",
    )
    upstream_model = models.CharField(max_length=200, help_text="The provider's own model name.")
    input_nanos_per_million_tokens = models.BigIntegerField(
        default=0, help_text="Nano-USD per million uncached input tokens ($1/M = 1000000000)."
    )
    output_nanos_per_million_tokens = models.BigIntegerField(
        default=0, help_text="Nano-USD per million output tokens."
    )
    cached_input_nanos_per_million_tokens = models.BigIntegerField(
        default=0, help_text="Nano-USD per million input tokens read from the provider's cache."
    )
    nanos_per_image = models.BigIntegerField(default=0, help_text="Nano-USD per generated image.")
    nanos_per_request = models.BigIntegerField(
        default=0, help_text="Nano-USD added to every successful request."
    )
    priority = models.PositiveSmallIntegerField(
        default=0, help_text="Lower is tried first; the next priority serves when these fail."
    )
    weight = models.PositiveIntegerField(
        default=1, help_text="Share of requests among enabled deployments of the same priority."
    )
    timeout_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Longest wait for the provider's next byte before trying the next deployment "
        "(empty: UPSTREAM_TIMEOUT_SECONDS).",
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["model", "priority", "id"]
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 0}), name=f"deployment_{field}_gte_0"
                )
                for field in PRICE_FIELDS
            ),
            models.CheckConstraint(
                condition=~Q(provider="") & ~Q(upstream_model=""),
                name="deployment_provider_and_upstream_set",
            ),
            models.CheckConstraint(condition=Q(weight__gte=1), name="deployment_weight_gte_1"),
            models.UniqueConstraint(
                fields=["model", "provider", "upstream_model"], name="deployment_unique_route"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} via {self.provider}"

    # What pricing reads (billing/pricing.py ModelPrices): the prices here, the limits the
    # model's.
    @property
    def max_output_tokens(self) -> int:
        return self.model.max_output_tokens

    @property
    def context_window(self) -> int:
        return self.model.context_window

    @property
    def is_local_test(self) -> bool:
        return self.provider == LOCAL_TEST_PROVIDER


class ProviderCredential(models.Model):
    """An upstream provider configured by an operator in admin, besides environment variables.

    An enabled row's non-blank fields take precedence over `<PROVIDER>_API_KEY` and
    `<PROVIDER>_BASE_URL` (proxy/providers/registry.py). The key is write-only in admin.
    """

    class ApiStyle(TextChoices):
        OPENAI = "openai", "OpenAI-compatible (/chat/completions)"
        ANTHROPIC = "anthropic", "Anthropic Messages (/v1/messages)"

    provider = models.CharField(
        max_length=50,
        unique=True,
        help_text='The catalog\'s provider name (the part before "/" in model ids), lower case.',
    )
    api_key = models.TextField(blank=True, help_text="Write-only: never shown again.")
    base_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="Blank: <PROVIDER>_BASE_URL, else the provider's public API.",
    )
    api_style = models.CharField(max_length=20, choices=ApiStyle.choices, default=ApiStyle.OPENAI)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(provider=LOCAL_TEST_PROVIDER),
                name="providercredential_not_local_test_provider",
            ),
        ]

    def __str__(self) -> str:
        return self.provider
