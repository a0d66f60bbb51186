"""Dashboard fixtures: developers with a role in an organization, logged in to the test client."""

from __future__ import annotations

import pytest
from django.test import Client

from llmgateway.models import Membership
from llmgateway.services import membership_add
from tests.helpers import factories
from tests.helpers.dashboard import logged_in, make_user


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
