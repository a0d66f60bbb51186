"""The operator console for the catalog and for provider keys (which are write-only)."""

from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from billing.models import CatalogModel, Deployment, ProviderCredential

pytestmark = pytest.mark.django_db


def _url(model, view, *args):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    return reverse(name, args=[quote(arg) for arg in args])


def test_catalog_changelist_shows_who_serves_each_model_at_what_price(admin_client):
    response = admin_client.get(_url(CatalogModel, "changelist"), {"q": "gpt-4o-mini"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "openai/gpt-4o-mini" in html
    assert "openai (p0, w1: $0.15 / $0.60)" in html


def test_catalog_changelist_filters_by_provider_kind_and_enabled(admin_client):
    url = _url(CatalogModel, "changelist")
    html = admin_client.get(
        url, {"deployments__provider": "test", "kind": "image", "enabled__exact": "1"}
    ).content
    assert b"test/image" in html
    assert b"test/echo" not in html
    assert b"openai/dall-e-3" not in html


def test_catalog_and_deployment_pages_render(admin_client):
    response = admin_client.get(_url(CatalogModel, "change", "anthropic/claude-sonnet-4-5"))
    assert response.status_code == 200
    assert (
        b"claude-sonnet-4-5" in response.content and b"deployments-TOTAL_FORMS" in response.content
    )
    assert admin_client.get(_url(CatalogModel, "add")).status_code == 200
    deployment = Deployment.objects.get(model_id="openai/gpt-4o-mini")
    page = admin_client.get(_url(Deployment, "change", deployment.pk))
    assert page.status_code == 200 and b"per 1,000,000 tokens" in page.content
    listing = admin_client.get(_url(Deployment, "changelist"), {"provider": "anthropic"})
    assert b"claude-haiku-4-5" in listing.content and b"gpt-4o-mini" not in listing.content


PRICES = {
    "input_nanos_per_million_tokens": "1000000000",
    "output_nanos_per_million_tokens": "2000000000",
    "cached_input_nanos_per_million_tokens": "0",
    "nanos_per_image": "0",
    "nanos_per_request": "0",
}


def _catalog_form(model_id="acme/big-model", deployments=None, **overrides):
    """The add form of a model with its inline deployments (each a dict of fields)."""
    deployments = deployments if deployments is not None else [{}]
    form = {
        "id": model_id,
        "kind": "chat",
        "enabled": "on",
        "max_output_tokens": "8192",
        "context_window": "200000",
        "deployments-TOTAL_FORMS": str(len(deployments)),
        "deployments-INITIAL_FORMS": "0",
        "deployments-MIN_NUM_FORMS": "1",
        "deployments-MAX_NUM_FORMS": "1000",
    }
    for index, fields in enumerate(deployments):
        row = {
            "provider": "acme",
            "upstream_model": "big-model",
            "priority": "0",
            "weight": "1",
            "timeout_seconds": "",
            "enabled": "on",
            **PRICES,
            **fields,
        }
        form.update({f"deployments-{index}-{name}": value for name, value in row.items()})
    form.update(overrides)
    return form


def test_an_operator_adds_a_model_served_by_two_providers_at_their_own_prices(admin_client):
    response = admin_client.post(
        _url(CatalogModel, "add"),
        _catalog_form(
            deployments=[
                {},
                {
                    "provider": "azure",
                    "upstream_model": "big-deploy",
                    "priority": "1",
                    "output_nanos_per_million_tokens": "2500000000",
                },
            ]
        ),
    )
    assert response.status_code == 302, response.content
    served = Deployment.objects.filter(model_id="acme/big-model").order_by("priority")
    assert [(d.provider, d.upstream_model, d.priority) for d in served] == [
        ("acme", "big-model", 0),
        ("azure", "big-deploy", 1),
    ]
    assert [d.output_nanos_per_million_tokens for d in served] == [2_000_000_000, 2_500_000_000]


def test_a_model_needs_a_deployment_and_an_owner_slash_name_id(admin_client):
    response = admin_client.post(_url(CatalogModel, "add"), _catalog_form(deployments=[]))
    assert response.status_code == 200
    assert not CatalogModel.objects.filter(pk="acme/big-model").exists()
    response = admin_client.post(_url(CatalogModel, "add"), _catalog_form(model_id="big-model"))
    assert response.status_code == 200
    assert b"owner/model" in response.content
    assert not CatalogModel.objects.filter(pk="big-model").exists()


@pytest.mark.parametrize(
    "field, value",
    [("input_nanos_per_million_tokens", "-5"), ("weight", "0"), ("provider", "Acme")],
)
def test_a_bad_deployment_is_refused_by_the_form(admin_client, field, value):
    response = admin_client.post(
        _url(CatalogModel, "add"), _catalog_form(deployments=[{field: value}])
    )
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
