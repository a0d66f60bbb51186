"""The hold's prompt bound counts every input token an upstream bills (proxy/prompt_bound.py)."""

import base64
import json
import struct
import zlib

import pytest

from proxy import prompt_bound, tokens

MODEL = "gpt-4o"
TEXT = [{"role": "user", "content": "Describe this."}]


def _png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def _jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0


def _data_url(data: bytes, kind: str = "png") -> str:
    return f"data:image/{kind};base64," + base64.b64encode(data).decode()


def _with_image(url: str, detail: str = "auto") -> list:
    part = {"type": "image_url", "image_url": {"url": url, "detail": detail}}
    return [{"role": "user", "content": [{"type": "text", "text": "Describe this."}, part]}]


def _text_only() -> int:
    return tokens.count_message_tokens(TEXT, model=MODEL)


@pytest.mark.parametrize(
    ("size", "tiles"),
    [
        ((1024, 1024), 4),  # -> 768 x 768: 2 x 2 tiles
        ((2048, 4096), 6),  # -> 1024 x 2048 -> 768 x 1536: 2 x 3
        ((512, 512), 1),
        ((4000, 700), 4),  # -> 2048 x 359 (short side under 768): 4 x 1
    ],
)
def test_an_image_counts_by_its_size_in_512_pixel_tiles(size, tiles):
    for image in (_png(*size), _jpeg(*size)):
        assert prompt_bound.image_size(image) == size
        counted = prompt_bound.chat_prompt_tokens(_with_image(_data_url(image)), {}, model=MODEL)
        assert counted == _text_only() + 85 + 170 * tiles


def test_a_low_detail_image_is_its_base_and_an_unread_url_the_largest_size():
    low = prompt_bound.chat_prompt_tokens(
        _with_image("https://img.example/a.png", "low"), {}, model=MODEL
    )
    unknown = prompt_bound.chat_prompt_tokens(
        _with_image("https://img.example/a.png"), {}, model=MODEL
    )
    assert low == _text_only() + 85
    assert unknown == _text_only() + 85 + 170 * 8


def test_the_mini_models_bill_images_many_times_higher():
    image = _with_image(_data_url(_png(1024, 1024)))
    assert prompt_bound.chat_prompt_tokens(image, {}, model="gpt-4o-mini") == (
        tokens.count_message_tokens(TEXT, model="gpt-4o-mini") + 2833 + 5667 * 4
    )
    # Patch-priced families: 32 px patches (at most 1536) times the family's multiplier.
    assert prompt_bound.image_tokens("gpt-4.1-mini", (1024, 1024)) == 1659  # 1024 x 1.62
    assert prompt_bound.image_tokens("gpt-4.1-mini", (4096, 4096)) == 2489  # 1536 x 1.62
    assert prompt_bound.image_tokens("gpt-4.1-mini", (320, 320)) == 162


def test_tools_and_a_response_schema_are_counted():
    tool = {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Look up an order by its number in the shop's database. " * 20,
            "parameters": {"type": "object", "properties": {"order": {"type": "string"}}},
        },
    }
    schema = {"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "object"}}}
    options = {"tools": [tool, tool], "response_format": schema}

    counted = prompt_bound.chat_prompt_tokens(TEXT, options, model=MODEL)

    tools_tokens = tokens.count_text_tokens(json.dumps([tool, tool], sort_keys=True), model=MODEL)
    schema_tokens = tokens.count_text_tokens(json.dumps(schema, sort_keys=True), model=MODEL)
    assert tools_tokens > 400
    assert counted == _text_only() + 2 * prompt_bound.TOKENS_PER_TOOL + tools_tokens + schema_tokens


def test_claude_with_tools_or_a_schema_also_holds_anthropics_tool_use_system_prompt():
    claude = "claude-sonnet-4-5"
    schema = {"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "object"}}}
    plain = prompt_bound.chat_prompt_tokens(TEXT, {}, model=claude)
    as_text = prompt_bound.chat_prompt_tokens(
        TEXT, {"response_format": {"type": "text"}}, model=claude
    )
    structured = prompt_bound.chat_prompt_tokens(TEXT, {"response_format": schema}, model=claude)

    schema_tokens = tokens.count_text_tokens(json.dumps(schema, sort_keys=True), model=claude)
    text_format_tokens = tokens.count_text_tokens('{"type": "text"}', model=claude)
    assert as_text == plain + text_format_tokens
    assert structured == plain + schema_tokens + prompt_bound.ANTHROPIC_TOOL_USE_SYSTEM_TOKENS
    assert prompt_bound.chat_prompt_tokens(TEXT, {"response_format": schema}, model=MODEL) == (
        _text_only() + schema_tokens
    )


def test_audio_is_bounded_by_its_size():
    audio = base64.b64encode(b"\x00" * 48_000).decode()  # one second of 24 kHz 16-bit wav
    messages = [
        {
            "role": "user",
            "content": [{"type": "input_audio", "input_audio": {"data": audio, "format": "wav"}}],
        }
    ]
    counted = prompt_bound.chat_prompt_tokens(messages, {}, model=MODEL)
    assert counted == tokens.count_message_tokens(
        [{"role": "user", "content": []}], model=MODEL
    ) + (48_000 // prompt_bound.AUDIO_BYTES_PER_TOKEN)
