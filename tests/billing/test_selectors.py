"""Which models each mode may call, and how provider configuration is resolved."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from billing.models import CatalogModel, Deployment, ProviderCredential
from billing.selectors import (
    ProviderConfig,
    catalog_cache_clear,
    catalog_entry_aget,
    catalog_entry_get,
    catalog_model_get,
    catalog_model_ids,
    catalog_models_available,
    catalog_offers,
    provider_config_get,
    provider_env_prefix,
)

pytestmark = pytest.mark.django_db

TEST_MODELS = {"test/echo", "test/lorem", "test/embed", "test/image"}


def _ids(models):
    return {model.id for model in models}


def test_test_mode_lists_only_the_local_test_models_even_with_upstream_keys(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-upstream")
    assert catalog_model_ids(livemode=False) == TEST_MODELS
    assert _ids(catalog_models_available(livemode=False)) == TEST_MODELS


def test_live_mode_without_provider_keys_lists_only_the_test_models():
    assert catalog_model_ids(livemode=True) == TEST_MODELS


def test_live_mode_lists_models_of_providers_with_an_environment_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-upstream")
    ids = catalog_model_ids(livemode=True)
    assert {"openai/gpt-4o-mini", "openai/text-embedding-3-small", "openai/dall-e-3"} <= ids
    assert ids >= TEST_MODELS
    assert not any(model_id.startswith("anthropic/") for model_id in ids)


def test_live_mode_lists_models_of_providers_configured_in_admin():
    ProviderCredential.objects.create(provider="anthropic", api_key="sk-ant-admin")
    ids = catalog_model_ids(livemode=True)
    assert "anthropic/claude-sonnet-4-5" in ids
    assert not any(model_id.startswith("openai/") for model_id in ids)


def test_a_disabled_credential_row_or_a_blank_key_configures_nothing():
    ProviderCredential.objects.create(provider="anthropic", api_key="sk-ant-admin", enabled=False)
    ProviderCredential.objects.create(provider="openai", api_key="  ")
    assert catalog_model_ids(livemode=True) == TEST_MODELS


def test_disabled_models_are_neither_listed_nor_found(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-upstream")
    CatalogModel.objects.filter(pk="openai/gpt-4o").update(enabled=False)
    catalog_cache_clear()
    assert "openai/gpt-4o" not in catalog_model_ids(livemode=True)
    assert catalog_model_get("openai/gpt-4o") is None
    assert catalog_entry_get("openai/gpt-4o-mini").deployments[0].upstream_model == "gpt-4o-mini"
    assert catalog_model_get("nobody/nothing") is None


def test_available_models_come_ordered_by_id(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-upstream")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-upstream")
    models = catalog_models_available(livemode=True)
    assert [m.id for m in models] == sorted(m.id for m in models)
    assert {m.owner for m in models} == {"anthropic", "openai", "test"}


def test_a_model_is_available_while_one_of_its_deployments_is(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-upstream")
    Deployment.objects.create(
        model_id="openai/gpt-4o-mini", provider="azure", upstream_model="mini", priority=1
    )
    offers = dict(catalog_offers(livemode=True))
    mini = CatalogModel.objects.get(pk="openai/gpt-4o-mini")
    # azure has no key: only the openai deployment may serve
    assert [d.provider for d in offers[mini]] == ["openai"]
    monkeypatch.setenv("AZURE_API_KEY", "az-key")
    monkeypatch.setenv("AZURE_BASE_URL", "http://127.0.0.1:9/v1")
    assert [d.provider for d in dict(catalog_offers(livemode=True))[mini]] == ["openai", "azure"]
    Deployment.objects.filter(model=mini, provider="openai").update(enabled=False)
    catalog_cache_clear()
    assert [d.provider for d in dict(catalog_offers(livemode=True))[mini]] == ["azure"]
    Deployment.objects.filter(model=mini).update(enabled=False)
    catalog_cache_clear()
    assert "openai/gpt-4o-mini" not in catalog_model_ids(livemode=True)
    assert catalog_entry_get("openai/gpt-4o-mini").deployments == ()


def test_a_project_provider_allow_list_narrows_the_models_but_never_the_test_ones(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-upstream")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-upstream")
    ids = catalog_model_ids(livemode=True, providers=["anthropic"])
    assert "anthropic/claude-haiku-4-5" in ids and ids >= TEST_MODELS
    assert not any(model_id.startswith("openai/") for model_id in ids)
    assert catalog_model_ids(livemode=True, providers=[]) == catalog_model_ids(livemode=True)


def test_catalog_reads_are_cached_and_a_save_drops_the_cache(django_assert_num_queries):
    catalog_entry_get("test/echo")
    with django_assert_num_queries(0):
        (echo,) = catalog_entry_get("test/echo").deployments
        assert echo.output_nanos_per_million_tokens == 2_000_000_000
        assert echo.max_output_tokens == 4096  # the model's, shared: no query
        catalog_model_ids(livemode=False)
    echo = Deployment.objects.get(model_id="test/echo")
    echo.output_nanos_per_million_tokens = 3_000_000_000
    echo.save()
    (echo,) = catalog_entry_get("test/echo").deployments
    assert echo.output_nanos_per_million_tokens == 3_000_000_000


def test_a_zero_cache_lifetime_reads_the_database_every_time(monkeypatch):
    monkeypatch.setenv("CATALOG_CACHE_SECONDS", "0")
    catalog_model_get("test/echo")
    CatalogModel.objects.filter(pk="test/echo").update(enabled=False)
    assert catalog_model_get("test/echo") is None


def test_async_lookup_answers_like_the_sync_one():
    assert async_to_sync(catalog_entry_aget)("test/lorem").model.id == "test/lorem"
    catalog_model_get("test/lorem")  # warm: the async path then needs no thread hop
    entry = async_to_sync(catalog_entry_aget)("test/lorem")
    assert (entry.model.id, [d.provider for d in entry.deployments]) == ("test/lorem", ["test"])
    assert async_to_sync(catalog_entry_aget)("test/missing") is None


def test_provider_environment_prefix():
    assert provider_env_prefix("openai") == "OPENAI"
    assert provider_env_prefix("together-ai") == "TOGETHER_AI"


def test_known_providers_default_their_base_url_and_api_style(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-o")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-a")
    assert provider_config_get("openai") == ProviderConfig(
        provider="openai", api_style="openai", base_url="https://api.openai.com/v1", api_key="sk-o"
    )
    anthropic = provider_config_get("anthropic")
    assert (anthropic.base_url, anthropic.api_style) == ("https://api.anthropic.com", "anthropic")


def test_environment_base_url_overrides_the_default(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-o")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert provider_config_get("openai").base_url == "http://127.0.0.1:9/v1"


def test_an_enabled_admin_row_wins_over_the_environment_field_by_field(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env.example/v1")
    ProviderCredential.objects.create(provider="openai", api_key="sk-from-admin")
    config = provider_config_get("openai")
    assert (config.api_key, config.base_url) == ("sk-from-admin", "http://env.example/v1")


def test_an_unknown_provider_needs_a_base_url(monkeypatch):
    monkeypatch.setenv("ACME_API_KEY", "sk-acme")
    assert provider_config_get("acme") is None
    monkeypatch.setenv("ACME_BASE_URL", "https://llm.acme.example/v1")
    config = provider_config_get("acme")
    assert (config.api_style, config.base_url) == ("openai", "https://llm.acme.example/v1")


def test_the_local_test_provider_needs_no_configuration():
    config = provider_config_get("test")
    assert (config.provider, config.api_style, config.api_key) == ("test", "local", "")


def test_the_api_key_never_shows_in_a_config_repr(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value-123")
    assert "sk-secret-value-123" not in repr(provider_config_get("openai"))
