"""Developer webhooks: the endpoints API, the SSRF guard, signatures, retries with backoff."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import socket
from datetime import timedelta

import pytest
from django.contrib.admin.utils import quote
from django.utils import timezone

from billing.errors import WebhookUrlRejected
from billing.models import (
    DeveloperWebhookEndpoint,
    WebhookDelivery,
    WebhookDeliveryAttempt,
)
from billing.webhooks import delivery as webhook_delivery
from billing.webhooks.delivery import (
    MAX_ATTEMPTS,
    RETRY_BACKOFF_SECONDS,
    webhook_delivery_attempt,
)
from billing.webhooks.events import webhook_delivery_resend, webhook_event_emit
from billing.webhooks.url_guard import webhook_url_check
from tests.billing.topup_fixtures import _eager_celery_tasks  # noqa: F401  (autouse)
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.helpers.api import assert_error

pytestmark = pytest.mark.django_db

PUBLIC_ADDRESS = "93.184.216.34"


@pytest.fixture
def dns(monkeypatch):
    """Names this test resolves itself (no DNS here); others go to the real resolver."""
    table: dict[str, str] = {"hooks.example.com": PUBLIC_ADDRESS}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            family = socket.AF_INET6 if ":" in table[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (table[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    fake = WebhookReceiver().start()
    yield fake
    fake.stop()


def _endpoint(project, url, *, events=None, livemode=False):
    return DeveloperWebhookEndpoint.objects.create(
        project=project, livemode=livemode, url=url, events=events or []
    )


@pytest.fixture(autouse=True)
def _commit(django_capture_on_commit_callbacks):
    """Run on-commit work (the first delivery attempt) as a real commit would."""
    global _capture
    _capture = django_capture_on_commit_callbacks


_capture = None


def _emit(project, type="wallet.credited", data=None):
    with _capture(execute=True):
        return webhook_event_emit(
            project_id=project.pk, livemode=False, type=type, data=data or {"walletId": "wal_1"}
        )


# --- The endpoints API ----------------------------------------------------------------------


def test_create_shows_the_secret_once_then_list_retrieve_delete(api, dns):
    created = api.post(
        "/v1/webhook-endpoints",
        {"url": "https://hooks.example.com/llm", "events": ["wallet.credited"]},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert (body["url"], body["events"], body["livemode"]) == (
        "https://hooks.example.com/llm",
        ["wallet.credited"],
        False,
    )
    listed = api.get("/v1/webhook-endpoints").json()
    assert [item["id"] for item in listed["data"]] == [body["id"]]
    assert "secret" not in listed["data"][0]
    assert "secret" not in api.get(f"/v1/webhook-endpoints/{body['id']}").json()
    deleted = api.delete(f"/v1/webhook-endpoints/{body['id']}")
    assert deleted.json() == {"id": body["id"], "object": "webhook_endpoint", "deleted": True}
    assert_error(api.get(f"/v1/webhook-endpoints/{body['id']}"), 404, "not_found")
    assert api.get("/v1/webhook-endpoints").json()["data"] == []


def test_unknown_event_types_are_refused(api, dns):
    answer = api.post(
        "/v1/webhook-endpoints", {"url": "https://hooks.example.com/", "events": ["wallet.nope"]}
    )
    assert_error(answer, 400, "invalid_request")


def test_session_tokens_cannot_manage_endpoints(client, project):
    from sessions_app.services import session_mint
    from tests.helpers.api import ApiClient

    _, token = session_mint(project=project, livemode=False, external_id="u")
    answer = ApiClient(client, token).get("/v1/webhook-endpoints")
    assert_error(answer, 403, "permission_denied")


# --- The SSRF guard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.1/hook",
        "https://172.16.5.4/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "https://240.0.0.1/hook",
        "https://100.64.0.1/hook",
        "https://private.example.com/hook",
        "http://hooks.example.com/hook",
        "ftp://hooks.example.com/hook",
        "https://user:pass@hooks.example.com/hook",
    ],
)
def test_ssrf_table_is_refused_at_registration(api, dns, url):
    dns["private.example.com"] = "10.1.2.3"
    answer = api.post("/v1/webhook-endpoints", {"url": url})
    assert_error(answer, 400, "invalid_request", "url")
    assert not DeveloperWebhookEndpoint.objects.exists()


def test_a_name_with_any_private_address_is_refused(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_ADDRESS, port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(WebhookUrlRejected):
        webhook_url_check("https://mixed.example.com/", livemode=False)


def test_public_https_is_accepted_and_pins_the_checked_address(dns):
    target = webhook_url_check("https://hooks.example.com/a?b=1", livemode=True)
    assert target.connect_url == f"https://{PUBLIC_ADDRESS}:443/a?b=1"
    assert target.host_header == "hooks.example.com"


def test_http_loopback_only_in_test_mode_and_only_when_allowed(settings):
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = False
    with pytest.raises(WebhookUrlRejected):
        webhook_url_check("http://127.0.0.1:8000/hook", livemode=False)
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    assert webhook_url_check("http://127.0.0.1:8000/hook", livemode=False).port == 8000
    with pytest.raises(WebhookUrlRejected):
        webhook_url_check("http://127.0.0.1:8000/hook", livemode=True)
    with pytest.raises(WebhookUrlRejected):
        webhook_url_check("http://10.0.0.1:8000/hook", livemode=False)


def test_dns_rebinding_is_caught_at_delivery(project, dns, monkeypatch):
    dns["rebind.example.com"] = PUBLIC_ADDRESS
    _endpoint(project, "https://rebind.example.com/hook")
    webhook_url_check("https://rebind.example.com/hook", livemode=False)  # fine at registration
    dns["rebind.example.com"] = "10.0.0.5"  # the name now points inside

    connections = []
    monkeypatch.setattr(
        webhook_delivery.httpx.Client, "post", lambda *args, **kwargs: connections.append(args)
    )
    _emit(project)
    attempt = WebhookDeliveryAttempt.objects.get()
    assert not attempt.succeeded
    assert attempt.error.startswith("refused:")
    assert connections == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempt_count == 1


# --- Delivery -------------------------------------------------------------------------------


def test_signature_verifies_with_an_independent_hmac(project, receiver):
    endpoint = _endpoint(project, receiver.url(host="localhost"))
    event = _emit(project, data={"walletId": "wal_1", "balance": "8.333333333"})
    assert WebhookDelivery.objects.get().status == "succeeded"
    [request] = receiver.received
    # Connected to the checked address; the Host header still names the registered host.
    assert request.headers["Host"] == f"localhost:{receiver.port}"
    header = request.headers["LLMGateway-Signature"]
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(
        endpoint.secret.encode(), parts["t"].encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    body = json.loads(request.body)
    assert body == {
        "id": event.id,
        "object": "event",
        "type": "wallet.credited",
        "created": int(event.created_at.timestamp()),
        "livemode": False,
        "data": {"walletId": "wal_1", "balance": "8.333333333"},
    }
    assert body["id"].startswith("evt_")


def test_endpoints_get_only_the_events_they_subscribed_to(project, receiver):
    _endpoint(project, receiver.url(), events=["wallet.refunded"])
    _emit(project, type="wallet.credited")
    _emit(project, type="wallet.refunded")
    assert [json.loads(r.body)["type"] for r in receiver.received] == ["wallet.refunded"]


def test_failures_retry_with_exponential_backoff_then_give_up(project, receiver):
    receiver.status = 500
    _endpoint(project, receiver.url())
    _emit(project)
    delivery = WebhookDelivery.objects.get()
    waits = []
    for number in range(2, MAX_ATTEMPTS + 1):
        delivery.refresh_from_db()
        assert delivery.status == "pending"
        waits.append(round((delivery.next_attempt_at - delivery.updated_at).total_seconds()))
        # Not due yet: a sweep or duplicate task does nothing.
        assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        assert webhook_delivery_attempt(delivery_id=delivery.pk).number == number
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.attempt_count == MAX_ATTEMPTS >= 6
    assert waits == list(RETRY_BACKOFF_SECONDS)
    assert all(later > earlier for earlier, later in itertools.pairwise(waits))
    assert sum(RETRY_BACKOFF_SECONDS) >= 12 * 3600  # spread over most of a day
    assert len(receiver.received) == MAX_ATTEMPTS
    assert [a.status_code for a in WebhookDeliveryAttempt.objects.all()] == [500] * MAX_ATTEMPTS


def test_redirects_are_not_followed(project, receiver):
    receiver.status = 302
    receiver.location = "http://169.254.169.254/latest/meta-data"
    _endpoint(project, receiver.url())
    _emit(project)
    attempt = WebhookDeliveryAttempt.objects.get()
    assert (attempt.succeeded, attempt.status_code) == (False, 302)
    assert len(receiver.received) == 1


def test_resend_from_admin_delivers_again(project, receiver):
    receiver.status = 500
    _endpoint(project, receiver.url())
    _emit(project)
    receiver.status = 200
    delivery = WebhookDelivery.objects.get()
    with _capture(execute=True):
        webhook_delivery_resend(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)


def test_the_retry_sweep_attempts_due_deliveries(project, receiver):
    from billing.webhooks.tasks import webhook_deliveries_retry_due

    receiver.status = 503
    _endpoint(project, receiver.url())
    _emit(project)
    receiver.status = 200
    assert webhook_deliveries_retry_due() == 0  # backoff not over
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert webhook_deliveries_retry_due() == 1
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_admin_shows_attempts_and_resends(project, receiver, admin_client):
    receiver.status = 500
    _endpoint(project, receiver.url())
    _emit(project)
    delivery = WebhookDelivery.objects.get()
    page = admin_client.get(f"/admin/billing/webhookdelivery/{quote(delivery.pk)}/change/")
    assert page.status_code == 200
    assert b"HTTP 500" in page.content
    receiver.status = 200
    with _capture(execute=True):
        answer = admin_client.post(
            "/admin/billing/webhookdelivery/",
            {"action": "resend", "_selected_action": [delivery.pk]},
        )
    assert answer.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)


@pytest.mark.parametrize(
    "page",
    ["topup", "webhookevent", "developerwebhookendpoint", "projectbillingsettings"],
)
def test_admin_pages_of_top_ups_and_webhooks_render(admin_client, page):
    assert admin_client.get(f"/admin/billing/{page}/").status_code == 200
