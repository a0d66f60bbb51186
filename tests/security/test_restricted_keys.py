"""Restricted keys (issue 19, must-fix 1): a key carries permissions, one table says which
permission every secret-key endpoint needs, and a member can make only keys their role allows.

What this proves:
- every sk route in the URLconf (DRF views and the proxy's) has an entry in the table, so no
  endpoint can be forgotten, and an endpoint missing from it is refused;
- a key with the developer role's permissions gets 403 `permission_denied` on credits, customer
  block, the organization's balance/margin, payouts and Connect (test client and live daphne);
- keys made before permissions existed keep full access; `bootstrap_project` makes full keys.
(The dashboard side is tests/dashboard/test_key_permissions.py.)
"""

from __future__ import annotations

import importlib

import httpx
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from llmgateway import permissions as perms
from llmgateway.api import ApiView
from llmgateway.models import ApiKey
from llmgateway.services import api_key_create
from tests.helpers.api import ApiClient, assert_error

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
DEVELOPER_PERMISSIONS = sorted(perms.ROLE_PERMISSIONS["developer"])


def _routes(patterns=None, prefix: str = ""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _secret_key_routes():
    """(path, url name, methods) of every route a secret key can call."""
    found = []
    for route, pattern in _routes():
        if not route.startswith("v1/"):
            continue
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is not None and issubclass(view_class, ApiView):
            if "secret" not in view_class.allowed_auth:
                continue
            methods = [m.upper() for m in HTTP_METHODS if hasattr(view_class, m)]
            found.append((route, pattern.name, methods))
        elif pattern.callback.__module__.startswith("proxy."):
            found.append((route, pattern.name, None))
    return found


def test_every_secret_key_route_has_an_entry_in_the_permission_table():
    routes = _secret_key_routes()
    assert len(routes) >= 15, routes
    for route, name, methods in routes:
        assert name in perms.ENDPOINT_PERMISSIONS, f"/{route} ({name}) has no permission entry"
        for method in methods or []:
            needed = perms.ENDPOINT_PERMISSIONS[name].get(method)
            assert needed is not None, f"{method} /{route} has no permission entry"
            assert needed == perms.ANY_KEY or needed in perms.ALL_PERMISSIONS
    # And no stale entries: every name in the table is a real sk route.
    assert set(perms.ENDPOINT_PERMISSIONS) == {name for _, name, _ in routes}


def test_a_route_missing_from_the_table_is_refused():
    with pytest.raises(perms.KeyPermissionDenied):
        perms.check_key_permission(
            granted=perms.ALL_PERMISSIONS, url_name="not-in-the-table", method="GET"
        )
    with pytest.raises(perms.KeyPermissionDenied):
        perms.check_key_permission(
            granted=perms.ALL_PERMISSIONS, url_name="customers", method="PUT"
        )


def test_roles_developers_cannot_move_money_or_reach_connect():
    developer_role = perms.ROLE_PERMISSIONS["developer"]
    for forbidden in (
        perms.CREDITS_GRANT,
        perms.CUSTOMERS_WRITE,
        perms.BALANCE_READ,
        perms.PAYOUTS,
        perms.CONNECT,
    ):
        assert forbidden not in developer_role
    assert perms.ROLE_PERMISSIONS["admin"] == set(perms.ALL_PERMISSIONS)


def _developer_key(project, livemode: bool = False) -> str:
    return api_key_create(
        project=project, livemode=livemode, name="dev", permissions=DEVELOPER_PERMISSIONS
    )[1]


FORBIDDEN_FOR_DEVELOPER_KEYS = [
    ("post", "/v1/wallets/{wallet}/credits", {"amount": "5.00", "reason": "x"}),
    ("patch", "/v1/customers/{customer}", {"status": "blocked"}),
    ("post", "/v1/customers", {"externalId": "new_user"}),
    ("get", "/v1/balance", None),
    ("get", "/v1/payouts", None),
    ("post", "/v1/payouts", {}),
    ("post", "/v1/connect/onboarding", {"returnUrl": "https://attacker.example/back"}),
    ("get", "/v1/connect/status", None),
]


@pytest.mark.django_db
def test_developer_key_is_refused_money_and_connect_endpoints(client, project, wallet):
    api = ApiClient(client, _developer_key(project))
    paths = {"wallet": wallet.pk, "customer": wallet.customer_id}
    for method, path, body in FORBIDDEN_FOR_DEVELOPER_KEYS:
        url = path.format(**paths)
        response = (
            getattr(api, method)(url, body) if body is not None else getattr(api, method)(url)
        )
        error = assert_error(response, 403, "permission_denied")
        assert "permission" in error["message"], (method, url)
    # What a developer's key may do still works.
    assert api.post("/v1/sessions", {"customer": "user_1"}).status_code == 201
    assert api.get("/v1/customers").status_code == 200
    assert api.get(f"/v1/wallets/{wallet.pk}").status_code == 200
    assert api.get("/v1/webhook-endpoints").status_code == 200
    # Nothing moved: the wallet was not credited.
    wallet.refresh_from_db()
    assert wallet.balance_nanos == 0


@pytest.mark.django_db
def test_a_key_reads_its_own_permissions(client, project):
    api_key, key = api_key_create(
        project=project, livemode=False, name="dev", permissions=DEVELOPER_PERMISSIONS
    )
    response = ApiClient(client, key).get("/v1/api-keys/current")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["object"] == "api_key" and body["id"] == api_key.pk
    assert body["displayPrefix"] == api_key.display_prefix and body["livemode"] is False
    assert sorted(body["permissions"]) == DEVELOPER_PERMISSIONS
    assert key not in response.content.decode()


@pytest.mark.django_db
def test_a_key_with_only_sessions_cannot_read_customers(client, project):
    key = api_key_create(project=project, livemode=False, permissions=["sessions"])[1]
    api = ApiClient(client, key)
    assert_error(api.get("/v1/customers"), 403, "permission_denied")
    assert_error(api.get("/v1/webhook-endpoints"), 403, "permission_denied")
    assert api.post("/v1/sessions", {"customer": "user_1"}).status_code == 201


@pytest.mark.django_db
def test_full_keys_by_default_and_unknown_permissions_refused(project):
    api_key, _ = api_key_create(project=project, livemode=False)
    assert api_key.permissions == list(perms.ALL_PERMISSIONS)
    from llmgateway.errors import InvalidRequest

    with pytest.raises(InvalidRequest):
        api_key_create(project=project, livemode=False, permissions=["everything"])


@pytest.mark.django_db
def test_migration_gives_existing_keys_full_access(project):
    from django.apps import apps

    migration = importlib.import_module("llmgateway.migrations.0002_apikey_permissions")
    api_key, _ = api_key_create(project=project, livemode=False)
    ApiKey.objects.filter(pk=api_key.pk).update(permissions=[])
    migration.grant_full_access(apps, None)
    api_key.refresh_from_db()
    assert api_key.permissions == list(perms.ALL_PERMISSIONS)
    assert list(perms.ALL_PERMISSIONS) == migration.FULL_ACCESS


@pytest.mark.django_db
def test_bootstrap_project_makes_full_keys():
    from llmgateway.services import project_bootstrap

    _, project, _ = project_bootstrap(organization_name="Boot", project_name="App")
    api_key = ApiKey.objects.get(project=project, kind=ApiKey.Kind.SECRET)
    assert api_key.permissions == list(perms.ALL_PERMISSIONS)


# --- Live server ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_live_developer_key_gets_403_on_money_and_connect(live_server_url, project, wallet):
    key = _developer_key(project)
    paths = {"wallet": wallet.pk, "customer": wallet.customer_id}
    with httpx.Client(base_url=live_server_url, timeout=10) as http:
        headers = {"Authorization": f"Bearer {key}"}
        for method, path, body in FORBIDDEN_FOR_DEVELOPER_KEYS:
            response = http.request(
                method.upper(), path.format(**paths), json=body, headers=headers
            )
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["error"]["code"] == "permission_denied"
        response = http.post("/v1/sessions", json={"customer": "user_1"}, headers=headers)
        assert response.status_code == 201, response.text
