"""POST /v1/responses with the official `openai` library through a real daphne to the loopback
OpenAI upstream: plain and streamed answers in OpenAI's exact shapes (validated with the
library's own pydantic types), function calls and the follow-up turn, the output limit, the
stateless 400, an upstream cut mid-stream — each through a session token and a secret key,
billed to the nano from the upstream's usage, with the ledger checked after."""

import json

import httpx
import openai
import pytest
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from llmgateway.money import nanos_to_usd
from proxy.models import RequestLog
from proxy.tokens import count_text_tokens
from tests.helpers.gateway import expected_cost
from tests.helpers.money import assert_ledger_ok
from tests.proxy.endpoints.test_live_openai_fidelity import CALL_TOKENS, CALLS, Payer
from wallets.models import Hold

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
MODEL = "openai/gpt-4o-mini"
QUESTION = "What is the weather in Paris and in Tokyo?"
ECHO = f"Echo: {QUESTION}"
TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
        "strict": True,
    }
]
STREAM_EVENT = TypeAdapter(ResponseStreamEvent)


@pytest.fixture
def live_process_env(live_process_env):
    # A stalled upstream times out after a second: the mid-stream failure test needs it.
    return {**live_process_env, "UPSTREAM_TIMEOUT_SECONDS": "1"}


@pytest.fixture(params=["es", "sk"])
def payer(request, project, funded_session, fake_openai):
    return Payer(request.param, project=project, funded_session=funded_session)


@pytest.fixture
def client(live_server_url, payer):
    return openai.OpenAI(base_url=f"{live_server_url}/v1", api_key=payer.key, max_retries=0)


def chat_usage(usage) -> dict:
    """A Responses usage in chat's vocabulary, for tests.helpers.gateway.expected_cost."""
    usage = usage if isinstance(usage, dict) else usage.model_dump()
    return {
        "prompt_tokens": usage["input_tokens"],
        "completion_tokens": usage["output_tokens"],
        "prompt_tokens_details": {"cached_tokens": usage["input_tokens_details"]["cached_tokens"]},
    }


def assert_billed(payer, *usages, model=MODEL):
    assert Hold.objects.exclude(status="settled").count() == 0
    assert payer.spent_nanos() == sum(expected_cost(model, chat_usage(u)) for u in usages)
    assert_ledger_ok()


def events_of(stream) -> list:
    events = list(stream)
    for event in events:  # each one as OpenAI's schema (the library's types) has it
        STREAM_EVENT.validate_python(event.model_dump(exclude_unset=True, by_alias=True))
    assert [event.sequence_number for event in events] == list(range(len(events)))
    return events


@pytest.mark.parametrize("model", [MODEL, "test/echo"])
def test_a_plain_response_in_openais_shape_billed_to_the_nano(client, payer, fake_openai, model):
    raw = client.responses.with_raw_response.create(
        model=model, input=QUESTION, instructions="Answer briefly.", temperature=0.5
    )
    response = raw.parse()

    body = json.loads(raw.content)
    Response.model_validate(body)  # strict: every field OpenAI's schema requires, typed
    assert body["id"].startswith("resp_") and body["object"] == "response"
    assert (body["status"], body["model"], body["error"], body["incomplete_details"]) == (
        "completed",
        model,
        None,
        None,
    )
    assert (body["instructions"], body["temperature"], body["store"]) == (
        "Answer briefly.",
        0.5,
        False,
    )
    [message] = response.output
    assert (message.type, message.role, message.status) == ("message", "assistant", "completed")
    assert message.id.startswith("msg_")
    assert body["output"][0]["content"] == [
        {"type": "output_text", "text": response.output_text, "annotations": [], "logprobs": []}
    ]
    assert response.output_text.endswith(QUESTION)
    usage = response.usage
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert (
        usage.input_tokens_details.cached_tokens,
        usage.output_tokens_details.reasoning_tokens,
    ) == (0, 0)
    if model == MODEL:
        sent = fake_openai.requests[-1].json
        assert sent["messages"] == [
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": QUESTION},
        ]
        assert (sent["model"], sent["temperature"]) == ("gpt-4o-mini", 0.5)
        assert (usage.input_tokens, usage.output_tokens) == (11, 10)  # the fake's word counts
    cost = expected_cost(model, chat_usage(usage))
    assert raw.headers["x-llmgateway-cost"] == nanos_to_usd(cost)
    log = RequestLog.objects.get()
    assert (log.endpoint, log.model, log.cost_nanos, log.stream) == (
        "responses",
        model,
        cost,
        False,
    )
    assert (log.input_tokens, log.output_tokens) == (usage.input_tokens, usage.output_tokens)
    assert_billed(payer, usage, model=model)


@pytest.mark.parametrize("model", [MODEL, "test/echo"])
def test_a_streamed_response_sends_openais_event_sequence(client, payer, fake_openai, model):
    wire = httpx.post(
        f"{client.base_url}responses",
        json={"model": model, "input": [{"role": "user", "content": QUESTION}], "stream": True},
        headers={"Authorization": f"Bearer {payer.key}"},
        timeout=30,
    )
    assert wire.headers["content-type"].startswith("text/event-stream")
    blocks = wire.text.removesuffix("\n\n").split("\n\n")
    for block in blocks:  # OpenAI's framing: an `event:` line naming the data's type
        event_line, data_line = block.split("\n")
        assert event_line == "event: " + json.loads(data_line.removeprefix("data: "))["type"]
    first_usage = json.loads(blocks[-1].split("\n")[1].removeprefix("data: "))["response"]["usage"]

    events = events_of(client.responses.create(model=model, input=QUESTION, stream=True))

    kinds = [event.type for event in events]
    deltas = [event.delta for event in events if event.type == "response.output_text.delta"]
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * len(deltas),
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert len(deltas) > 1 and "".join(deltas).endswith(QUESTION)
    created, done, completed = events[0], events[-2], events[-1]
    assert created.response.status == "in_progress" and created.response.output == []
    assert created.response.id == completed.response.id and completed.response.model == model
    assert done.item.content[0].text == "".join(deltas) == completed.response.output_text
    assert {e.item_id for e in events if hasattr(e, "item_id")} == {done.item.id}
    assert completed.response.status == "completed"
    billing = completed.model_extra["x_llmgateway"]
    assert billing["cost"] == nanos_to_usd(
        expected_cost(model, chat_usage(completed.response.usage))
    )
    assert ("balance" in billing) == (payer.kind == "es")
    assert_billed(payer, first_usage, completed.response.usage, model=model)


def test_a_function_call_and_the_follow_up_turn(client, payer, fake_openai):
    fake_openai.tool_calls = CALLS

    first = client.responses.create(model=MODEL, input=QUESTION, tools=TOOLS, tool_choice="auto")

    Response.model_validate(first.model_dump(exclude_unset=True))
    assert [(item.type, item.name, item.arguments) for item in first.output] == [
        ("function_call", call["name"], call["arguments"]) for call in CALLS
    ]
    assert all(
        item.id.startswith("fc_") and item.call_id.startswith("call_") for item in first.output
    )
    assert first.usage.output_tokens == CALL_TOKENS
    sent = fake_openai.requests[-1].json
    assert sent["tools"] == [
        {
            "type": "function",
            "function": {
                key: TOOLS[0][key] for key in ("name", "description", "parameters", "strict")
            },
        }
    ]
    assert sent["tool_choice"] == "auto"

    fake_openai.tool_calls = None
    follow_up = [
        {"role": "user", "content": [{"type": "input_text", "text": QUESTION}]},
        *(item.model_dump(exclude_none=True) for item in first.output),
        *(
            {"type": "function_call_output", "call_id": item.call_id, "output": f"{city}: 21"}
            for item, city in zip(first.output, ["Paris", "Tokyo"], strict=True)
        ),
    ]
    answer = client.responses.create(model=MODEL, input=follow_up, tools=TOOLS)

    assert fake_openai.requests[-1].json["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": QUESTION}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": item.call_id,
                    "type": "function",
                    "function": {"name": item.name, "arguments": item.arguments},
                }
                for item in first.output
            ],
        },
        {"role": "tool", "tool_call_id": first.output[0].call_id, "content": "Paris: 21"},
        {"role": "tool", "tool_call_id": first.output[1].call_id, "content": "Tokyo: 21"},
    ]
    assert answer.status == "completed" and answer.output_text == ECHO
    assert_billed(payer, first.usage, answer.usage)


def test_a_streamed_function_call_sends_the_argument_events(client, payer, fake_openai):
    fake_openai.tool_calls = CALLS

    events = events_of(
        client.responses.create(model=MODEL, input=QUESTION, tools=TOOLS, stream=True)
    )

    added = [e.item for e in events if e.type == "response.output_item.added"]
    assert [(item.type, item.name, item.arguments) for item in added] == [
        ("function_call", "get_weather", "")
    ] * 2
    for index, call in enumerate(CALLS):
        fragments = [
            e.delta
            for e in events
            if e.type == "response.function_call_arguments.delta" and e.output_index == index
        ]
        assert len(fragments) > 1 and "".join(fragments) == call["arguments"]
        [done] = [
            e
            for e in events
            if e.type == "response.function_call_arguments.done" and e.output_index == index
        ]
        assert (done.arguments, done.item_id) == (call["arguments"], added[index].id)
    completed = events[-1]
    assert completed.type == "response.completed"
    assert [item.arguments for item in completed.response.output] == [c["arguments"] for c in CALLS]
    assert completed.response.usage.output_tokens == CALL_TOKENS
    assert_billed(payer, completed.response.usage)


@pytest.mark.parametrize("stream", [False, True])
def test_max_output_tokens_cut_is_incomplete(client, payer, fake_openai, stream):
    result = client.responses.create(
        model=MODEL, input=QUESTION, max_output_tokens=3, stream=stream
    )
    if stream:
        events = events_of(result)
        assert events[-1].type == "response.incomplete"
        result = events[-1].response
    assert result.status == "incomplete"
    assert result.incomplete_details.reason == "max_output_tokens"
    assert result.output[0].status == "incomplete"
    assert (result.output_text, result.usage.output_tokens, result.max_output_tokens) == (
        "Echo: What is",
        3,
        3,
    )
    assert fake_openai.requests[-1].json["max_completion_tokens"] == 3
    assert_billed(payer, result.usage)


def test_previous_response_id_is_a_clear_400_and_free(client, payer, fake_openai):
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(model=MODEL, input="again", previous_response_id="resp_123")

    assert raised.value.body["code"] == "invalid_request"
    assert raised.value.body["param"] == "previous_response_id"
    assert "store: false" in raised.value.body["message"]
    assert fake_openai.requests == [] and Hold.objects.count() == 0
    assert payer.spent_nanos() == 0


def test_an_upstream_cut_mid_stream_fails_the_response_and_bills_what_was_delivered(
    client, payer, fake_openai
):
    fake_openai.hang = "mid_stream"  # after the first word; the gateway times out after 1 s

    events = events_of(client.responses.create(model=MODEL, input=QUESTION, stream=True))

    fake_openai.release_hangs()
    error, failed = events[-2:]
    assert (error.type, error.code) == ("error", "upstream_error")
    assert failed.type == "response.failed" and failed.response.status == "failed"
    assert failed.response.error.code == "server_error"
    delivered = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert delivered == "Echo: "
    usage = failed.response.usage
    assert usage.output_tokens == count_text_tokens(delivered, model="gpt-4o-mini")
    hold = Hold.objects.get()
    cost = expected_cost(MODEL, chat_usage(usage))
    assert (hold.status, hold.charged_nanos) == ("settled", cost)
    assert 0 < cost < hold.amount_nanos
    assert failed.model_extra["x_llmgateway"]["cost"] == nanos_to_usd(cost)
    assert_billed(payer, usage)


def test_a_session_scope_and_origin_hold_for_responses(live_server_url, funded_session, project):
    project.allowed_origins = ["https://app.example"]
    project.save()
    _, token = funded_session(livemode=True, models=["test/echo"])
    client = openai.OpenAI(
        base_url=f"{live_server_url}/v1",
        api_key=token,
        max_retries=0,
        default_headers={"Origin": "https://app.example"},
    )
    reply = client.responses.with_raw_response.create(model="test/echo", input="hi")
    assert reply.parse().output_text == "hi"
    assert reply.headers["access-control-allow-origin"] == "https://app.example"
    with pytest.raises(openai.PermissionDeniedError) as raised:
        client.responses.create(model=MODEL, input="hi")
    assert raised.value.body["code"] == "model_not_allowed"

    elsewhere = client.with_options(default_headers={"Origin": "https://evil.example"})
    with pytest.raises(openai.PermissionDeniedError) as raised:
        elsewhere.responses.create(model="test/echo", input="hi")
    assert raised.value.body["code"] == "origin_not_allowed"
    assert Hold.objects.count() == 1
    assert_ledger_ok()
