"""The OpenAI-compatible adapter against the loopback OpenAI fake, over real HTTP."""

from __future__ import annotations

import socket

import pytest

from billing.models import ProviderCredential
from proxy import tokens
from proxy.providers import (
    ChatRequest,
    EmbeddingsRequest,
    ImagesRequest,
    ProviderNotConfigured,
    StreamDelta,
    StreamEnd,
    UpstreamError,
    Usage,
    aget_provider,
    get_provider,
)
from proxy.providers.openai_compatible import OpenAICompatibleProvider
from tests.helpers.providers import run, run_stream

API_KEY = "sk-proj-upstream-secret-0123456789abcdef"
MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Say hello to the gateway"},
]
# The fake counts words: 3 + 5 in the messages; the reply is "Echo: Say hello to the gateway".
FAKE_PROMPT_WORDS = 8
FAKE_REPLY = "Echo: Say hello to the gateway"


@pytest.fixture
def openai(fake_openai, monkeypatch, db):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    fake_openai.api_key = API_KEY
    provider = get_provider("openai")
    assert isinstance(provider, OpenAICompatibleProvider)
    return provider


def test_chat_returns_the_answer_and_the_upstream_usage(openai, fake_openai):
    request = ChatRequest(model="gpt-4o-mini", messages=MESSAGES, max_tokens=50, temperature=0.2)
    result = run(openai.chat, request)
    assert result.content == FAKE_REPLY
    assert result.finish_reason == "stop"
    assert result.usage == Usage(input_tokens=FAKE_PROMPT_WORDS, output_tokens=6)
    assert result.usage_reported
    assert result.model == "gpt-4o-mini"
    [sent] = fake_openai.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.json == {
        "model": "gpt-4o-mini",
        "messages": MESSAGES,
        "max_completion_tokens": 50,  # OpenAI's own API: its reasoning models refuse max_tokens
        "temperature": 0.2,
    }


def test_chat_stream_yields_deltas_then_usage_from_the_final_chunk(openai, fake_openai):
    request = ChatRequest(model="gpt-4o-mini", messages=MESSAGES, max_tokens=50)
    events = run_stream(lambda: openai.chat_stream(request))
    deltas = [event.content for event in events if isinstance(event, StreamDelta)]
    assert "".join(deltas) == FAKE_REPLY
    assert len([delta for delta in deltas if delta]) == 6
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert (end.finish_reason, end.usage, end.usage_reported) == (
        "stop",
        Usage(input_tokens=FAKE_PROMPT_WORDS, output_tokens=6),
        True,
    )
    sent = fake_openai.requests[0].json
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}


def test_a_stream_cut_by_max_tokens_finishes_with_length(openai):
    request = ChatRequest(model="gpt-4o-mini", messages=MESSAGES, max_tokens=2)
    events = run_stream(lambda: openai.chat_stream(request))
    assert "".join(e.content for e in events if isinstance(e, StreamDelta)) == "Echo: Say"
    assert events[-1].finish_reason == "length"
    assert events[-1].usage.output_tokens == 2


def test_without_upstream_usage_tokens_are_counted_here(openai, fake_openai):
    fake_openai.omit_usage = True
    request = ChatRequest(model="gpt-4o-mini", messages=MESSAGES)
    counted = Usage(
        input_tokens=tokens.count_message_tokens(MESSAGES, model="gpt-4o-mini"),
        output_tokens=tokens.count_text_tokens(FAKE_REPLY, model="gpt-4o-mini"),
    )
    assert counted == Usage(input_tokens=3 + 2 * 4 + 4 + 5, output_tokens=7)
    result = run(openai.chat, request)
    assert (result.usage, result.usage_reported) == (counted, False)
    end = run_stream(lambda: openai.chat_stream(request))[-1]
    assert (end.usage, end.usage_reported) == (counted, False)


def test_client_extras_pass_through_but_cannot_lift_the_output_limit(openai, fake_openai):
    extra = {"seed": 7, "max_tokens": 100_000, "max_completion_tokens": 100_000, "stream": True}
    request = ChatRequest(model="gpt-4o-mini", messages=MESSAGES, max_tokens=5, extra=extra)
    run(openai.chat, request)
    sent = fake_openai.requests[0].json
    assert sent["seed"] == 7
    assert sent["max_completion_tokens"] == 5
    assert "max_tokens" not in sent and "stream" not in sent
    run(openai.chat, ChatRequest(model="gpt-4o-mini", messages=MESSAGES, extra={"n": 3}))
    assert "n" not in fake_openai.requests[-1].json  # only ChatRequest.n, which the hold covers


def test_n_choices_are_asked_for_and_all_of_them_counted(openai, fake_openai):
    fake_openai.omit_usage = True
    request = ChatRequest(model="gpt-4o-mini", messages=MESSAGES, max_tokens=20, n=2)
    one_answer = tokens.count_text_tokens(FAKE_REPLY, model="gpt-4o-mini")

    result = run(openai.chat, request)
    events = run_stream(lambda: openai.chat_stream(request))

    assert fake_openai.requests[0].json["n"] == 2
    assert [choice["index"] for choice in result.raw["choices"]] == [0, 1]
    assert result.usage.output_tokens == tokens.count_text_tokens(
        FAKE_REPLY + FAKE_REPLY, model="gpt-4o-mini"
    )
    *deltas, end = events
    assert isinstance(end, StreamEnd) and end.finish_reason == "stop"
    by_choice = {0: "", 1: ""}
    for delta in deltas:
        for choice in delta.raw["choices"]:
            by_choice[choice["index"]] += choice["delta"].get("content") or ""
    assert by_choice == {0: FAKE_REPLY, 1: FAKE_REPLY}
    finishes = [
        c["index"] for d in [*deltas, end] for c in (d.raw["choices"]) if c["finish_reason"]
    ]
    assert finishes == [0, 1]  # choice 0's finish is passed on; the last one ends the stream
    delivered = "".join(delta.content for delta in deltas)  # both choices' text, interleaved
    words = FAKE_REPLY.split()
    pieces = [word + " " for word in words[:-1]] + words[-1:]
    assert delivered == "".join(piece + piece for piece in pieces)
    assert end.usage.output_tokens == tokens.count_text_tokens(delivered, model="gpt-4o-mini")
    assert end.usage.output_tokens > one_answer


@pytest.mark.parametrize("status", [400, 404, 429, 500, 503])
def test_upstream_errors_become_upstream_error_with_status_and_message(openai, fake_openai, status):
    fake_openai.fail(status)
    with pytest.raises(UpstreamError) as raised:
        run(openai.chat, ChatRequest(model="gpt-4o-mini", messages=MESSAGES))
    assert raised.value.status == status
    assert raised.value.message.startswith("openai: ")
    assert API_KEY not in str(raised.value)


def test_a_stream_refused_before_any_output_raises_before_the_first_event(openai, fake_openai):
    fake_openai.fail(429)
    with pytest.raises(UpstreamError) as raised:
        run_stream(lambda: openai.chat_stream(ChatRequest(model="gpt-4o-mini", messages=MESSAGES)))
    assert (raised.value.status, raised.value.code) == (429, "rate_limit_exceeded")


def test_a_rejected_key_never_appears_in_the_error(fake_openai, monkeypatch, db):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-key-abcdefghijklmnop")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    fake_openai.api_key = API_KEY
    with pytest.raises(UpstreamError) as raised:
        run(get_provider("openai").chat, ChatRequest(model="gpt-4o-mini", messages=MESSAGES))
    assert raised.value.status == 401
    assert "sk-wrong" not in str(raised.value) and "sk-wrong" not in raised.value.message
    assert "credentials" in raised.value.message


def test_a_silent_upstream_times_out_as_504(openai, fake_openai, monkeypatch):
    monkeypatch.setenv("UPSTREAM_TIMEOUT_SECONDS", "0.3")
    fake_openai.hang = "before_response"
    try:
        with pytest.raises(UpstreamError) as raised:
            run(openai.chat, ChatRequest(model="gpt-4o-mini", messages=MESSAGES))
    finally:
        fake_openai.release_hangs()
    assert (raised.value.status, raised.value.code) == (504, "timeout")


def test_an_unreachable_upstream_is_a_502():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = OpenAICompatibleProvider(
        name="openai", base_url=f"http://127.0.0.1:{port}/v1", api_key=API_KEY
    )
    with pytest.raises(UpstreamError) as raised:
        run(provider.chat, ChatRequest(model="gpt-4o-mini", messages=MESSAGES))
    assert (raised.value.status, raised.value.code) == (502, "connection_error")


def test_embeddings_return_openai_objects_and_usage(openai, fake_openai):
    request = EmbeddingsRequest(
        model="text-embedding-3-small", input=["one two", "three"], dimensions=4
    )
    result = run(openai.embeddings, request)
    assert [item["index"] for item in result.data] == [0, 1]
    assert len(result.data[0]["embedding"]) == 4
    assert (result.usage, result.usage_reported) == (Usage(input_tokens=3), True)
    assert fake_openai.requests[0].json["dimensions"] == 4


def test_images_per_image_model_returns_urls(openai, fake_openai):
    request = ImagesRequest(model="dall-e-3", prompt="a calm lake", n=1, size="1024x1024")
    result = run(openai.images, request)
    assert result.image_count == 1
    assert result.data[0]["url"].startswith(fake_openai.root_url)
    assert result.usage == Usage()


def test_images_token_priced_model_reports_image_output_tokens(openai):
    request = ImagesRequest(model="gpt-image-1", prompt="a calm lake", n=2, quality="medium")
    result = run(openai.images, request)
    assert result.image_count == 2
    assert "b64_json" in result.data[0]
    assert result.usage == Usage(input_tokens=3, output_tokens=2 * 1056)
    assert result.usage_reported


def test_images_without_usage_are_estimated_from_openais_table(openai, fake_openai):
    fake_openai.omit_usage = True
    request = ImagesRequest(model="gpt-image-1", prompt="a calm lake", n=1, quality="high")
    result = run(openai.images, request)
    assert result.usage == Usage(input_tokens=3, output_tokens=4160)
    assert not result.usage_reported


def test_an_admin_row_supplies_key_and_base_url_over_the_environment(fake_openai, monkeypatch, db):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-should-lose-000000")
    admin_key = "sk-admin-key-wins-1234567890"
    ProviderCredential.objects.create(
        provider="openai", api_key=admin_key, base_url=fake_openai.base_url
    )
    fake_openai.api_key = admin_key
    provider = get_provider("openai")
    result = run(provider.chat, ChatRequest(model="gpt-4o-mini", messages=MESSAGES))
    assert result.content == FAKE_REPLY
    assert fake_openai.requests[0].headers["authorization"] == f"Bearer {admin_key}"


def test_any_openai_compatible_provider_can_be_added_in_admin(fake_openai, db):
    ProviderCredential.objects.create(
        provider="acme", api_key="sk-acme-0123456789", base_url=fake_openai.base_url
    )
    provider = run(aget_provider, "acme")
    assert isinstance(provider, OpenAICompatibleProvider)
    result = run(provider.chat, ChatRequest(model="acme-large", messages=MESSAGES, max_tokens=9))
    assert result.content == FAKE_REPLY
    assert fake_openai.requests[0].json["max_tokens"] == 9  # the common parameter elsewhere


def test_a_provider_without_a_key_is_not_configured(db):
    with pytest.raises(ProviderNotConfigured):
        get_provider("openai")
    with pytest.raises(ProviderNotConfigured):
        run(aget_provider, "nobody")
