"""The model catalog (what each model costs, in integer nano-USD) and admin-entered keys."""

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
    """One callable model and its prices.

    `id` is what clients send as `model` ("openai/gpt-4o-mini"); `upstream_model` is the name
    the provider knows it by ("gpt-4o-mini"). Token prices are per million tokens, so a
    request's cost is `ceil(sum(tokens x price) / 1_000_000)` plus the per-image and
    per-request prices (billing/pricing.py).
    """

    class Kind(TextChoices):
        CHAT = "chat"
        EMBEDDING = "embedding"
        IMAGE = "image"

    id = models.CharField(
        primary_key=True, max_length=200, help_text='"provider/model", e.g. "openai/gpt-4o-mini".'
    )
    provider = models.CharField(
        max_length=50,
        db_index=True,
        help_text='Lower-case provider name: "openai", "anthropic", "test", or one set up in '
        "Provider credentials / by <PROVIDER>_API_KEY.",
    )
    upstream_model = models.CharField(max_length=200, help_text="The provider's own model name.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CHAT)
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
    max_output_tokens = models.PositiveIntegerField(
        default=4096, help_text="Largest completion the model produces (sizes the spend hold)."
    )
    context_window = models.PositiveIntegerField(default=128_000)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider", "id"]
        verbose_name = "catalog model"
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 0}), name=f"catalogmodel_{field}_gte_0"
                )
                for field in PRICE_FIELDS
            ),
            models.CheckConstraint(
                condition=~Q(provider="") & ~Q(upstream_model=""),
                name="catalogmodel_provider_and_upstream_set",
            ),
        ]

    def __str__(self) -> str:
        return self.id

    @property
    def is_local_test_model(self) -> bool:
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
