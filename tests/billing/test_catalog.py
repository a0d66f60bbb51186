"""The catalog seeded by migrations: real list prices in nano-USD, local test models priced."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from billing.catalog_defaults import DEFAULT_CATALOG, catalog_defaults_install, usd_to_nanos_exact
from billing.models import CatalogModel, Deployment
from tests.helpers.money import USD

pytestmark = pytest.mark.django_db


def _served(model_id: str) -> Deployment:
    """A seeded model's one deployment."""
    (deployment,) = Deployment.objects.filter(model_id=model_id).select_related("model")
    return deployment


@pytest.mark.parametrize(
    ("model_id", "input_nanos", "cached_nanos", "output_nanos"),
    [
        ("openai/gpt-4o-mini", 150_000_000, 75_000_000, 600_000_000),
        ("openai/gpt-4o", 2_500_000_000, 1_250_000_000, 10_000_000_000),
        ("openai/gpt-4.1", 2_000_000_000, 500_000_000, 8_000_000_000),
        ("openai/gpt-4.1-mini", 400_000_000, 100_000_000, 1_600_000_000),
        ("openai/gpt-4.1-nano", 100_000_000, 25_000_000, 400_000_000),
        ("openai/o4-mini", 1_100_000_000, 275_000_000, 4_400_000_000),
        ("anthropic/claude-sonnet-4-5", 3_000_000_000, 300_000_000, 15_000_000_000),
        ("anthropic/claude-haiku-4-5", 1_000_000_000, 100_000_000, 5_000_000_000),
        ("anthropic/claude-opus-4-1", 15_000_000_000, 1_500_000_000, 75_000_000_000),
    ],
)
def test_seeded_chat_prices_are_list_prices_in_nanos_per_million_tokens(
    model_id, input_nanos, cached_nanos, output_nanos
):
    model = _served(model_id)
    assert model.model.kind == CatalogModel.Kind.CHAT
    assert model.model.enabled and model.enabled
    assert model.input_nanos_per_million_tokens == input_nanos
    assert model.cached_input_nanos_per_million_tokens == cached_nanos
    assert model.output_nanos_per_million_tokens == output_nanos


def test_seeded_embedding_and_image_prices():
    small = _served("openai/text-embedding-3-small")
    assert (small.model.kind, small.input_nanos_per_million_tokens) == ("embedding", 20_000_000)
    large = _served("openai/text-embedding-3-large")
    assert large.input_nanos_per_million_tokens == 130_000_000
    dall_e = _served("openai/dall-e-3")
    assert (dall_e.model.kind, dall_e.nanos_per_image) == ("image", 40_000_000)
    gpt_image = _served("openai/gpt-image-1")
    assert gpt_image.output_nanos_per_million_tokens == 40 * USD
    assert gpt_image.max_output_tokens == 6240


def test_local_test_models_are_seeded_with_visible_prices():
    models = {
        deployment.model_id: deployment
        for deployment in Deployment.objects.filter(provider="test").select_related("model")
    }
    assert set(models) == {"test/echo", "test/lorem", "test/embed", "test/image"}
    assert models["test/echo"].input_nanos_per_million_tokens == 1 * USD
    assert models["test/echo"].output_nanos_per_million_tokens == 2 * USD
    assert models["test/lorem"].output_nanos_per_million_tokens == 2 * USD
    assert models["test/embed"].model.kind == "embedding"
    assert models["test/embed"].input_nanos_per_million_tokens == 1 * USD
    assert models["test/image"].model.kind == "image"
    assert models["test/image"].nanos_per_image == 10_000_000  # $0.01


def test_every_seeded_model_has_one_deployment_named_by_its_id():
    rows = Deployment.objects.all()
    assert CatalogModel.objects.count() == rows.count() == len(DEFAULT_CATALOG)
    for deployment in rows:
        assert deployment.model_id == f"{deployment.provider}/{deployment.upstream_model}"
        assert (deployment.priority, deployment.weight, deployment.enabled) == (0, 1, True)


def test_usd_strings_convert_exactly_and_refuse_sub_nano_prices():
    assert usd_to_nanos_exact("0.15") == 150_000_000
    assert usd_to_nanos_exact("0.005") == 5_000_000
    assert usd_to_nanos_exact("75") == 75 * USD
    with pytest.raises(ValueError):
        usd_to_nanos_exact("0.0000000001")


def test_reinstalling_defaults_adds_only_missing_rows_unless_told_to_overwrite():
    CatalogModel.objects.filter(pk="test/echo").delete()
    Deployment.objects.filter(model_id="test/lorem").update(output_nanos_per_million_tokens=1)
    assert catalog_defaults_install() == 1
    assert _served("test/echo").output_nanos_per_million_tokens == 2 * USD
    assert _served("test/lorem").output_nanos_per_million_tokens == 1
    catalog_defaults_install(overwrite=True)
    assert _served("test/lorem").output_nanos_per_million_tokens == 2 * USD


@pytest.mark.parametrize(
    "field",
    [
        "input_nanos_per_million_tokens",
        "output_nanos_per_million_tokens",
        "cached_input_nanos_per_million_tokens",
        "nanos_per_image",
        "nanos_per_request",
    ],
)
def test_the_database_refuses_negative_prices(field):
    model = CatalogModel.objects.create(id="acme/negative")
    with pytest.raises(IntegrityError), transaction.atomic():
        Deployment.objects.create(
            model=model, provider="acme", upstream_model="negative", **{field: -1}
        )
