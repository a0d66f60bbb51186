"""Dashboard pages from the test client: users with a known password, logged-in clients,
organization and project URLs, the live-mode switch."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

PASSWORD = "a-long-test-password-42"


def make_user(email: str):
    return get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def project_url(project, suffix: str = "") -> str:
    return f"/dashboard/o/{project.organization_id}/p/{project.pk}/{suffix}"


def org_url(organization, suffix: str = "") -> str:
    return f"/dashboard/o/{organization.pk}/{suffix}"


def live(client: Client) -> Client:
    """Switch the client's dashboard to live data."""
    response = client.post("/dashboard/mode/", {"mode": "live", "next": "/dashboard/"})
    assert response.status_code == 302
    return client
