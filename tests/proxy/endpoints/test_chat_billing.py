"""Chat, embeddings, images and models through the gateway, billed exactly per request."""

import pytest
from django.contrib.admin.utils import quote

from llmgateway.models import ApiKey
from llmgateway.money import nanos_to_usd
from proxy.models import RequestLog, UsageDaily
from tests.helpers.api import assert_error
from tests.helpers.gateway import expected_cost, post_json, post_stream, sse_events
from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import Hold, LedgerAccount, Wallet

pytestmark = pytest.mark.django_db(transaction=True)
CHAT = "/v1/chat/completions"
MESSAGES = [{"role": "user", "content": "Hello there, gateway"}]


def test_es_chat_debits_the_wallet_exactly_price_times_usage(client, funded_session, project):
    session, token = funded_session(models=["test/echo"])

    response = post_json(client, CHAT, {"model": "test/echo", "messages": MESSAGES}, token)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == "test/echo"
    assert body["choices"][0]["message"] == {
        "role": "assistant",
        "content": "Hello there, gateway",
        "refusal": None,
    }
    cost = expected_cost("test/echo", body["usage"])
    assert cost > 0
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - cost, 0)
    assert response.headers["X-LLMGateway-Cost"] == nanos_to_usd(cost)
    assert response.headers["X-LLMGateway-Balance"] == nanos_to_usd(USD - cost)
    assert Hold.objects.get().status == "settled"
    log = RequestLog.objects.get()
    embedded = ApiKey.objects.get(project=project, kind="embedded_session", livemode=False)
    assert (log.api_key_id, log.session_id, log.cost_nanos, log.status_code) == (
        embedded.pk,
        session.pk,
        cost,
        200,
    )
    assert log.output_tokens == body["usage"]["completion_tokens"]
    daily = UsageDaily.objects.get()
    assert (daily.requests, daily.cost_nanos, daily.model) == (1, cost, "test/echo")
    assert_ledger_ok()


def test_streamed_chat_ends_with_usage_on_the_finish_chunk_and_is_billed_exactly(
    client, funded_session
):
    session, token = funded_session()

    response, raw = post_stream(
        CHAT, {"model": "test/lorem", "messages": MESSAGES, "max_tokens": 7, "stream": True}, token
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    events = sse_events(raw)
    assert events[-1] == "[DONE]"
    assert all(event["choices"] and "usage" not in event for event in events[:-2])
    last = events[-2]
    assert last["choices"][0]["finish_reason"] == "length"
    assert last["usage"]["completion_tokens"] == 7
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-1])
    assert len(text.split()) == 7
    cost = expected_cost("test/lorem", last["usage"])
    assert last["x_llmgateway"] == {"cost": nanos_to_usd(cost), "balance": nanos_to_usd(USD - cost)}
    assert Wallet.objects.get(pk=session.wallet_id).balance_nanos == USD - cost
    assert_ledger_ok()


def test_streamed_chat_with_include_usage_ends_with_a_usage_chunk(client, funded_session):
    session, token = funded_session()
    body = {
        "model": "test/lorem",
        "messages": MESSAGES,
        "max_tokens": 7,
        "stream": True,
        "stream_options": {"include_usage": True},
    }

    _, raw = post_stream(CHAT, body, token)

    events = sse_events(raw)
    assert events[-1] == "[DONE]"
    usage_chunk = events[-2]
    assert usage_chunk["choices"] == [] and usage_chunk["usage"]["completion_tokens"] == 7
    assert all(event["choices"] and event["usage"] is None for event in events[:-2])
    assert events[-3]["choices"][0]["finish_reason"] == "length"
    cost = expected_cost("test/lorem", usage_chunk["usage"])
    assert usage_chunk["x_llmgateway"] == {
        "cost": nanos_to_usd(cost),
        "balance": nanos_to_usd(USD - cost),
    }
    assert Wallet.objects.get(pk=session.wallet_id).balance_nanos == USD - cost
    assert_ledger_ok()


@pytest.mark.parametrize("stream_options", [[], {"include_usage": "yes"}])
def test_malformed_stream_options_are_refused(client, funded_session, stream_options):
    _, token = funded_session()
    body = {"model": "test/echo", "messages": MESSAGES, "stream": True}
    response = post_json(client, CHAT, {**body, "stream_options": stream_options}, token)
    assert_error(response, 400, "invalid_request")


def test_secret_key_traffic_bills_the_organizations_credits(client, org_secret_key, project):
    response = post_json(client, CHAT, {"model": "test/echo", "messages": MESSAGES}, org_secret_key)
    assert response.status_code == 200
    cost = expected_cost("test/echo", response.json()["usage"])
    credits = LedgerAccount.objects.get(
        organization_id=project.organization_id, kind="org_credits", livemode=False
    )
    assert (credits.balance_nanos, credits.held_nanos) == (5 * USD - cost, 0)
    assert "X-LLMGateway-Balance" not in response.headers
    assert RequestLog.objects.get().api_key.kind == "secret"
    assert_ledger_ok()


def test_insufficient_balance_is_refused_before_any_upstream_call(client, funded_session):
    session, token = funded_session(balance_nanos=10)
    response = post_json(client, CHAT, {"model": "test/echo", "messages": MESSAGES}, token)
    assert_error(response, 402, "insufficient_balance")
    assert Hold.objects.count() == 0
    assert Wallet.objects.get(pk=session.wallet_id).balance_nanos == 10


def test_spend_cap_is_enforced(client, funded_session):
    _, token = funded_session(max_spend_nanos=1000)
    response = post_json(client, CHAT, {"model": "test/echo", "messages": MESSAGES}, token)
    assert_error(response, 402, "spend_cap_exceeded")


def test_test_mode_cannot_call_real_models(client, funded_session, org_secret_key):
    _, token = funded_session()
    for key in (token, org_secret_key):
        response = post_json(
            client, CHAT, {"model": "openai/gpt-4o-mini", "messages": MESSAGES}, key
        )
        assert_error(response, 403, "model_not_allowed")


def test_session_scope_limits_models(client, funded_session):
    _, token = funded_session(models=["test/lorem"])
    assert_error(
        post_json(client, CHAT, {"model": "test/echo", "messages": MESSAGES}, token),
        403,
        "model_not_allowed",
    )
    listed = client.get("/v1/models", headers={"Authorization": f"Bearer {token}"}).json()
    assert [m["id"] for m in listed["data"]] == ["test/lorem"]


def test_bad_requests_are_400_or_404(client, funded_session):
    _, token = funded_session()
    assert_error(
        post_json(client, CHAT, {"messages": MESSAGES}, token), 400, "invalid_request", "model"
    )
    assert_error(
        post_json(client, CHAT, {"model": "test/echo", "messages": []}, token),
        400,
        "invalid_request",
        "messages",
    )
    assert_error(
        post_json(
            client, CHAT, {"model": "test/echo", "messages": MESSAGES, "max_tokens": 0}, token
        ),
        400,
        "invalid_request",
        "max_tokens",
    )
    assert_error(
        post_json(client, CHAT, {"model": "nope/x", "messages": MESSAGES}, token), 404, "not_found"
    )
    assert_error(
        post_json(client, CHAT, {"model": "test/embed", "messages": MESSAGES}, token),
        400,
        "invalid_request",
        "model",
    )
    response = client.post(
        CHAT, "{oops", content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    assert_error(response, 400, "invalid_request")
    assert_error(
        client.get(CHAT, headers={"Authorization": f"Bearer {token}"}), 405, "method_not_allowed"
    )
    assert_error(post_json(client, CHAT, {}, "sk_test_nope"), 401, "invalid_api_key")
    assert_error(
        post_json(client, CHAT, {"model": "test/echo\x00", "messages": MESSAGES}, token),
        400,
        "invalid_request",
    )


def test_embeddings_and_images_are_billed(client, funded_session):
    session, token = funded_session()
    embedded = post_json(
        client, "/v1/embeddings", {"model": "test/embed", "input": ["a b", "c"]}, token
    )
    assert embedded.status_code == 200, embedded.content
    body = embedded.json()
    assert len(body["data"]) == 2 and body["usage"]["prompt_tokens"] > 0
    embed_cost = expected_cost("test/embed", body["usage"])
    assert embedded.headers["X-LLMGateway-Cost"] == nanos_to_usd(embed_cost)

    image = post_json(
        client, "/v1/images/generations", {"model": "test/image", "prompt": "a cat", "n": 2}, token
    )

    assert image.status_code == 200, image.content
    assert len(image.json()["data"]) == 2
    log = RequestLog.objects.get(endpoint="images.generations")
    image_cost = expected_cost(
        "test/image",
        {"prompt_tokens": log.input_tokens, "completion_tokens": log.output_tokens},
        images=2,
    )
    assert image_cost >= 2 * 10_000_000  # $0.01 per image
    assert (log.images, log.cost_nanos) == (2, image_cost)
    assert image.headers["X-LLMGateway-Cost"] == nanos_to_usd(image_cost)
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert wallet.balance_nanos == USD - embed_cost - image_cost
    assert_ledger_ok()


def test_models_lists_what_the_mode_may_use(client, org_secret_key):
    listed = client.get("/v1/models", headers={"Authorization": f"Bearer {org_secret_key}"}).json()
    ids = {m["id"] for m in listed["data"]}
    assert {"test/echo", "test/lorem", "test/embed", "test/image"} <= ids
    assert all(model_id.startswith("test/") for model_id in ids)
    echo = next(m for m in listed["data"] if m["id"] == "test/echo")
    assert echo["pricing"]["input_per_million_tokens"] == "1.00"


def test_logs_and_usage_are_visible_in_admin(client, admin_client, funded_session):
    _, token = funded_session()
    post_json(client, CHAT, {"model": "test/echo", "messages": MESSAGES}, token)
    log = RequestLog.objects.get()
    listing = admin_client.get("/admin/proxy/requestlog/")
    assert listing.status_code == 200 and b"test/echo" in listing.content
    assert admin_client.get(f"/admin/proxy/requestlog/{quote(log.pk)}/change/").status_code == 200
    usage = admin_client.get("/admin/proxy/usagedaily/")
    assert usage.status_code == 200 and nanos_to_usd(log.cost_nanos).encode() in usage.content
