"""The official `openai` library through a real daphne to the loopback Anthropic upstream: tool
calls plain and streamed, the follow-up turn with tool results, structured output and an image,
each translated both ways and billed to the nano from Anthropic's own usage."""

import base64
import json

import openai
import pytest

from billing.pricing import cost_nanos
from llmgateway.money import nanos_to_usd
from tests.fakes.anthropic_fixture import FAKE_ANTHROPIC_API_KEY
from tests.fakes.anthropic_payloads import IMAGE_TOKENS
from tests.fakes.openai_payloads import PNG_1X1
from tests.helpers.gateway import deployment_of
from tests.helpers.live import FAKE_OPENAI_API_KEY
from tests.helpers.money import assert_ledger_ok
from tests.proxy.endpoints.test_live_openai_fidelity import Payer
from wallets.models import Hold

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
MODEL = "anthropic/claude-sonnet-4-5"
MESSAGES = [{"role": "user", "content": "What is the weather in Paris and in Tokyo?"}]  # 9 words
PARAMETERS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": PARAMETERS,
        },
    }
]
# What the fake bills for the tools it is sent: the words of their Anthropic JSON.
TOOLS_WORDS = len(
    json.dumps(
        [
            {
                "name": "get_weather",
                "input_schema": PARAMETERS,
                "description": "The weather in a city",
            }
        ]
    ).split()
)
CALLS = [{"name": "get_weather", "input": {"city": city}} for city in ("Paris", "Tokyo")]
# Per call: 1 (its name) + its input JSON in 8-character fragments ('{"city": "Paris"}': 3).
CALLS_OUTPUT_TOKENS = 2 * (1 + 3)


@pytest.fixture
def live_process_env(fake_openai_server, fake_anthropic_server):
    return {
        "OPENAI_BASE_URL": fake_openai_server.base_url,
        "OPENAI_API_KEY": FAKE_OPENAI_API_KEY,
        "ANTHROPIC_BASE_URL": fake_anthropic_server.base_url,
        "ANTHROPIC_API_KEY": FAKE_ANTHROPIC_API_KEY,
        "REQUEST_LOG_FLUSH_SECONDS": "0",
    }


@pytest.fixture(params=["es", "sk"])
def payer(request, project, funded_session, fake_anthropic):
    return Payer(request.param, project=project, funded_session=funded_session)


@pytest.fixture
def client(live_server_url, payer):
    return openai.OpenAI(base_url=f"{live_server_url}/v1", api_key=payer.key, max_retries=0)


def anthropic_cost(*, input_tokens, output_tokens, cache_read=0, cache_creation=0):
    """Anthropic's usage priced by the catalog: cache writes as input, cache reads as cached."""
    return cost_nanos(
        deployment_of(MODEL),
        input_tokens=input_tokens + cache_creation,
        output_tokens=output_tokens,
        cached_input_tokens=cache_read,
    )


def _assert_billed(payer, expected_nanos):
    assert Hold.objects.exclude(status="settled").count() == 0
    assert payer.spent_nanos() == expected_nanos
    assert_ledger_ok()


def test_a_tool_call_through_anthropic_is_an_openai_tool_call(client, payer, fake_anthropic):
    fake_anthropic.tool_calls = CALLS
    fake_anthropic.cache_read_input_tokens = 40
    fake_anthropic.cache_creation_input_tokens = 10

    raw = client.chat.completions.with_raw_response.create(
        model=MODEL, messages=MESSAGES, tools=TOOLS, tool_choice="required", max_tokens=100
    )
    completion = raw.parse()

    sent = fake_anthropic.requests[-1].json
    assert sent["tool_choice"] == {"type": "any"}
    assert sent["tools"] == [
        {"name": "get_weather", "input_schema": PARAMETERS, "description": "The weather in a city"}
    ]
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None and choice.message.refusal is None
    calls = choice.message.tool_calls
    assert [(c.type, c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("function", "get_weather", {"city": "Paris"}),
        ("function", "get_weather", {"city": "Tokyo"}),
    ]
    assert all(call.id.startswith("toolu_") for call in calls)
    assert completion.model == MODEL
    input_tokens = 9 + TOOLS_WORDS
    assert completion.usage.prompt_tokens == input_tokens + 10 + 40
    assert completion.usage.prompt_tokens_details.cached_tokens == 40
    assert completion.usage.completion_tokens == CALLS_OUTPUT_TOKENS
    cost = anthropic_cost(
        input_tokens=input_tokens,
        output_tokens=CALLS_OUTPUT_TOKENS,
        cache_read=40,
        cache_creation=10,
    )
    # (9 + 17 + 10) x $3/M + 40 x $0.30/M + 8 x $15/M
    assert cost == 36 * 3_000 + 40 * 300 + 8 * 15_000 == 240_000
    assert raw.headers["x-llmgateway-cost"] == nanos_to_usd(cost)
    _assert_billed(payer, cost)


def test_a_streamed_tool_call_arrives_as_openai_tool_call_deltas(client, payer, fake_anthropic):
    fake_anthropic.tool_calls = CALLS
    fake_anthropic.reply_text = "Let me check."

    chunks = list(
        client.chat.completions.create(
            model=MODEL, messages=MESSAGES, tools=TOOLS, stream=True, max_tokens=100
        )
    )

    assert all(chunk.choices for chunk in chunks)  # no usage-only chunk: it wasn't asked for
    assert {chunk.model for chunk in chunks} == {MODEL} and len({c.id for c in chunks}) == 1
    deltas = [chunk.choices[0].delta for chunk in chunks]
    assert deltas[0].role == "assistant"
    assert "".join(delta.content or "" for delta in deltas) == "Let me check."
    calls = [call for delta in deltas for call in delta.tool_calls or []]
    heads = [call for call in calls if call.id]
    assert [(h.index, h.type, h.function.name, h.function.arguments) for h in heads] == [
        (0, "function", "get_weather", ""),
        (1, "function", "get_weather", ""),
    ]
    assert all(head.id.startswith("toolu_") for head in heads)
    arguments = {0: "", 1: ""}
    for call in calls:
        arguments[call.index] += call.function.arguments or ""
    assert [json.loads(arguments[0]), json.loads(arguments[1])] == [c["input"] for c in CALLS]
    last = chunks[-1]
    assert last.choices[0].finish_reason == "tool_calls"
    output_tokens = 3 + CALLS_OUTPUT_TOKENS
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (
        9 + TOOLS_WORDS,
        output_tokens,
    )
    assert last.usage.prompt_tokens_details.cached_tokens == 0  # the same shape as plain
    cost = anthropic_cost(input_tokens=9 + TOOLS_WORDS, output_tokens=output_tokens)
    assert cost == 26 * 3_000 + 11 * 15_000 == 243_000
    assert last.model_extra["x_llmgateway"]["cost"] == nanos_to_usd(cost)
    _assert_billed(payer, cost)


def test_the_follow_up_turn_sends_tool_results_in_one_user_turn(client, payer, fake_anthropic):
    fake_anthropic.tool_calls = CALLS
    first = client.chat.completions.create(
        model=MODEL, messages=MESSAGES, tools=TOOLS, max_tokens=100
    )
    calls = first.choices[0].message.tool_calls
    follow_up = [
        *MESSAGES,
        first.choices[0].message.model_dump(exclude_none=True),
        *(
            {"role": "tool", "tool_call_id": call.id, "content": f"{city}: 21 degrees"}
            for call, city in zip(calls, ["Paris", "Tokyo"], strict=True)
        ),
    ]

    stream = client.chat.completions.create(
        model=MODEL,
        messages=follow_up,
        tools=TOOLS,
        max_tokens=100,
        stream=True,
        stream_options={"include_usage": True},
    )
    *chunks, usage_chunk = list(stream)

    sent = fake_anthropic.requests[-1].json["messages"]
    assert [message["role"] for message in sent] == ["user", "assistant", "user"]
    assert [block["id"] for block in sent[1]["content"]] == [call.id for call in calls]
    assert sent[2]["content"] == [
        {"type": "tool_result", "tool_use_id": calls[0].id, "content": "Paris: 21 degrees"},
        {"type": "tool_result", "tool_use_id": calls[1].id, "content": "Tokyo: 21 degrees"},
    ]
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text == "Echo: Paris: 21 degrees Tokyo: 21 degrees"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert usage_chunk.choices == [] and all(chunk.usage is None for chunk in chunks)
    # The history: 9 words, the calls' inputs (2 words each), the results (3 words each).
    follow_up_input = 9 + 2 * 2 + 2 * 3 + TOOLS_WORDS
    assert usage_chunk.usage.prompt_tokens == follow_up_input
    assert usage_chunk.usage.completion_tokens == 7
    _assert_billed(
        payer,
        anthropic_cost(input_tokens=9 + TOOLS_WORDS, output_tokens=CALLS_OUTPUT_TOKENS)
        + anthropic_cost(input_tokens=follow_up_input, output_tokens=7),
    )


SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "celsius": {"type": "integer"}},
    "required": ["city", "celsius"],
    "additionalProperties": False,
}
PIXEL = base64.b64encode(PNG_1X1).decode()


def test_structured_output_and_an_image_through_anthropic(client, payer, fake_anthropic):
    fake_anthropic.tool_calls = [{"name": "weather", "input": {"city": "Paris", "celsius": 21}}]
    image = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}}

    completion = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": [{"type": "text", "text": "Weather?"}, image]}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "weather", "schema": SCHEMA, "strict": True},
        },
        max_tokens=100,
    )

    sent = fake_anthropic.requests[-1].json
    assert sent["tool_choice"] == {"type": "tool", "name": "weather"}
    assert sent["messages"][0]["content"][1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": PIXEL},
    }
    message = completion.choices[0].message
    assert json.loads(message.content) == {"city": "Paris", "celsius": 21}
    assert message.tool_calls is None and completion.choices[0].finish_reason == "stop"
    tool_words = len(json.dumps(sent["tools"]).split())
    input_tokens = 1 + IMAGE_TOKENS + tool_words
    output_tokens = 1 + -(-len(json.dumps({"city": "Paris", "celsius": 21})) // 8)
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (
        input_tokens,
        output_tokens,
    )
    _assert_billed(payer, anthropic_cost(input_tokens=input_tokens, output_tokens=output_tokens))


def test_the_responses_api_streams_anthropic_tool_use_as_function_calls(
    client, payer, fake_anthropic
):
    fake_anthropic.tool_calls = CALLS
    tools = [{"type": "function", **TOOLS[0]["function"]}]  # the Responses API's flat shape

    events = list(
        client.responses.create(
            model=MODEL,
            input=MESSAGES[0]["content"],
            tools=tools,
            stream=True,
            max_output_tokens=100,
        )
    )

    assert fake_anthropic.requests[-1].json["tools"][0]["name"] == "get_weather"
    added = [e.item for e in events if e.type == "response.output_item.added"]
    assert [(item.type, item.name) for item in added] == [("function_call", "get_weather")] * 2
    assert all(item.call_id.startswith("toolu_") for item in added)
    completed = events[-1]
    assert completed.type == "response.completed"
    assert [json.loads(item.arguments) for item in completed.response.output] == [
        call["input"] for call in CALLS
    ]
    usage = completed.response.usage
    assert (usage.input_tokens, usage.output_tokens) == (9 + TOOLS_WORDS, CALLS_OUTPUT_TOKENS)
    _assert_billed(
        payer, anthropic_cost(input_tokens=9 + TOOLS_WORDS, output_tokens=CALLS_OUTPUT_TOKENS)
    )
