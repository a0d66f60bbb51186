"""The catalog a fresh install starts with: public list prices as of late 2025, in nano-USD.

Installed by migration 0002 (then split into a model and its one deployment by 0005) and
re-installable with `catalog_defaults_install()` (tests whose database was flushed, a reset
demo). A row is a model and its deployment: the provider and prices are the deployment's.
Operators edit prices in admin afterwards; changing a price here only affects fresh installs,
so a price change for running installs ships as a new data migration.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

NANOS_PER_USD = 1_000_000_000


def usd_to_nanos_exact(usd: str) -> int:
    """ "0.075" -> 75_000_000. Refuses anything finer than a nano rather than rounding it."""
    nanos = Decimal(usd) * NANOS_PER_USD
    if nanos != nanos.to_integral_value():
        raise ValueError(f"{usd} USD is not a whole number of nanos")
    return int(nanos)


def _chat(
    model_id: str,
    *,
    input_usd: str,
    output_usd: str,
    cached_input_usd: str = "0",
    context_window: int,
    max_output_tokens: int,
) -> dict[str, Any]:
    """A token-priced chat model; prices are USD per million tokens."""
    provider, upstream_model = model_id.split("/", 1)
    return {
        "id": model_id,
        "provider": provider,
        "upstream_model": upstream_model,
        "kind": "chat",
        "input_nanos_per_million_tokens": usd_to_nanos_exact(input_usd),
        "output_nanos_per_million_tokens": usd_to_nanos_exact(output_usd),
        "cached_input_nanos_per_million_tokens": usd_to_nanos_exact(cached_input_usd),
        "context_window": context_window,
        "max_output_tokens": max_output_tokens,
    }


def _embedding(model_id: str, *, input_usd: str, context_window: int = 8191) -> dict[str, Any]:
    provider, upstream_model = model_id.split("/", 1)
    return {
        "id": model_id,
        "provider": provider,
        "upstream_model": upstream_model,
        "kind": "embedding",
        "input_nanos_per_million_tokens": usd_to_nanos_exact(input_usd),
        "context_window": context_window,
        "max_output_tokens": 0,
    }


def _image(model_id: str, *, image_usd: str = "0", **token_prices: str) -> dict[str, Any]:
    provider, upstream_model = model_id.split("/", 1)
    row: dict[str, Any] = {
        "id": model_id,
        "provider": provider,
        "upstream_model": upstream_model,
        "kind": "image",
        "nanos_per_image": usd_to_nanos_exact(image_usd),
        "context_window": 32_000,
        "max_output_tokens": 0,
    }
    for name, usd in token_prices.items():
        row[name.replace("_usd", "_nanos_per_million_tokens")] = usd_to_nanos_exact(usd)
    return row


DEFAULT_CATALOG: tuple[dict[str, Any], ...] = (
    # OpenAI (platform.openai.com/docs/pricing, standard tier). Cached input = prompt-cache reads.
    _chat("openai/gpt-5", input_usd="1.25", cached_input_usd="0.125", output_usd="10.00",
          context_window=400_000, max_output_tokens=128_000),
    _chat("openai/gpt-5-mini", input_usd="0.25", cached_input_usd="0.025", output_usd="2.00",
          context_window=400_000, max_output_tokens=128_000),
    _chat("openai/gpt-5-nano", input_usd="0.05", cached_input_usd="0.005", output_usd="0.40",
          context_window=400_000, max_output_tokens=128_000),
    _chat("openai/gpt-4.1", input_usd="2.00", cached_input_usd="0.50", output_usd="8.00",
          context_window=1_047_576, max_output_tokens=32_768),
    _chat("openai/gpt-4.1-mini", input_usd="0.40", cached_input_usd="0.10", output_usd="1.60",
          context_window=1_047_576, max_output_tokens=32_768),
    _chat("openai/gpt-4.1-nano", input_usd="0.10", cached_input_usd="0.025", output_usd="0.40",
          context_window=1_047_576, max_output_tokens=32_768),
    _chat("openai/gpt-4o", input_usd="2.50", cached_input_usd="1.25", output_usd="10.00",
          context_window=128_000, max_output_tokens=16_384),
    _chat("openai/gpt-4o-mini", input_usd="0.15", cached_input_usd="0.075", output_usd="0.60",
          context_window=128_000, max_output_tokens=16_384),
    _chat("openai/o4-mini", input_usd="1.10", cached_input_usd="0.275", output_usd="4.40",
          context_window=200_000, max_output_tokens=100_000),
    _embedding("openai/text-embedding-3-small", input_usd="0.02"),
    _embedding("openai/text-embedding-3-large", input_usd="0.13"),
    # dall-e-3: standard quality 1024x1024; HD and larger sizes cost more upstream (docs/models.md).
    _image("openai/dall-e-3", image_usd="0.04"),
    # gpt-image-1 bills tokens: text input, and image output tokens (1056 for a medium
    # 1024x1024 image = $0.04224; 6240 for the largest high-quality image).
    {
        **_image("openai/gpt-image-1", input_usd="5.00", cached_input_usd="1.25",
                 output_usd="40.00"),
        "max_output_tokens": 6240,
    },
    # Anthropic (claude.com/pricing). Cached input = cache reads; cache writes bill as input.
    _chat("anthropic/claude-sonnet-4-5", input_usd="3.00", cached_input_usd="0.30",
          output_usd="15.00", context_window=200_000, max_output_tokens=64_000),
    _chat("anthropic/claude-haiku-4-5", input_usd="1.00", cached_input_usd="0.10",
          output_usd="5.00", context_window=200_000, max_output_tokens=64_000),
    _chat("anthropic/claude-opus-4-5", input_usd="5.00", cached_input_usd="0.50",
          output_usd="25.00", context_window=200_000, max_output_tokens=64_000),
    _chat("anthropic/claude-opus-4-1", input_usd="15.00", cached_input_usd="1.50",
          output_usd="75.00", context_window=200_000, max_output_tokens=32_000),
    # Local test models (proxy/providers/local.py): offline and deterministic, priced so that
    # test-mode billing is visible.
    _chat("test/echo", input_usd="1.00", output_usd="2.00",
          context_window=128_000, max_output_tokens=4096),
    _chat("test/lorem", input_usd="1.00", output_usd="2.00",
          context_window=128_000, max_output_tokens=4096),
    _embedding("test/embed", input_usd="1.00"),
    _image("test/image", image_usd="0.01"),
)  # fmt: skip


MODEL_FIELDS = ("kind", "context_window", "max_output_tokens")


def catalog_defaults_install(*, overwrite: bool = False) -> int:
    """Create the default models that are missing, each with its one deployment (with
    `overwrite`, rewrite them all to the defaults); returns how many models were written."""
    from billing.models import CatalogModel, Deployment

    written = 0
    for row in DEFAULT_CATALOG:
        model_fields = {key: row[key] for key in MODEL_FIELDS if key in row}
        deployment_fields = {
            key: value for key, value in row.items() if key not in ("id", *MODEL_FIELDS)
        }
        route = {
            "provider": deployment_fields.pop("provider"),
            "upstream_model": deployment_fields.pop("upstream_model"),
        }
        if overwrite:
            model, _ = CatalogModel.objects.update_or_create(id=row["id"], defaults=model_fields)
            Deployment.objects.update_or_create(model=model, **route, defaults=deployment_fields)
            written += 1
            continue
        model, created = CatalogModel.objects.get_or_create(id=row["id"], defaults=model_fields)
        if created:
            Deployment.objects.create(model=model, **route, **deployment_fields)
        written += created
    return written
