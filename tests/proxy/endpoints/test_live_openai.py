"""The official `openai` library against a real daphne, with an es token and with an sk key."""

import threading
import time

import httpx
import openai
import pytest

from llmgateway.money import nanos_to_usd
from proxy.tokens import count_message_tokens
from tests.helpers.gateway import expected_cost
from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import Hold, LedgerAccount, Wallet

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
MESSAGES = [{"role": "user", "content": "one two three four"}]


def test_openai_client_with_a_session_token(live_server_url, funded_session):
    session, token = funded_session()
    client = openai.OpenAI(base_url=f"{live_server_url}/v1", api_key=token, max_retries=0)

    models = {model.id for model in client.models.list()}
    plain = client.chat.completions.create(model="test/echo", messages=MESSAGES)
    stream = client.chat.completions.create(
        model="test/lorem", messages=MESSAGES, max_tokens=5, stream=True
    )
    chunks = list(stream)
    embedding = client.embeddings.create(model="test/embed", input="hello world")
    image = client.images.generate(model="test/image", prompt="a red square", n=1)

    assert {"test/echo", "test/lorem", "test/embed", "test/image"} <= models
    assert plain.choices[0].message.content == "one two three four"
    streamed_text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(streamed_text.split()) == 5
    usage_chunk = chunks[-1]  # without stream_options.include_usage: the finish chunk
    assert usage_chunk.choices[0].finish_reason and usage_chunk.usage.completion_tokens == 5
    assert len(embedding.data[0].embedding) > 0
    assert image.data[0].b64_json
    expected = (
        expected_cost("test/echo", plain.usage.model_dump())
        + expected_cost("test/lorem", usage_chunk.usage.model_dump())
        + expected_cost("test/embed", {"prompt_tokens": embedding.usage.prompt_tokens})
    )
    wallet = Wallet.objects.get(pk=session.wallet_id)
    image_charge = USD - wallet.balance_nanos - expected
    assert image_charge >= 10_000_000  # $0.01 per test image, plus its prompt tokens
    assert wallet.held_nanos == 0
    assert_ledger_ok()


def test_openai_client_with_a_secret_key_bills_org_credits(
    live_server_url, org_secret_key, project
):
    client = openai.OpenAI(base_url=f"{live_server_url}/v1", api_key=org_secret_key, max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="test/echo", messages=MESSAGES)
    completion = raw.parse()
    cost = expected_cost("test/echo", completion.usage.model_dump())
    assert raw.headers["x-llmgateway-cost"] == nanos_to_usd(cost)
    credits = LedgerAccount.objects.get(
        organization_id=project.organization_id, kind="org_credits", livemode=False
    )
    assert credits.balance_nanos == 5 * USD - cost
    assert_ledger_ok()


def test_openai_client_sees_api_errors(live_server_url, funded_session):
    _, token = funded_session(balance_nanos=0)
    client = openai.OpenAI(base_url=f"{live_server_url}/v1", api_key=token, max_retries=0)
    with pytest.raises(openai.APIStatusError) as raised:
        client.chat.completions.create(model="test/echo", messages=MESSAGES)
    assert raised.value.status_code == 402
    assert raised.value.body["code"] == "insufficient_balance"
    with pytest.raises(openai.PermissionDeniedError):
        client.chat.completions.create(model="openai/gpt-4o-mini", messages=MESSAGES)


@pytest.fixture
def slow_streams(live_process_env):
    live_process_env["TEST_MODEL_STREAM_DELAY_SECONDS"] = "0.05"
    return live_process_env


def test_disconnect_mid_stream_charges_only_what_was_delivered(
    slow_streams, live_server_url, funded_session
):
    session, token = funded_session()
    received = []
    with (
        httpx.Client(timeout=30) as client,
        client.stream(
            "POST",
            f"{live_server_url}/v1/chat/completions",
            headers={"Authorization": f"Bearer {token}"},
            json={"model": "test/lorem", "messages": MESSAGES, "max_tokens": 200, "stream": True},
        ) as response,
    ):
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: ") and '"content":"' in line and '"content":""' not in line:
                received.append(line)
            if len(received) == 5:
                break  # leaving the with-block closes the connection mid-stream

    hold = _wait_for_finished_hold(session.wallet_id)
    assert hold.status == "settled"
    assert 0 < hold.charged_nanos < hold.amount_nanos
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert wallet.held_nanos == 0
    assert wallet.balance_nanos == USD - hold.charged_nanos
    # The answer would have been 200 one-token words; the bill is the prompt plus the words
    # sent before the client left (at least the 5 it read, far fewer than 200).
    prompt_tokens = count_message_tokens(MESSAGES, model="test/lorem")
    output_tokens = next(
        n
        for n in range(201)
        if expected_cost("test/lorem", {"prompt_tokens": prompt_tokens, "completion_tokens": n})
        == hold.charged_nanos
    )
    assert 5 <= output_tokens < 200
    assert_ledger_ok()


def _wait_for_finished_hold(wallet_id: str) -> Hold:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        hold = Hold.objects.filter(wallet_id=wallet_id).first()
        if hold is not None and hold.status != "held":
            return hold
        time.sleep(0.1)
    raise AssertionError("the hold was never settled after the client left")


def test_many_clients_at_once(live_server_url, funded_session):
    session, token = funded_session(balance_nanos=10 * USD)
    results = []

    def one():
        client = openai.OpenAI(base_url=f"{live_server_url}/v1", api_key=token, max_retries=0)
        results.append(client.chat.completions.create(model="test/echo", messages=MESSAGES))

    threads = [threading.Thread(target=one) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 10
    each = expected_cost("test/echo", results[0].usage.model_dump())
    assert Wallet.objects.get(pk=session.wallet_id).balance_nanos == 10 * USD - 10 * each
    assert_ledger_ok()
