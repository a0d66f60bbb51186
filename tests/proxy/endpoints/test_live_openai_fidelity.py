"""The official `openai` library through a real daphne to the loopback OpenAI upstream: tool
calls, the follow-up turn, streams read as OpenAI's README reads them, models.retrieve — each
answer the upstream's own but for the model id, each request billed to the nano."""

import json

import openai
import pytest

from llmgateway.money import nanos_to_usd
from llmgateway.services import api_key_create
from tests.helpers.gateway import expected_cost
from tests.helpers.money import USD, assert_ledger_ok
from wallets import services as wallet_services
from wallets.models import Hold, LedgerAccount, Wallet

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
MODEL = "openai/gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "What is the weather in Paris and in Tokyo?"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]
CALLS = [
    {"name": "get_weather", "arguments": '{"city": "Paris", "unit": "celsius"}'},
    {"name": "get_weather", "arguments": '{"city": "Tokyo", "unit": "celsius"}'},
]
# The fake's count (tests/fakes/openai_payloads.py): per call its name and 8-character fragments.
CALL_TOKENS = sum(1 + -(-len(call["arguments"]) // 8) for call in CALLS)


class Payer:
    """A live-mode caller (es or sk) and the account its requests are billed to."""

    def __init__(self, kind, *, project, funded_session):
        self.kind = kind
        if kind == "es":
            session, self.key = funded_session(livemode=True)
            self.wallet_id = session.wallet_id
        else:
            wallet_services.organization_credit_grant(
                organization_id=project.organization_id,
                amount_nanos=USD,
                reason="t",
                livemode=True,
            )
            self.key = api_key_create(project=project, livemode=True)[1]
            self.organization_id = project.organization_id

    def spent_nanos(self) -> int:
        if self.kind == "es":
            wallet = Wallet.objects.get(pk=self.wallet_id)
            assert wallet.held_nanos == 0
            return USD - wallet.balance_nanos
        credits = LedgerAccount.objects.get(
            organization_id=self.organization_id, kind="org_credits", livemode=True
        )
        return USD - credits.balance_nanos


@pytest.fixture(params=["es", "sk"])
def payer(request, project, funded_session, fake_openai):
    return Payer(request.param, project=project, funded_session=funded_session)


@pytest.fixture
def client(live_server_url, payer):
    return openai.OpenAI(base_url=f"{live_server_url}/v1", api_key=payer.key, max_retries=0)


def _assert_billed(payer, *usages):
    assert Hold.objects.exclude(status="settled").count() == 0
    assert payer.spent_nanos() == sum(expected_cost(MODEL, usage) for usage in usages)
    assert_ledger_ok()


def test_tool_calls_reach_the_client_as_the_upstream_sent_them(client, payer, fake_openai):
    fake_openai.tool_calls = CALLS

    raw = client.chat.completions.with_raw_response.create(
        model=MODEL, messages=MESSAGES, tools=TOOLS, tool_choice="auto"
    )
    completion = raw.parse()

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None and choice.message.refusal is None
    assert [(c.type, c.function.name, c.function.arguments) for c in choice.message.tool_calls] == [
        ("function", call["name"], call["arguments"]) for call in CALLS
    ]
    assert all(call.id.startswith("call_") for call in choice.message.tool_calls)
    assert completion.model == MODEL
    assert (completion.system_fingerprint, completion.service_tier) == ("fp_fake", "default")
    assert completion.usage.completion_tokens == CALL_TOKENS
    assert completion.usage.completion_tokens_details.reasoning_tokens == 0
    assert completion.usage.prompt_tokens_details.cached_tokens == 0
    sent = fake_openai.requests[-1].json
    assert (sent["tools"], sent["tool_choice"]) == (TOOLS, "auto")
    assert raw.headers["x-llmgateway-cost"] == nanos_to_usd(
        expected_cost(MODEL, completion.usage.model_dump())
    )
    _assert_billed(payer, completion.usage.model_dump())


def test_streamed_tool_calls_arrive_as_openai_streams_them(client, payer, fake_openai):
    fake_openai.tool_calls = CALLS

    chunks = list(
        client.chat.completions.create(model=MODEL, messages=MESSAGES, tools=TOOLS, stream=True)
    )

    assert all(chunk.choices for chunk in chunks)  # no usage-only chunk: it wasn't asked for
    assert {chunk.model for chunk in chunks} == {MODEL}
    assert {chunk.system_fingerprint for chunk in chunks} == {"fp_fake"}
    deltas = [call for chunk in chunks for call in chunk.choices[0].delta.tool_calls or []]
    heads = [delta for delta in deltas if delta.id]
    assert [(h.index, h.type, h.function.name, h.function.arguments) for h in heads] == [
        (0, "function", "get_weather", ""),
        (1, "function", "get_weather", ""),
    ]
    arguments = {0: "", 1: ""}
    for delta in deltas:
        arguments[delta.index] += delta.function.arguments or ""
    assert [arguments[0], arguments[1]] == [call["arguments"] for call in CALLS]
    last = chunks[-1]
    assert last.choices[0].finish_reason == "tool_calls"
    assert last.usage.completion_tokens == CALL_TOKENS
    assert last.usage.completion_tokens_details.reasoning_tokens == 0
    cost = expected_cost(MODEL, last.usage.model_dump())
    assert last.model_extra["x_llmgateway"]["cost"] == nanos_to_usd(cost)
    _assert_billed(payer, last.usage.model_dump())


def test_the_follow_up_turn_with_tool_results_is_forwarded(client, payer, fake_openai):
    fake_openai.tool_calls = CALLS
    first = client.chat.completions.create(model=MODEL, messages=MESSAGES, tools=TOOLS)
    fake_openai.tool_calls = None
    calls = first.choices[0].message.tool_calls
    follow_up = [
        *MESSAGES,
        first.choices[0].message.model_dump(exclude_none=True),
        *(
            {"role": "tool", "tool_call_id": call.id, "content": f"{city}: 21 degrees"}
            for call, city in zip(calls, ["Paris", "Tokyo"], strict=True)
        ),
    ]

    answer = client.chat.completions.create(model=MODEL, messages=follow_up, tools=TOOLS)

    sent = fake_openai.requests[-1].json["messages"]
    assert sent == json.loads(json.dumps(follow_up))
    assert sent[1]["tool_calls"][1]["id"] == calls[1].id and sent[2]["role"] == "tool"
    assert answer.choices[0].finish_reason == "stop"
    assert answer.choices[0].message.content == "Echo: What is the weather in Paris and in Tokyo?"
    _assert_billed(payer, first.usage.model_dump(), answer.usage.model_dump())


@pytest.mark.parametrize("model", ["test/echo", MODEL])
def test_the_readme_stream_loop_reads_every_chunk(client, payer, fake_openai, model):
    text = ""
    stream = client.chat.completions.create(model=model, messages=MESSAGES, stream=True)
    for chunk in stream:
        text += chunk.choices[0].delta.content or ""  # openai-python's README loop
    assert text.endswith("What is the weather in Paris and in Tokyo?")
    usage = chunk.usage.model_dump()
    assert payer.spent_nanos() == expected_cost(model, usage)
    assert_ledger_ok()


def test_include_usage_streams_as_openai_does(client, payer, fake_openai):
    stream = client.chat.completions.create(
        model=MODEL,
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": True},
        logprobs=True,
    )
    chunks = list(stream)

    *content, finish, usage_chunk = chunks
    assert all(chunk.choices and chunk.usage is None for chunk in [*content, finish])
    assert finish.choices[0].finish_reason == "stop"
    assert usage_chunk.choices == [] and usage_chunk.usage.completion_tokens == 10
    assert usage_chunk.usage.completion_tokens_details.accepted_prediction_tokens == 0
    pieces = [c.choices[0].logprobs.content[0].token for c in content if c.choices[0].logprobs]
    assert "".join(pieces) == "Echo: What is the weather in Paris and in Tokyo?"
    assert fake_openai.requests[-1].json["logprobs"] is True
    _assert_billed(payer, usage_chunk.usage.model_dump())


def test_models_retrieve_and_a_stable_created(client, payer, fake_openai):
    listed = {model.id: model.created for model in client.models.list()}
    model = client.models.retrieve(MODEL)

    assert (model.id, model.object, model.owned_by) == (MODEL, "model", "openai")
    assert model.created == listed[MODEL]
    assert {m.id: m.created for m in client.models.list()} == listed
    assert model.model_extra["pricing"]["input_per_million_tokens"]
    with pytest.raises(openai.NotFoundError) as raised:
        client.models.retrieve("openai/no-such-model")
    assert raised.value.body["code"] == "not_found"
    assert client.models.retrieve("test/echo").id == "test/echo"


def test_a_session_cannot_retrieve_a_model_outside_its_scope(live_server_url, funded_session):
    _, token = funded_session(livemode=True, models=["test/echo"])
    client = openai.OpenAI(base_url=f"{live_server_url}/v1", api_key=token, max_retries=0)
    assert client.models.retrieve("test/echo").id == "test/echo"
    with pytest.raises(openai.NotFoundError) as raised:
        client.models.retrieve(MODEL)
    assert raised.value.body["code"] == "not_found"


SCHEMA_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "weather",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "celsius": {"type": "integer"}},
            "required": ["city", "celsius"],
            "additionalProperties": False,
        },
    },
}
IMAGE_PARTS = [
    {"type": "text", "text": "What is the weather in this picture?"},
    {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"},
    },
    {"type": "image_url", "image_url": {"url": "https://img.example/paris.png"}},
]


def test_structured_output_and_vision_parts_reach_the_upstream_unchanged(
    client, payer, fake_openai
):
    fake_openai.reply_text = '{"city": "Paris", "celsius": 21}'
    messages = [{"role": "user", "content": IMAGE_PARTS}]

    completion = client.chat.completions.create(
        model=MODEL, messages=messages, response_format=SCHEMA_FORMAT
    )

    sent = fake_openai.requests[-1].json
    assert sent["response_format"] == SCHEMA_FORMAT
    assert sent["messages"] == messages
    assert completion.choices[0].message.content == '{"city": "Paris", "celsius": 21}'
    _assert_billed(payer, completion.usage.model_dump())


def test_a_named_tool_choice_streams_the_forced_call(client, payer, fake_openai):
    fake_openai.tool_calls = CALLS[:1]
    tool_choice = {"type": "function", "function": {"name": "get_weather"}}

    chunks = list(
        client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,
            tools=TOOLS,
            tool_choice=tool_choice,
            parallel_tool_calls=False,
            stream=True,
        )
    )

    sent = fake_openai.requests[-1].json
    assert (sent["tool_choice"], sent["parallel_tool_calls"]) == (tool_choice, False)
    calls = [call for chunk in chunks for call in chunk.choices[0].delta.tool_calls or []]
    assert calls[0].function.name == "get_weather"
    assert "".join(call.function.arguments or "" for call in calls) == CALLS[0]["arguments"]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    _assert_billed(payer, chunks[-1].usage.model_dump())
