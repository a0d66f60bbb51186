"""Restricted keys in the dashboard (issue 19): a member can create only keys whose permissions
their role holds, and the key list shows each key's permissions."""

from __future__ import annotations

import pytest

from llmgateway import permissions as perms
from llmgateway.models import ApiKey
from tests.helpers.dashboard import project_url

DEVELOPER_PERMISSIONS = sorted(perms.ROLE_PERMISSIONS["developer"])


@pytest.mark.django_db
def test_developer_cannot_create_a_key_with_money_permissions(developer_client, project):
    page = developer_client.get(project_url(project, "keys/"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="sessions"' in html
    for lacking in ("credits:grant", "payouts", "connect", "balance:read", "customers:write"):
        assert f'value="{lacking}"' not in html
    response = developer_client.post(
        project_url(project, "keys/new/"),
        {"name": "sneaky", "permissions": ["sessions", "credits:grant", "payouts", "connect"]},
    )
    assert response.status_code == 200
    assert not ApiKey.objects.filter(project=project, name="sneaky").exists()

    response = developer_client.post(
        project_url(project, "keys/new/"), {"name": "ok", "permissions": DEVELOPER_PERMISSIONS}
    )
    assert response.status_code == 200
    api_key = ApiKey.objects.get(project=project, name="ok")
    assert sorted(api_key.permissions) == DEVELOPER_PERMISSIONS
    listing = developer_client.get(project_url(project, "keys/")).content.decode()
    assert "<code>customers:read</code>" in listing


@pytest.mark.django_db
def test_admin_can_create_a_full_key(admin_client_, project):
    response = admin_client_.post(
        project_url(project, "keys/new/"),
        {"name": "full", "permissions": list(perms.ALL_PERMISSIONS)},
    )
    assert response.status_code == 200
    assert ApiKey.objects.get(name="full").permissions == list(perms.ALL_PERMISSIONS)
