"""The local test models: offline, deterministic, billed on real token counts."""

from __future__ import annotations

import base64
import math
import struct

import pytest

from proxy import tokens
from proxy.providers import (
    ChatRequest,
    EmbeddingsRequest,
    ImagesRequest,
    StreamDelta,
    StreamEnd,
    UnsupportedOperation,
    UpstreamError,
    Usage,
    get_provider,
)
from proxy.providers.local import LocalTestProvider, lorem_text, word_chunks
from tests.helpers.providers import run, run_stream

MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "First question"},
    {"role": "assistant", "content": "First answer"},
    {"role": "user", "content": "Hello there, how are you today?"},
]
# 3 priming + per message 3 + role (1 token each) + content:
# "Be brief." 3, "First question" 2, "First answer" 2, "Hello there, how are you today?" 8
MESSAGES_PROMPT_TOKENS = 3 + 4 * (3 + 1) + 3 + 2 + 2 + 8


@pytest.fixture
def provider():
    return LocalTestProvider()


def test_the_registry_serves_the_test_provider_without_any_configuration(db):
    assert isinstance(get_provider("test"), LocalTestProvider)


def test_echo_answers_the_last_user_message_with_exact_usage(provider):
    result = run(provider.chat, ChatRequest(model="echo", messages=MESSAGES))
    assert result.content == "Hello there, how are you today?"
    assert result.finish_reason == "stop"
    assert result.usage == Usage(input_tokens=MESSAGES_PROMPT_TOKENS, output_tokens=8)
    assert result.usage == Usage(input_tokens=34, output_tokens=8)
    assert result.usage_reported


def test_echo_is_cut_to_max_tokens(provider):
    result = run(provider.chat, ChatRequest(model="echo", messages=MESSAGES, max_tokens=3))
    assert result.content == "Hello there,"
    assert result.finish_reason == "length"
    assert result.usage.output_tokens == 3


def test_echo_stream_sends_word_chunks_then_the_same_usage(provider):
    request = ChatRequest(model="echo", messages=MESSAGES)
    events = run_stream(lambda: provider.chat_stream(request))
    deltas = [event.content for event in events if isinstance(event, StreamDelta)]
    assert deltas == ["Hello", " there,", " how", " are", " you", " today?"]
    assert events[-1] == StreamEnd(
        finish_reason="stop", usage=Usage(input_tokens=34, output_tokens=8), usage_reported=True
    )
    assert sum(isinstance(event, StreamEnd) for event in events) == 1


def test_lorem_writes_exactly_max_tokens_one_token_words(provider):
    messages = [{"role": "user", "content": "Write"}]
    result = run(provider.chat, ChatRequest(model="lorem", messages=messages, max_tokens=7))
    assert result.content == "Lorem sit do ut et ad ex"
    assert result.finish_reason == "length"
    assert result.usage == Usage(input_tokens=8, output_tokens=7)
    long = run(provider.chat, ChatRequest(model="lorem", messages=messages, max_tokens=1000))
    assert len(long.content.split()) == 1000
    assert long.usage.output_tokens == 1000


def test_lorem_without_a_limit_writes_fifty_words(provider):
    result = run(
        provider.chat, ChatRequest(model="lorem", messages=[{"role": "user", "content": "x"}])
    )
    assert result.content == lorem_text(50)
    assert (result.finish_reason, result.usage.output_tokens) == ("stop", 50)


def test_lorem_stream_joins_to_the_plain_answer(provider):
    request = ChatRequest(model="lorem", messages=[{"role": "user", "content": "x"}], max_tokens=20)
    events = run_stream(lambda: provider.chat_stream(request))
    text = "".join(event.content for event in events if isinstance(event, StreamDelta))
    assert text == lorem_text(20)
    assert events[-1].usage.output_tokens == 20


def test_word_chunks_join_back_to_the_text():
    for text in ["", "one", "  two  words  ", "line\n\nbreaks\tand tabs "]:
        assert "".join(word_chunks(text)) == text


def test_an_unknown_local_model_is_an_upstream_404(provider):
    with pytest.raises(UpstreamError) as raised:
        run(provider.chat, ChatRequest(model="nope", messages=MESSAGES))
    assert raised.value.status == 404


def test_embed_gives_deterministic_unit_vectors_and_counts_tokens(provider):
    request = EmbeddingsRequest(model="embed", input=["Hello world", "Hello world", "other"])
    result = run(provider.embeddings, request)
    vectors = [item["embedding"] for item in result.data]
    assert [item["index"] for item in result.data] == [0, 1, 2]
    assert len(vectors[0]) == 64
    assert vectors[0] == vectors[1] != vectors[2]
    assert math.isclose(sum(value * value for value in vectors[0]), 1.0, rel_tol=1e-9)
    assert result.usage == Usage(input_tokens=2 + 2 + 1)
    again = run(provider.embeddings, EmbeddingsRequest(model="embed", input="Hello world"))
    assert again.data[0]["embedding"] == vectors[0]


def test_embed_honours_dimensions_base64_and_token_id_input(provider):
    request = EmbeddingsRequest(
        model="embed", input=[1, 2, 3], dimensions=8, encoding_format="base64"
    )
    result = run(provider.embeddings, request)
    packed = base64.b64decode(result.data[0]["embedding"])
    assert len(struct.unpack("<8f", packed)) == 8
    assert result.usage.input_tokens == 3
    with pytest.raises(UnsupportedOperation):
        run(provider.embeddings, EmbeddingsRequest(model="embed", input="x", dimensions=0))


def test_image_is_a_small_deterministic_png(provider):
    result = run(provider.images, ImagesRequest(model="image", prompt="a red fox", n=2))
    assert result.image_count == 2
    first, second = (base64.b64decode(item["b64_json"]) for item in result.data)
    assert first.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", first[16:24]) == (8, 8)
    assert first != second
    again = run(provider.images, ImagesRequest(model="image", prompt="a red fox", n=1))
    assert base64.b64decode(again.data[0]["b64_json"]) == first
    assert result.usage.input_tokens == tokens.count_text_tokens("a red fox")


def test_image_as_url_is_a_data_url(provider):
    result = run(provider.images, ImagesRequest(model="image", prompt="x", response_format="url"))
    assert result.data[0]["url"].startswith("data:image/png;base64,")


def test_the_local_models_refuse_what_they_do_not_make(provider):
    with pytest.raises(UpstreamError):
        run(provider.embeddings, EmbeddingsRequest(model="echo", input="x"))
    with pytest.raises(UnsupportedOperation):
        run(provider.images, ImagesRequest(model="image", prompt="x", n=11))


def test_a_test_echo_request_costs_exactly_what_the_docs_say(provider, db):
    from billing.pricing import cost_nanos
    from billing.selectors import catalog_entry_get

    (model,) = catalog_entry_get("test/echo").deployments
    request = ChatRequest(
        model=model.upstream_model, messages=[{"role": "user", "content": "Hello"}]
    )
    result = run(provider.chat, request)
    assert result.usage == Usage(input_tokens=8, output_tokens=1)
    cost = cost_nanos(
        model,
        input_tokens=result.usage.input_tokens,
        cached_input_tokens=result.usage.cached_input_tokens,
        output_tokens=result.usage.output_tokens,
    )
    assert cost == 10_000  # (8 x $1/M + 1 x $2/M) = $0.00001
