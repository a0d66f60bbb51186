"""The cookie-authenticated pages: CSRF on every dashboard POST, the admin for staff only."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

from dashboard import urls as dashboard_urls
from tests.helpers.dashboard import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _dashboard_paths(patterns=None, prefix="/dashboard/") -> list[str]:
    """Every dashboard route, with placeholder values in its parameters."""
    paths = []
    for entry in patterns if patterns is not None else dashboard_urls.urlpatterns:
        route = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: f"x{match.group(1)}", str(entry.pattern))
        if isinstance(entry, URLResolver):
            paths += _dashboard_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            paths.append(prefix + route)
    return [re.sub(r"x(membership_id|invitation_id|delivery_id)", "1", path) for path in paths]


DASHBOARD_PATHS = _dashboard_paths()


def test_every_dashboard_route_is_listed():
    assert len(DASHBOARD_PATHS) >= 30
    assert "/dashboard/login/" in DASHBOARD_PATHS


@pytest.fixture
def csrf_client(owner) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return client


@pytest.mark.parametrize("path", DASHBOARD_PATHS)
def test_a_post_without_the_csrf_token_is_403_on_every_dashboard_route(csrf_client, path):
    response = csrf_client.post(path, {"name": "x", "amount": "1", "email": "a@example.com"})
    assert response.status_code == 403, (path, response.status_code)
    assert b"CSRF" in response.content


def test_a_post_with_the_csrf_token_gets_past_the_check(db):
    make_user("dev@example.com")
    client = Client(enforce_csrf_checks=True)
    client.get("/dashboard/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/dashboard/login/",
        {"username": "dev@example.com", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302  # logged in


@pytest.fixture
def owner(organization):
    from llmgateway.models import Membership
    from llmgateway.services import membership_add

    user = make_user("owner@example.com")
    membership_add(organization=organization, user=user, role=Membership.Role.OWNER)
    return user


MODEL_ADMIN_PATHS = sorted(
    reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for model in admin.site._registry
)


def test_a_logged_in_non_staff_user_is_sent_to_the_admin_login(owner):
    client = Client()
    client.force_login(owner)
    for path in ["/admin/", *MODEL_ADMIN_PATHS]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path


def test_staff_without_permissions_gets_403_on_every_model_page(db):
    staff = get_user_model().objects.create_user(
        username="staff@example.com", password=PASSWORD, is_staff=True
    )
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200  # the index, with nothing on it
    for path in MODEL_ADMIN_PATHS:
        assert client.get(path).status_code == 403, path
        assert client.get(path + "add/").status_code == 403, path


def test_superusers_reach_the_model_pages(db):
    superuser = get_user_model().objects.create_superuser(
        username="root@example.com", password=PASSWORD, email="root@example.com"
    )
    client = Client()
    client.force_login(superuser)
    for path in MODEL_ADMIN_PATHS:
        assert client.get(path).status_code == 200, path


def test_anonymous_admin_is_a_login_redirect(db):
    response = Client().get(MODEL_ADMIN_PATHS[0])
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
