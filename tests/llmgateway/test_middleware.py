"""The lean middleware: the API skips the cookie middleware, the pages keep all of it."""

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client

pytestmark = pytest.mark.django_db


def test_api_answers_carry_the_security_headers_over_asgi():
    answer = async_to_sync(AsyncClient().get)("/v1/config")
    assert answer.status_code == 200
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["X-Frame-Options"] == "DENY"
    assert "Cookie" not in answer.get("Vary", "")  # no session was touched


@pytest.mark.parametrize("client_class", [Client, AsyncClient])
def test_pages_still_refuse_a_post_without_the_csrf_token(client_class):
    client = client_class(enforce_csrf_checks=True)
    data = {"username": "someone", "password": "x"}
    post = async_to_sync(client.post) if client_class is AsyncClient else client.post
    answer = post("/admin/login/", data)
    assert answer.status_code == 403
    assert b"CSRF" in answer.content


def test_pages_keep_sessions_and_csrf_cookies_over_asgi():
    answer = async_to_sync(AsyncClient().get)("/admin/login/")
    assert answer.status_code == 200
    assert "csrftoken" in answer.cookies


def test_an_unknown_api_path_is_a_clean_404_in_the_error_shape():
    answer = Client().get("/v1/does-not-exist")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
