"""Dashboard fixtures: developers with a role in an organization, logged in to the test client."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from llmgateway.models import Membership
from llmgateway.services import membership_add
from tests import factories

PASSWORD = "a-long-test-password-42"


def make_user(email: str):
    return get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner(organization):
    user = make_user("owner@example.com")
    membership_add(organization=organization, user=user, role=Membership.Role.OWNER)
    return user


@pytest.fixture
def admin_user(organization):
    user = make_user("admin@example.com")
    membership_add(organization=organization, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def developer(organization):
    user = make_user("dev@example.com")
    membership_add(organization=organization, user=user, role=Membership.Role.DEVELOPER)
    return user


@pytest.fixture
def outsider(db):
    """A member of another organization, with a project of their own."""
    user = make_user("outsider@example.com")
    other = factories.make_organization("Other Inc")
    membership_add(organization=other, user=user, role=Membership.Role.OWNER)
    factories.make_project(other, name="Theirs")
    return user


@pytest.fixture
def owner_client(owner) -> Client:
    return logged_in(owner)


@pytest.fixture
def admin_client_(admin_user) -> Client:
    return logged_in(admin_user)


@pytest.fixture
def developer_client(developer) -> Client:
    return logged_in(developer)


@pytest.fixture
def outsider_client(outsider) -> Client:
    return logged_in(outsider)


def project_url(project, suffix: str = "") -> str:
    return f"/dashboard/o/{project.organization_id}/p/{project.pk}/{suffix}"


def org_url(organization, suffix: str = "") -> str:
    return f"/dashboard/o/{organization.pk}/{suffix}"


def live(client: Client) -> Client:
    """Switch the client's dashboard to live data."""
    response = client.post("/dashboard/mode/", {"mode": "live", "next": "/dashboard/"})
    assert response.status_code == 302
    return client
