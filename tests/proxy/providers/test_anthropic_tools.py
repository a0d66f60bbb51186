"""Tool calls, structured output and images through the Anthropic adapter, against the fake
Messages API (which checks tools and tool_use / tool_result pairs as Anthropic does)."""

from __future__ import annotations

import json

import pytest

from proxy.providers import ChatRequest, StreamDelta, StreamEnd, UnsupportedOperation, Usage
from proxy.providers.anthropic import to_anthropic_messages
from proxy.providers.anthropic_request import tools_plan
from tests.fakes.anthropic_payloads import IMAGE_TOKENS
from tests.helpers.providers import run, run_stream
from tests.proxy.providers.test_anthropic import anthropic  # noqa: F401

MODEL = "claude-sonnet-4-5"
WEATHER = {
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
MESSAGES = [{"role": "user", "content": "Weather in Paris and Tokyo?"}]
CALLS = [{"name": "get_weather", "input": {"city": "Paris"}}, {"name": "get_weather", "input": {}}]
# The fake: tools JSON words + message words; per call 1 + its 8-character input fragments.
ANTHROPIC_TOOL = {
    "name": "get_weather",
    "input_schema": WEATHER["function"]["parameters"],
    "description": "The weather in a city",
}
TOOLS_WORDS = len(json.dumps([ANTHROPIC_TOOL]).split())
CALL_OUTPUT_TOKENS = (1 + 3) + (1 + 1)  # '{"city": "Paris"}' is 17 characters, '{}' 2


def test_tool_calls_and_results_in_history_become_tool_use_and_tool_result_blocks():
    system, messages = to_anthropic_messages(
        [
            {"role": "system", "content": "Be brief."},
            *MESSAGES,
            {
                "role": "assistant",
                "content": "Checking.",
                "tool_calls": [
                    {
                        "id": "toolu_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    },
                    {
                        "id": "toolu_2",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    },
                ],
            },
            {"role": "tool", "tool_call_id": "toolu_1", "content": "21 degrees"},
            {
                "role": "tool",
                "tool_call_id": "toolu_2",
                "content": [{"type": "text", "text": "18 degrees"}],
            },
            {"role": "user", "content": "Thanks"},
        ]
    )
    assert system == "Be brief."
    assert messages[1:] == [
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Checking."},
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
                {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "21 degrees"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_2",
                    "content": [{"type": "text", "text": "18 degrees"}],
                },
            ],
        },
        {"role": "user", "content": "Thanks"},
    ]


def test_arguments_that_are_not_a_json_object_are_refused():
    call = {"id": "t", "type": "function", "function": {"name": "f", "arguments": "[1]"}}
    with pytest.raises(UnsupportedOperation, match="JSON object"):
        to_anthropic_messages([{"role": "assistant", "content": None, "tool_calls": [call]}])


@pytest.mark.parametrize(
    ("tool_choice", "parallel", "expected"),
    [
        (None, None, None),
        ("auto", None, {"type": "auto"}),
        ("required", None, {"type": "any"}),
        ("none", False, {"type": "none"}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            None,
            {"type": "tool", "name": "get_weather"},
        ),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
    ],
)
def test_tools_and_tool_choice_translate(tool_choice, parallel, expected):
    options = {"tools": [WEATHER], "tool_choice": tool_choice, "parallel_tool_calls": parallel}
    plan = tools_plan({key: value for key, value in options.items() if value is not None})
    assert plan.fields["tools"] == [ANTHROPIC_TOOL]
    assert plan.fields.get("tool_choice") == expected
    assert plan.structured_output_tool is None


def test_what_anthropic_cannot_take_is_refused_by_name():
    with pytest.raises(UnsupportedOperation, match="functions"):
        tools_plan({"functions": [WEATHER["function"]]})
    with pytest.raises(UnsupportedOperation, match="only function tools"):
        tools_plan({"tools": [{"type": "custom", "custom": {"name": "x"}}]})
    with pytest.raises(UnsupportedOperation, match="combined with tools"):
        tools_plan({"tools": [WEATHER], "response_format": SCHEMA_FORMAT})


SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "celsius": {"type": "integer"}},
    "required": ["city", "celsius"],
}
SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "weather", "schema": SCHEMA}}


def test_a_json_schema_response_format_becomes_one_forced_tool():
    plan = tools_plan({"response_format": SCHEMA_FORMAT})
    assert plan.structured_output_tool == "weather"
    assert plan.fields["tool_choice"] == {"type": "tool", "name": "weather"}
    [tool] = plan.fields["tools"]
    assert (tool["name"], tool["input_schema"]) == ("weather", SCHEMA)
    assert tools_plan({"response_format": {"type": "text"}}).fields == {}


def test_tool_use_answers_become_openai_tool_calls(anthropic, fake_anthropic):  # noqa: F811
    fake_anthropic.tool_calls = CALLS
    request = ChatRequest(model=MODEL, messages=MESSAGES, max_tokens=50, extra={"tools": [WEATHER]})
    result = run(anthropic.chat, request)

    sent = fake_anthropic.requests[-1].json
    assert sent["tools"] == [ANTHROPIC_TOOL] and "tool_choice" not in sent
    [choice] = result.raw["choices"]
    assert choice["finish_reason"] == result.finish_reason == "tool_calls"
    message = choice["message"]
    assert (message["content"], message["refusal"]) == (None, None)
    assert [
        (c["type"], c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in message["tool_calls"]
    ] == [("function", "get_weather", {"city": "Paris"}), ("function", "get_weather", {})]
    assert all(call["id"].startswith("toolu_") for call in message["tool_calls"])
    expected = Usage(input_tokens=5 + TOOLS_WORDS, output_tokens=CALL_OUTPUT_TOKENS)
    assert result.usage == expected and result.usage_reported
    assert result.raw["usage"] == {
        "prompt_tokens": expected.input_tokens,
        "completion_tokens": CALL_OUTPUT_TOKENS,
        "total_tokens": expected.input_tokens + CALL_OUTPUT_TOKENS,
        "prompt_tokens_details": {"cached_tokens": 0},
    }


def test_streamed_tool_use_becomes_openai_tool_call_deltas(anthropic, fake_anthropic):  # noqa: F811
    fake_anthropic.tool_calls = CALLS
    fake_anthropic.reply_text = "Let me check."
    fake_anthropic.cache_read_input_tokens = 7
    request = ChatRequest(model=MODEL, messages=MESSAGES, max_tokens=50, extra={"tools": [WEATHER]})
    events = run_stream(lambda: anthropic.chat_stream(request))

    *deltas, end = events
    assert all(isinstance(delta, StreamDelta) for delta in deltas)
    chat_deltas = [delta.raw["choices"][0]["delta"] for delta in deltas]
    assert chat_deltas[0] == {"role": "assistant", "content": "", "refusal": None}
    assert "".join(d.get("content") or "" for d in chat_deltas) == "Let me check."
    tool_deltas = [call for d in chat_deltas for call in d.get("tool_calls") or []]
    heads = [call for call in tool_deltas if "id" in call]
    assert [(h["index"], h["type"], h["function"]) for h in heads] == [
        (0, "function", {"name": "get_weather", "arguments": ""}),
        (1, "function", {"name": "get_weather", "arguments": ""}),
    ]  # tool calls count from 0 though the text was content block 0
    arguments = {0: "", 1: ""}
    for call in tool_deltas:
        arguments[call["index"]] += call["function"]["arguments"]
    assert [json.loads(arguments[0]), json.loads(arguments[1])] == [{"city": "Paris"}, {}]
    assert "".join(d.tool_text for d in deltas) == "get_weather" + arguments[0] + "get_weather{}"
    assert isinstance(end, StreamEnd)
    assert end.finish_reason == "tool_calls"
    assert end.raw["choices"][0]["finish_reason"] == "tool_calls"
    assert end.usage == Usage(
        input_tokens=5 + TOOLS_WORDS, output_tokens=3 + CALL_OUTPUT_TOKENS, cached_input_tokens=7
    )


def test_the_follow_up_turn_is_accepted_and_answered(anthropic, fake_anthropic):  # noqa: F811
    history = [
        *MESSAGES,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"toolu_{n}",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": json.dumps({"city": city})},
                }
                for n, city in enumerate(["Paris", "Tokyo"])
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_0", "content": "Paris 21"},
        {"role": "tool", "tool_call_id": "toolu_1", "content": "Tokyo 18"},
    ]
    fake_anthropic.tool_calls = CALLS  # a model answers in text once it has the results
    result = run(
        anthropic.chat,
        ChatRequest(model=MODEL, messages=history, max_tokens=50, extra={"tools": [WEATHER]}),
    )
    assert result.raw["choices"][0]["message"]["content"] == "Echo: Paris 21 Tokyo 18"
    assert result.finish_reason == "stop"
    sent = fake_anthropic.requests[-1].json["messages"]
    assert [block["tool_use_id"] for block in sent[2]["content"]] == ["toolu_0", "toolu_1"]


def test_an_unmerged_tool_result_would_be_refused_by_the_fake(anthropic, fake_anthropic):  # noqa: F811
    # The fake enforces Anthropic's pairing rule: so the merge above is what makes it pass.
    from proxy.providers import UpstreamError

    history = [
        *MESSAGES,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "toolu_0", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "user", "content": "never mind"},
    ]
    with pytest.raises(UpstreamError) as raised:
        run(anthropic.chat, ChatRequest(model=MODEL, messages=history, max_tokens=5))
    assert raised.value.status == 400 and "tool_result" in raised.value.message


def test_structured_output_comes_back_as_the_message_text(anthropic, fake_anthropic):  # noqa: F811
    fake_anthropic.tool_calls = [{"name": "weather", "input": {"city": "Paris", "celsius": 21}}]
    extra = {"response_format": SCHEMA_FORMAT}
    request = ChatRequest(model=MODEL, messages=MESSAGES, max_tokens=50, extra=extra)

    result = run(anthropic.chat, request)
    events = run_stream(lambda: anthropic.chat_stream(request))

    sent = fake_anthropic.requests[0].json
    assert sent["tool_choice"] == {"type": "tool", "name": "weather"}
    assert sent["tools"][0]["input_schema"] == SCHEMA
    message = result.raw["choices"][0]["message"]
    assert json.loads(message["content"]) == {"city": "Paris", "celsius": 21}
    assert "tool_calls" not in message and result.finish_reason == "stop"
    *deltas, end = events
    streamed = "".join(delta.content for delta in deltas)
    assert json.loads(streamed) == {"city": "Paris", "celsius": 21}
    assert not any(d.raw["choices"][0]["delta"].get("tool_calls") for d in deltas)
    assert end.finish_reason == "stop" and end.usage == result.usage


def test_a_data_url_image_is_sent_as_a_base64_source(anthropic, fake_anthropic):  # noqa: F811
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    messages = [{"role": "user", "content": [{"type": "text", "text": "What is it?"}, image]}]
    result = run(anthropic.chat, ChatRequest(model=MODEL, messages=messages, max_tokens=20))
    [_, block] = fake_anthropic.requests[-1].json["messages"][0]["content"]
    assert block == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
    }
    assert result.usage.input_tokens == 3 + IMAGE_TOKENS


def test_json_object_is_a_forced_tool_of_any_object_and_bad_schemas_are_refused():
    plan = tools_plan({"response_format": {"type": "json_object"}})
    assert plan.structured_output_tool == "json_object"
    assert plan.fields["tools"][0]["input_schema"] == {"type": "object"}
    assert plan.fields["tool_choice"] == {"type": "tool", "name": "json_object"}
    with pytest.raises(UnsupportedOperation, match="with a schema"):
        tools_plan({"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}})
    array_schema = {"name": "x", "schema": {"type": "array"}}
    with pytest.raises(UnsupportedOperation, match="an object"):
        tools_plan({"response_format": {"type": "json_schema", "json_schema": array_schema}})
