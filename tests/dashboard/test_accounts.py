"""Sign-up, log-in, log-out, password reset, the mode switch and CSRF."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from llmgateway.models import Membership, Organization
from tests.helpers.dashboard import PASSWORD, make_user

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "ada@example.com",
    "password": PASSWORD,
    "password_again": PASSWORD,
    "organization_name": "Analytical Engines",
}


def test_signup_creates_the_user_and_an_organization_they_own_and_logs_in(client):
    response = client.post("/dashboard/signup/", SIGNUP)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="ada@example.com")
    organization = Organization.objects.get(name="Analytical Engines")
    assert Membership.objects.get(user=user, organization=organization).role == "owner"
    home = client.get("/dashboard/")
    assert home.status_code == 302
    assert home["Location"] == f"/dashboard/o/{organization.pk}/"
    page = client.get(home["Location"])
    assert page.status_code == 200
    assert b"Create your first project" in page.content


def test_signup_refuses_a_taken_email_and_mismatched_or_weak_passwords(client):
    make_user("ada@example.com")
    taken = client.post("/dashboard/signup/", SIGNUP)
    assert taken.status_code == 200
    page = taken.content.decode()
    # Neutral (issue 19): nothing says the email is taken, nor points at the email field.
    assert "We could not create an account with these details." in page
    assert "already exists" not in page
    assert 'id="errors-email"' not in page
    differing = client.post(
        "/dashboard/signup/", {**SIGNUP, "email": "b@example.com", "password_again": "other-pw-9"}
    )
    assert "The two passwords differ." in differing.content.decode()
    weak = client.post(
        "/dashboard/signup/",
        {**SIGNUP, "email": "c@example.com", "password": "123", "password_again": "123"},
    )
    assert "This password is too short" in weak.content.decode()
    assert get_user_model().objects.count() == 1


def test_signup_without_an_organization_goes_to_creating_one(client):
    client.post("/dashboard/signup/", {**SIGNUP, "organization_name": ""})
    response = client.get("/dashboard/")
    assert response["Location"] == "/dashboard/organizations/new/"
    created = client.post("/dashboard/organizations/new/", {"name": "Later Ltd"})
    organization = Organization.objects.get(name="Later Ltd")
    assert created["Location"] == f"/dashboard/o/{organization.pk}/"


def test_login_with_email_and_password_and_logout_by_post(client):
    make_user("ada@example.com")
    wrong = client.post("/dashboard/login/", {"username": "ada@example.com", "password": "nope"})
    assert wrong.status_code == 200
    assert "Please enter a correct email and password" in wrong.content.decode()
    right = client.post("/dashboard/login/", {"username": "ada@example.com", "password": PASSWORD})
    assert right.status_code == 302
    assert client.get("/dashboard/organizations/new/").status_code == 200
    assert client.post("/dashboard/logout/").status_code == 302
    assert client.get("/dashboard/organizations/new/").status_code == 302


def test_pages_need_a_login(client, project):
    for path in (
        "/dashboard/",
        f"/dashboard/o/{project.organization_id}/",
        f"/dashboard/o/{project.organization_id}/p/{project.pk}/keys/",
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/dashboard/login/?next=")


def test_password_reset_emails_a_link_that_sets_a_new_password(client):
    make_user("ada@example.com")
    response = client.post("/dashboard/password-reset/", {"email": "ada@example.com"})
    assert response["Location"] == "/dashboard/password-reset/sent/"
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/dashboard/password-reset/\S+/)", mail.outbox[0].body)
    assert link is not None
    form = client.get(link.group(1), follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-new-pass-77", "new_password2": "brand-new-pass-77"},
    )
    assert done["Location"] == "/dashboard/password-reset/done/"
    assert Client().login(username="ada@example.com", password="brand-new-pass-77")


def test_password_reset_of_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post("/dashboard/password-reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/dashboard/password-reset/sent/"
    assert mail.outbox == []


def test_every_form_needs_the_csrf_token(owner, project):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(f"/dashboard/o/{project.organization_id}/p/{project.pk}/keys/new/")
    assert response.status_code == 403
    signup = Client(enforce_csrf_checks=True).post("/dashboard/signup/", SIGNUP)
    assert signup.status_code == 403
    page = client.get(f"/dashboard/o/{project.organization_id}/p/{project.pk}/keys/")
    assert b'name="csrfmiddlewaretoken"' in page.content


def test_mode_switch_is_shown_on_every_page(owner_client, project):
    keys = f"/dashboard/o/{project.organization_id}/p/{project.pk}/keys/"
    assert b"TEST MODE" in owner_client.get(keys).content
    switched = owner_client.post("/dashboard/mode/", {"mode": "live", "next": keys})
    assert switched["Location"] == keys
    page = owner_client.get(keys).content.decode()
    assert "LIVE MODE" in page
    assert "TEST MODE" not in page


def test_mode_switch_never_redirects_off_site(owner_client):
    response = owner_client.post(
        "/dashboard/mode/", {"mode": "test", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/dashboard/"
