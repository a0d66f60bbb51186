"""The operator console for the catalog and for provider keys (which are write-only)."""

from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from billing.models import CatalogModel, ProviderCredential

pytestmark = pytest.mark.django_db


def _url(model, view, *args):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    return reverse(name, args=[quote(arg) for arg in args])


def test_catalog_changelist_shows_prices_in_usd_per_million(admin_client):
    response = admin_client.get(_url(CatalogModel, "changelist"), {"q": "gpt-4o-mini"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "openai/gpt-4o-mini" in html
    assert "0.15" in html and "0.60" in html and "0.075" in html
    assert "Input $/M" in html


def test_catalog_changelist_filters_by_provider_kind_and_enabled(admin_client):
    url = _url(CatalogModel, "changelist")
    html = admin_client.get(
        url, {"provider": "test", "kind": "image", "enabled__exact": "1"}
    ).content
    assert b"test/image" in html
    assert b"test/echo" not in html
    assert b"openai/dall-e-3" not in html


def test_catalog_change_and_add_pages_render(admin_client):
    response = admin_client.get(_url(CatalogModel, "change", "anthropic/claude-sonnet-4-5"))
    assert response.status_code == 200
    assert b"per 1,000,000 tokens" in response.content
    assert admin_client.get(_url(CatalogModel, "add")).status_code == 200


def _catalog_form(**overrides):
    form = {
        "id": "acme/big-model",
        "provider": "acme",
        "upstream_model": "big-model",
        "kind": "chat",
        "enabled": "on",
        "input_nanos_per_million_tokens": "1000000000",
        "output_nanos_per_million_tokens": "2000000000",
        "cached_input_nanos_per_million_tokens": "0",
        "nanos_per_image": "0",
        "nanos_per_request": "0",
        "max_output_tokens": "8192",
        "context_window": "200000",
    }
    form.update(overrides)
    return form


def test_an_operator_adds_a_model_with_integer_nano_prices(admin_client):
    response = admin_client.post(_url(CatalogModel, "add"), _catalog_form())
    assert response.status_code == 302, response.content
    model = CatalogModel.objects.get(pk="acme/big-model")
    assert model.output_nanos_per_million_tokens == 2_000_000_000


def test_a_model_id_must_start_with_its_provider(admin_client):
    response = admin_client.post(_url(CatalogModel, "add"), _catalog_form(id="other/big-model"))
    assert response.status_code == 200
    assert b"The id must be" in response.content
    assert not CatalogModel.objects.filter(pk="other/big-model").exists()


def test_a_negative_price_is_refused_by_the_form(admin_client):
    form = _catalog_form(input_nanos_per_million_tokens="-5")
    response = admin_client.post(_url(CatalogModel, "add"), form)
    assert response.status_code == 200
    assert not CatalogModel.objects.filter(pk="acme/big-model").exists()


def _credential_form(**overrides):
    form = {
        "provider": "acme",
        "api_key": "",
        "base_url": "",
        "api_style": "openai",
        "enabled": "on",
    }
    form.update(overrides)
    return form


def test_a_provider_key_is_stored_but_never_displayed_back(admin_client):
    secret = "sk-acme-very-secret-0123456789"
    response = admin_client.post(
        _url(ProviderCredential, "add"),
        _credential_form(api_key=secret, base_url="https://llm.acme.example/v1"),
    )
    assert response.status_code == 302, response.content
    credential = ProviderCredential.objects.get(provider="acme")
    assert credential.api_key == secret
    for page in (
        admin_client.get(_url(ProviderCredential, "changelist")),
        admin_client.get(_url(ProviderCredential, "change", credential.pk)),
    ):
        assert page.status_code == 200
        assert secret.encode() not in page.content
        assert b"sk-acme" not in page.content
    assert b"set" in admin_client.get(_url(ProviderCredential, "changelist")).content


def test_saving_with_a_blank_key_keeps_the_stored_key_and_clearing_removes_it(admin_client):
    credential = ProviderCredential.objects.create(provider="acme", api_key="sk-acme-kept-123456")
    url = _url(ProviderCredential, "change", credential.pk)
    response = admin_client.post(url, _credential_form(base_url="https://new.acme.example/v1"))
    assert response.status_code == 302, response.content
    credential.refresh_from_db()
    assert (credential.api_key, credential.base_url) == (
        "sk-acme-kept-123456",
        "https://new.acme.example/v1",
    )
    admin_client.post(url, _credential_form(api_key="sk-acme-new-654321"))
    credential.refresh_from_db()
    assert credential.api_key == "sk-acme-new-654321"
    admin_client.post(url, _credential_form(clear_api_key="on"))
    credential.refresh_from_db()
    assert credential.api_key == ""


def test_the_local_test_provider_cannot_be_given_credentials(admin_client):
    response = admin_client.post(
        _url(ProviderCredential, "add"), _credential_form(provider="test", api_key="sk-x-123456")
    )
    assert response.status_code == 200
    assert not ProviderCredential.objects.exists()
