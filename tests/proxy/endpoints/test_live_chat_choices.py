"""`n` chat choices through a real daphne with the official `openai` library: up to
MAX_CHAT_CHOICES for OpenAI-compatible upstreams, held for n x max_tokens, billed for every
choice; a clear 400 for more, or for providers that answer one choice (nothing held)."""

import openai
import pytest

from billing.pricing import cost_nanos
from llmgateway.money import nanos_to_usd
from proxy import prompt_bound
from proxy.requests import MAX_CHAT_CHOICES
from tests.helpers.gateway import deployment_of, expected_cost
from tests.proxy.endpoints.test_live_anthropic_tools import live_process_env  # noqa: F401
from tests.proxy.endpoints.test_live_openai_fidelity import MESSAGES, MODEL, Payer, _assert_billed
from wallets.models import Hold

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ANSWER = "Echo: What is the weather in Paris and in Tokyo?"  # 10 words: the fake's 10 tokens


@pytest.fixture(params=["es", "sk"])
def payer(request, project, funded_session, fake_openai):
    return Payer(request.param, project=project, funded_session=funded_session)


@pytest.fixture
def client(live_server_url, payer):
    return openai.OpenAI(base_url=f"{live_server_url}/v1", api_key=payer.key, max_retries=0)


def test_n_choices_are_answered_indexed_and_billed_for_all(client, payer, fake_openai):
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES, n=3)

    assert fake_openai.requests[-1].json["n"] == 3
    assert [choice.index for choice in completion.choices] == [0, 1, 2]
    assert {choice.message.content for choice in completion.choices} == {ANSWER}
    assert completion.usage.completion_tokens == 3 * 10
    _assert_billed(payer, completion.usage.model_dump())


def test_a_stream_of_n_choices_is_held_for_each_and_billed_for_all(client, payer, fake_openai):
    raw = client.chat.completions.with_raw_response.create(
        model=MODEL,
        messages=MESSAGES,
        n=2,
        max_tokens=40,
        stream=True,
        stream_options={"include_usage": True},
    )
    *chunks, usage_chunk = list(raw.parse())

    prompt_tokens = prompt_bound.chat_prompt_tokens(MESSAGES, {}, model="gpt-4o-mini")
    hold = cost_nanos(deployment_of(MODEL), input_tokens=prompt_tokens, output_tokens=2 * 40)
    assert raw.headers["x-llmgateway-cost"] == nanos_to_usd(hold)  # a stream's header: its hold
    text = {0: "", 1: ""}
    for chunk in chunks:
        for choice in chunk.choices:
            text[choice.index] += choice.delta.content or ""
    assert text == {0: ANSWER, 1: ANSWER}
    finishes = [(c.index, c.finish_reason) for chunk in chunks for c in chunk.choices]
    assert [item for item in finishes if item[1]] == [(0, "stop"), (1, "stop")]
    assert usage_chunk.choices == [] and usage_chunk.usage.completion_tokens == 2 * 10
    assert usage_chunk.model_extra["x_llmgateway"]["cost"] == nanos_to_usd(
        expected_cost(MODEL, usage_chunk.usage.model_dump())
    )
    _assert_billed(payer, usage_chunk.usage.model_dump())


@pytest.mark.parametrize(
    ("model", "n"),
    [(MODEL, MAX_CHAT_CHOICES + 1), ("test/echo", 2), ("anthropic/claude-sonnet-4-5", 2)],
)
def test_more_choices_than_served_is_a_400_that_holds_nothing(client, payer, model, n):
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model=model, messages=MESSAGES, n=n)

    error = refused.value.body
    assert (error["code"], error["param"]) == ("invalid_request", "n")
    assert Hold.objects.count() == 0
    assert payer.spent_nanos() == 0
