"""The Anthropic adapter against the loopback Messages API fake, over real HTTP."""

from __future__ import annotations

import pytest

from billing.models import ProviderCredential
from proxy import tokens
from proxy.providers import (
    ChatRequest,
    StreamDelta,
    StreamEnd,
    UnsupportedOperation,
    UpstreamError,
    Usage,
    get_provider,
)
from proxy.providers.anthropic import (
    ANTHROPIC_VERSION,
    DEFAULT_MAX_TOKENS,
    AnthropicProvider,
    to_anthropic_messages,
)
from tests.helpers.providers import run, run_stream

API_KEY = "sk-ant-api03-upstream-secret-0123456789"
MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Say hello to the gateway"},
]
# The fake counts words: system 3 + user 5; reply "Echo: Say hello to the gateway" (6 words).
FAKE_REPLY = "Echo: Say hello to the gateway"


@pytest.fixture
def anthropic(fake_anthropic, monkeypatch, db):
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.base_url)
    fake_anthropic.api_key = API_KEY
    provider = get_provider("anthropic")
    assert isinstance(provider, AnthropicProvider)
    return provider


def test_openai_messages_translate_to_the_messages_api():
    system, messages = to_anthropic_messages(
        [
            {"role": "system", "content": "Rule one."},
            {"role": "developer", "content": [{"type": "text", "text": "Rule two."}]},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                    {"type": "image_url", "image_url": {"url": "https://img.example/cat.png"}},
                ],
            },
        ]
    )
    assert system == "Rule one.\n\nRule two."
    assert messages == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"},
                },
                {"type": "image", "source": {"type": "url", "url": "https://img.example/cat.png"}},
            ],
        },
    ]


def test_roles_and_parts_anthropic_cannot_take_are_refused():
    with pytest.raises(UnsupportedOperation):
        to_anthropic_messages([{"role": "function", "content": "42", "name": "x"}])
    with pytest.raises(UnsupportedOperation):
        to_anthropic_messages([{"role": "tool", "content": "42"}])  # no tool_call_id
    with pytest.raises(UnsupportedOperation):
        to_anthropic_messages([{"role": "system", "content": "only a system prompt"}])
    with pytest.raises(UnsupportedOperation):
        to_anthropic_messages([{"role": "user", "content": [{"type": "input_audio"}]}])


def test_chat_sends_the_messages_api_request_and_maps_the_answer(anthropic, fake_anthropic):
    request = ChatRequest(
        model="claude-haiku-4-5", messages=MESSAGES, max_tokens=64, temperature=1.5, stop=["END"]
    )
    result = run(anthropic.chat, request)
    assert result.content == FAKE_REPLY
    assert result.finish_reason == "stop"
    assert result.usage == Usage(input_tokens=8, output_tokens=6)
    assert result.usage_reported
    [sent] = fake_anthropic.requests
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == API_KEY
    assert sent.headers["anthropic-version"] == ANTHROPIC_VERSION
    assert "authorization" not in sent.headers
    assert sent.json == {
        "model": "claude-haiku-4-5",
        "system": "You are terse.",
        "messages": [{"role": "user", "content": "Say hello to the gateway"}],
        "max_tokens": 64,
        "temperature": 1.0,  # OpenAI allows up to 2, Anthropic up to 1
        "stop_sequences": ["END"],
    }


def test_max_tokens_is_always_sent_and_its_stop_maps_to_length(anthropic, fake_anthropic):
    result = run(anthropic.chat, ChatRequest(model="claude-haiku-4-5", messages=MESSAGES))
    assert fake_anthropic.requests[0].json["max_tokens"] == DEFAULT_MAX_TOKENS
    assert result.finish_reason == "stop"
    short = run(
        anthropic.chat, ChatRequest(model="claude-haiku-4-5", messages=MESSAGES, max_tokens=2)
    )
    assert (short.content, short.finish_reason) == ("Echo: Say", "length")


def test_cache_reads_are_cached_input_and_cache_writes_are_input(anthropic, fake_anthropic):
    fake_anthropic.cache_read_input_tokens = 1000
    fake_anthropic.cache_creation_input_tokens = 200
    result = run(anthropic.chat, ChatRequest(model="claude-sonnet-4-5", messages=MESSAGES))
    assert result.usage == Usage(input_tokens=8 + 200, output_tokens=6, cached_input_tokens=1000)
    assert result.usage.prompt_tokens == 1208


def test_stream_yields_text_deltas_then_usage_from_start_and_delta_events(
    anthropic, fake_anthropic
):
    fake_anthropic.cache_read_input_tokens = 50
    request = ChatRequest(model="claude-sonnet-4-5", messages=MESSAGES, max_tokens=100)
    events = run_stream(lambda: anthropic.chat_stream(request))
    role, *deltas = [event for event in events if isinstance(event, StreamDelta)]
    assert role.raw["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    assert "".join(delta.content for delta in deltas) == FAKE_REPLY
    assert [delta.raw["choices"][0]["delta"]["content"] for delta in deltas] == [
        "Echo: ", "Say ", "hello ", "to ", "the ", "gateway"
    ]  # fmt: skip
    assert len({delta.raw["id"] for delta in [role, *deltas]}) == 1
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert (end.finish_reason, end.usage, end.usage_reported) == (
        "stop",
        Usage(input_tokens=8, output_tokens=6, cached_input_tokens=50),
        True,
    )
    assert end.raw["choices"] == [
        {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    ]
    assert fake_anthropic.requests[0].json["stream"] is True


def test_a_stream_stopped_by_max_tokens_finishes_with_length(anthropic):
    request = ChatRequest(model="claude-sonnet-4-5", messages=MESSAGES, max_tokens=3)
    events = run_stream(lambda: anthropic.chat_stream(request))
    assert events[-1].finish_reason == "length"
    assert events[-1].usage.output_tokens == 3


def test_an_error_event_mid_stream_raises_after_the_delivered_deltas(anthropic, fake_anthropic):
    fake_anthropic.stream_error_after = 2
    received = []

    async def consume():
        async for event in anthropic.chat_stream(
            ChatRequest(model="claude-sonnet-4-5", messages=MESSAGES)
        ):
            received.append(event)

    with pytest.raises(UpstreamError) as raised:
        run(consume)
    assert [event.content for event in received] == ["", "Echo: ", "Say "]  # role chunk first
    assert (raised.value.status, raised.value.code) == (529, "overloaded_error")


def test_a_stream_that_stops_without_message_stop_is_an_upstream_error(anthropic, fake_anthropic):
    fake_anthropic.stream_cut_after = 1
    with pytest.raises(UpstreamError) as raised:
        run_stream(
            lambda: anthropic.chat_stream(ChatRequest(model="claude-sonnet-4-5", messages=MESSAGES))
        )
    assert raised.value.status == 502


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "invalid_request_error"), (429, "rate_limit_error"), (529, "overloaded_error")],
)
def test_upstream_errors_keep_status_and_anthropic_error_type(
    anthropic, fake_anthropic, status, code
):
    fake_anthropic.fail(status)
    with pytest.raises(UpstreamError) as raised:
        run(anthropic.chat, ChatRequest(model="claude-sonnet-4-5", messages=MESSAGES))
    assert (raised.value.status, raised.value.code) == (status, code)
    assert raised.value.message.startswith("anthropic: ")
    fake_anthropic.fail(status)
    with pytest.raises(UpstreamError):
        run_stream(
            lambda: anthropic.chat_stream(ChatRequest(model="claude-sonnet-4-5", messages=MESSAGES))
        )


def test_a_rejected_key_never_appears_in_the_error(fake_anthropic, monkeypatch, db):
    wrong = "sk-ant-wrong-key-abcdefghijklmnop"
    monkeypatch.setenv("ANTHROPIC_API_KEY", wrong)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.base_url)
    fake_anthropic.api_key = API_KEY
    with pytest.raises(UpstreamError) as raised:
        run(
            get_provider("anthropic").chat, ChatRequest(model="claude-haiku-4-5", messages=MESSAGES)
        )
    assert raised.value.status == 401
    assert wrong not in str(raised.value)


def test_a_base_url_ending_in_v1_is_accepted(fake_anthropic, monkeypatch, db):
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.base_url + "/v1/")
    result = run(
        get_provider("anthropic").chat, ChatRequest(model="claude-haiku-4-5", messages=MESSAGES)
    )
    assert result.content == FAKE_REPLY


def test_an_admin_row_can_configure_an_anthropic_style_provider(fake_anthropic, db):
    ProviderCredential.objects.create(
        provider="claude-proxy",
        api_key=API_KEY,
        base_url=fake_anthropic.base_url,
        api_style=ProviderCredential.ApiStyle.ANTHROPIC,
    )
    provider = get_provider("claude-proxy")
    assert isinstance(provider, AnthropicProvider)
    assert (
        run(provider.chat, ChatRequest(model="claude-haiku-4-5", messages=MESSAGES)).content
        == FAKE_REPLY
    )


def test_anthropic_makes_no_embeddings_or_images(anthropic):
    from proxy.providers import EmbeddingsRequest, ImagesRequest

    with pytest.raises(UnsupportedOperation):
        run(anthropic.embeddings, EmbeddingsRequest(model="claude-haiku-4-5", input="x"))
    with pytest.raises(UnsupportedOperation):
        run(anthropic.images, ImagesRequest(model="claude-haiku-4-5", prompt="x"))


def test_interrupted_stream_usage_can_be_counted_from_delivered_text():
    # What the endpoint bills when a client disconnects before StreamEnd: counted locally.
    delivered = "Echo: Say hello"
    assert tokens.count_text_tokens(delivered, model="claude-sonnet-4-5") == 4
