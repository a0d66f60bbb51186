"""`make run`'s seed ends by printing where to go, and its printed login reaches the demo
project's customers."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_printed_login_reaches_the_demo_customers():
    printed = _seed()

    email = re.search(r"^  email: (\S+)$", printed, re.M).group(1)
    password = re.search(r"^  password: (\S+)$", printed, re.M).group(1)
    dashboard = re.search(r"^Dashboard: http://127\.0\.0\.1:8000(\S+)$", printed, re.M).group(1)
    assert "/admin/" in printed and "/v1/docs" in printed and "make example" in printed
    client = Client()
    logged_in = client.post("/dashboard/login/", {"username": email, "password": password})
    assert logged_in.status_code == 302
    page = client.get(dashboard)
    assert page.status_code == 200
    assert "demo_user" in page.content.decode()
    assert client.get("/admin/").status_code == 200


def test_a_second_seed_prints_a_new_password_and_the_old_one_stops_working():
    first = re.search(r"^  password: (\S+)$", _seed(), re.M).group(1)
    second = re.search(r"^  password: (\S+)$", _seed(), re.M).group(1)
    assert first != second
    client = Client()
    refused = client.post("/dashboard/login/", {"username": "demo@example.com", "password": first})
    assert refused.status_code == 200  # the form again, with its error
    accepted = client.post(
        "/dashboard/login/", {"username": "demo@example.com", "password": second}
    )
    assert accepted.status_code == 302
