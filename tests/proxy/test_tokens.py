"""Token counting: tiktoken's real vocabularies, offline, and OpenAI's chat-format overhead."""

from __future__ import annotations

import pytest

from proxy import tokens
from proxy.providers.local import LOREM_WORDS

# OpenAI's cookbook example ("How to count tokens with tiktoken"): the API reports 129 prompt
# tokens for these messages on gpt-3.5-turbo / gpt-4, and 124 on gpt-4o / gpt-4o-mini.
COOKBOOK_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate "
        "jargon into plain English.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "New synergies will help drive top-line growth.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on opportunities "
        "for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client "
        "deliverable.",
    },
]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-3.5-turbo", 129),
        ("gpt-4", 129),
        ("gpt-4o", 124),
        ("gpt-4o-mini", 124),
        ("openai/gpt-4.1-mini", 124),
    ],
)
def test_message_counts_match_what_openai_reports(model, expected):
    assert tokens.count_message_tokens(COOKBOOK_MESSAGES, model=model) == expected


def test_the_real_vocabularies_load_offline():
    assert tokens.get_encoder(tokens.O200K_BASE).exact
    assert tokens.get_encoder(tokens.CL100K_BASE).exact
    assert tokens.tokenizer_is_exact("openai/gpt-4o-mini")
    assert tokens.tokenizer_is_exact("test/echo")
    assert not tokens.tokenizer_is_exact("anthropic/claude-sonnet-4-5")


def test_models_map_to_their_encodings():
    assert tokens.encoding_name_for_model("openai/gpt-4o-mini") == "o200k_base"
    assert tokens.encoding_name_for_model("o4-mini") == "o200k_base"
    assert tokens.encoding_name_for_model("text-embedding-3-small") == "cl100k_base"
    assert tokens.encoding_name_for_model("claude-haiku-4-5") == "o200k_base"
    assert tokens.encoding_name_for_model(None) == "o200k_base"


def test_text_counts():
    assert tokens.count_text_tokens("") == 0
    assert tokens.count_text_tokens("Hello world") == 2
    assert tokens.count_text_tokens("Hello, world!") == 4
    # special-token text typed by a user is ordinary text, never a control token
    assert tokens.count_text_tokens("<|endoftext|>") > 1


def test_one_message_costs_three_plus_three_plus_its_fields():
    # 3 per message + "user" (1) + "Hello" (1) + 3 priming the reply
    assert tokens.count_message_tokens([{"role": "user", "content": "Hello"}]) == 8
    named = [{"role": "user", "name": "bob", "content": "Hello"}]
    assert tokens.count_message_tokens(named) == 8 + 1 + tokens.count_text_tokens("bob")


def test_content_parts_count_their_text_and_a_fixed_amount_per_image():
    parts = [
        {"type": "text", "text": "Hello"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
    expected = 3 + 1 + 1 + tokens.TOKENS_PER_IMAGE_PART + 3
    assert tokens.count_message_tokens([{"role": "user", "content": parts}]) == expected


def test_truncation_keeps_the_longest_prefix_within_the_limit():
    text = "The quick brown fox jumps over the lazy dog."
    assert tokens.truncate_to_tokens(text, 4) == "The quick brown fox"
    assert tokens.truncate_to_tokens(text, 100) == text
    assert tokens.truncate_to_tokens(text, 0) == ""
    emoji = "🦊" * 5
    for limit in range(1, 8):
        prefix = tokens.truncate_to_tokens(emoji, limit)
        assert emoji.startswith(prefix)
        assert tokens.count_text_tokens(prefix) <= limit


def test_every_lorem_word_is_one_token_in_both_vocabularies():
    for name in (tokens.O200K_BASE, tokens.CL100K_BASE):
        encoder = tokens.get_encoder(name)
        for word in LOREM_WORDS:
            # the forms lorem_text uses: capitalized first word, then " word"
            for form in (word.capitalize(), " " + word):
                assert len(encoder.encode(form)) == 1, (name, form)


def test_patterns_and_special_tokens_are_tiktokens_own(monkeypatch):
    import tiktoken_ext.openai_public as openai_public

    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", lambda *args, **kwargs: {})
    for name, constructor in (
        (tokens.CL100K_BASE, openai_public.cl100k_base),
        (tokens.O200K_BASE, openai_public.o200k_base),
    ):
        published = constructor()
        assert published["pat_str"] == tokens._ENCODINGS[name]["pat_str"]
        assert published["special_tokens"] == tokens._ENCODINGS[name]["special_tokens"]


def test_without_a_vocabulary_the_approximate_counter_takes_over(monkeypatch):
    def unavailable(name):
        raise OSError("no such file")

    monkeypatch.setattr(tokens, "_load_bundled_ranks", unavailable)
    tokens.get_encoder.cache_clear()
    try:
        encoder = tokens.get_encoder(tokens.O200K_BASE)
        assert not encoder.exact
        assert not tokens.tokenizer_is_exact("openai/gpt-4o")
        assert tokens.count_text_tokens("Hello world") == 2
        assert tokens.count_text_tokens("internationalization") == 5  # 20 letters / 4
        text = "Hello brave new world"
        assert tokens.truncate_to_tokens(text, 2) == "Hello brave"
        assert tokens.count_message_tokens([{"role": "user", "content": "Hello"}]) == 8
    finally:
        tokens.get_encoder.cache_clear()
