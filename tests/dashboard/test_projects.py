"""Project settings and secret keys."""

from __future__ import annotations

import re

import pytest

from billing.models import ProjectBillingSettings
from llmgateway.models import ApiKey
from tests.helpers.api import ApiClient
from tests.helpers.dashboard import live, project_url

pytestmark = pytest.mark.django_db

SETTINGS = {
    "name": "Shop",
    "markup_percent": "25",
    "allowed_origins": "https://App.Example\nhttp://localhost:3000",
    "sessions_enabled": "on",
    "default_allowed_models": "test/echo",
    "topup_min_usd": "2",
    "topup_max_usd": "100.50",
    "low_balance_threshold_usd": "0.75",
    "routing_preference": "weighted",
    "allowed_providers": "",
}


def test_settings_save_every_field(admin_client_, project):
    response = admin_client_.post(project_url(project, "settings/"), SETTINGS)
    assert response.status_code == 302
    project.refresh_from_db()
    assert str(project.markup_percent) == "25.00"
    assert project.allowed_origins == ["https://app.example", "http://localhost:3000"]
    assert project.sessions_enabled is True
    assert project.default_allowed_models == ["test/echo"]
    billing = ProjectBillingSettings.objects.get(project=project)
    assert billing.topup_min_nanos == 2_000_000_000
    assert billing.topup_max_nanos == 100_500_000_000
    assert billing.low_balance_threshold_nanos == 750_000_000
    page = admin_client_.get(project_url(project, "settings/")).content.decode()
    assert "top-ups from $2.00 to $100.50" in page


def test_sessions_can_be_turned_off_and_empty_limits_fall_back_to_defaults(admin_client_, project):
    body = {**SETTINGS, "topup_min_usd": "", "topup_max_usd": "", "low_balance_threshold_usd": ""}
    del body["sessions_enabled"]
    admin_client_.post(project_url(project, "settings/"), body)
    project.refresh_from_db()
    assert project.sessions_enabled is False
    billing = ProjectBillingSettings.objects.get(project=project)
    assert billing.topup_min_nanos is None and billing.topup_max_nanos is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("allowed_origins", "https://app.example/path", "is not an origin"),
        ("allowed_origins", "ftp://files.example", "is not an origin"),
        ("default_allowed_models", "no/such-model", "Unknown model(s): no/such-model."),
        ("markup_percent", "-5", "greater than or equal to 0"),
        ("markup_percent", "abc", "Enter a number."),
        ("topup_min_usd", "1.0000000001", "more than 9 decimal places"),
        ("topup_max_usd", "1", "The maximum top-up is less than the minimum."),
    ],
)
def test_invalid_settings_are_refused_with_a_clear_message(
    admin_client_, project, field, value, message
):
    response = admin_client_.post(project_url(project, "settings/"), {**SETTINGS, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    project.refresh_from_db()
    assert str(project.markup_percent) == "20.00"
    assert project.allowed_origins == ["https://app.example"]


def test_developer_reads_settings_but_cannot_change_markup(developer_client, project):
    page = developer_client.get(project_url(project, "settings/"))
    assert page.status_code == 200
    assert "changing them needs the admin role" in page.content.decode()
    response = developer_client.post(project_url(project, "settings/"), SETTINGS)
    assert response.status_code == 403
    project.refresh_from_db()
    assert str(project.markup_percent) == "20.00"


def test_created_key_is_shown_once_works_and_is_listed_by_prefix(developer_client, client, project):
    response = developer_client.post(
        project_url(project, "keys/new/"), {"name": "backend", "permissions": ["customers:read"]}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    plaintext = re.search(r'id="new-key" value="(sk_test_\w+)"', response.content.decode()).group(1)
    api_key = ApiKey.objects.get(project=project, kind="secret")
    assert api_key.name == "backend" and api_key.livemode is False
    assert plaintext.startswith(api_key.display_prefix)
    listing = developer_client.get(project_url(project, "keys/")).content.decode()
    assert api_key.display_prefix in listing
    assert plaintext not in listing
    assert "never" in listing  # not used yet
    assert ApiClient(client, plaintext).get("/v1/customers").status_code == 200
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None
    listing = developer_client.get(project_url(project, "keys/")).content.decode()
    assert "never" not in listing.split('id="keys"')[1]


def test_keys_follow_the_mode(owner_client, project):
    live(owner_client)
    response = owner_client.post(project_url(project, "keys/new/"), {"name": ""})
    assert re.search(r'id="new-key" value="sk_live_\w+"', response.content.decode())
    assert ApiKey.objects.get(project=project, kind="secret").livemode is True
    owner_client.post("/dashboard/mode/", {"mode": "test"})
    assert "No test keys yet." in owner_client.get(project_url(project, "keys/")).content.decode()


def test_revoking_a_key_asks_first_then_refuses_it(developer_client, client, project, secret_key):
    api_key = ApiKey.objects.get(project=project, kind="secret")
    path = project_url(project, f"keys/{api_key.pk}/revoke/")
    confirm = developer_client.get(path)
    assert "Revoke key" in confirm.content.decode()
    api_key.refresh_from_db()
    assert api_key.revoked_at is None
    assert developer_client.post(path)["Location"] == project_url(project, "keys/")
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert ApiClient(client, secret_key).get("/v1/balance").status_code == 401


def test_embedded_session_keys_are_neither_listed_nor_revocable(owner_client, project):
    hidden = ApiKey.objects.filter(project=project, kind="embedded_session").first()
    assert (
        hidden.display_prefix
        not in owner_client.get(project_url(project, "keys/")).content.decode()
    )
    assert owner_client.post(project_url(project, f"keys/{hidden.pk}/revoke/")).status_code == 404
    hidden.refresh_from_db()
    assert hidden.revoked_at is None
