"""The most input tokens a chat request can be billed for: what its hold must cover.

An upstream bills every token it is sent, not only message text: tool definitions, the JSON
schema of a structured-output `response_format`, images (by size and detail) and audio. This
counts each of them (docs/models.md, "What a hold covers"):

- message text and structured message fields: exact with the model's tokenizer (proxy/tokens.py);
- `tools` / `functions` and `response_format`: the tokens of their JSON text, plus a fixed
  overhead per tool (OpenAI renders tools in a terser form, so this is an upper bound), plus
  the tool-use system prompt Anthropic adds when Claude is sent tools;
- an image part: OpenAI's published rule for the model's family — tiles of 512 px after
  scaling into 2048 px and a 768 px short side (`detail: low`: the base only), or 32 px patches
  for the patch-priced families. The size is read from a `data:` URL's header; an image given by
  URL (not fetched here) is counted at its family's largest size;
- an audio part: one token per 100 bytes of audio, which covers any encoding of 8 kbit/s or more
  (OpenAI bills about 10 tokens a second);
- a file part (a PDF): one token per 2 bytes of the file, a loose bound on its text and pages.

The charge is always the upstream's reported usage; when that still exceeds the hold, settle
takes the difference from the available balance and books what it can't to `uncollected`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import struct
from dataclasses import dataclass
from typing import Any

from proxy import tokens

TOKENS_PER_TOOL = 12  # the namespace and per-function framing OpenAI adds around each tool
# The system prompt Anthropic adds to any request with tools (its docs: 346 tokens for Claude
# 4.x with tool_choice auto or none, 313 with any or tool); a structured-output
# `response_format` is sent to Claude as a forced tool (proxy/providers/anthropic_request.py).
ANTHROPIC_TOOL_USE_SYSTEM_TOKENS = 346
AUDIO_BYTES_PER_TOKEN = 100
FILE_BYTES_PER_TOKEN = 2
_HEADER_BASE64_CHARS = 96 * 1024  # enough of a data URL to find any common header (EXIF too)


@dataclass(frozen=True)
class TileRule:
    """Images priced by 512 px tiles: `base + per_tile x tiles` (`base` alone at low detail)."""

    base: int
    per_tile: int

    def tokens(self, size: tuple[int, int] | None, detail: str) -> int:
        if detail == "low":
            return self.base
        if size is None:
            return self.base + self.per_tile * 8  # the most tiles a scaled image can have
        width, height = _scaled_for_tiles(*size)
        return self.base + self.per_tile * math.ceil(width / 512) * math.ceil(height / 512)


@dataclass(frozen=True)
class PatchRule:
    """Images priced by 32 px patches (at most 1536), times the family's multiplier."""

    multiplier_thousandths: int
    max_patches: int = 1536

    def tokens(self, size: tuple[int, int] | None, detail: str) -> int:
        patches = self.max_patches
        if size is not None:
            patches = min(self.max_patches, math.ceil(size[0] / 32) * math.ceil(size[1] / 32))
        return math.ceil(patches * self.multiplier_thousandths / 1000)


# By upstream model name prefix, longest first (OpenAI's vision pricing guide).
_IMAGE_RULES: tuple[tuple[str, TileRule | PatchRule], ...] = (
    ("gpt-4.1-mini", PatchRule(1620)),
    ("gpt-4.1-nano", PatchRule(2460)),
    ("gpt-5-mini", PatchRule(1620)),
    ("gpt-5-nano", PatchRule(2460)),
    ("o4-mini", PatchRule(1720)),
    ("gpt-4o-mini", TileRule(2833, 5667)),
    ("o1", TileRule(75, 150)),
    ("o3", TileRule(75, 150)),
    ("gpt-", TileRule(85, 170)),
)
# Other providers (Anthropic: width x height / 750, images kept under ~1.15 megapixels).
_DEFAULT_IMAGE_TOKENS = 1600


def image_tokens(model: str, size: tuple[int, int] | None, detail: str = "auto") -> int:
    name = model.rsplit("/", 1)[-1]
    for prefix, rule in _IMAGE_RULES:
        if name.startswith(prefix):
            return rule.tokens(size, detail)
    if size is None:
        return _DEFAULT_IMAGE_TOKENS
    return min(_DEFAULT_IMAGE_TOKENS, math.ceil(size[0] * size[1] / 750))


def _scaled_for_tiles(width: int, height: int) -> tuple[int, int]:
    if max(width, height) > 2048:
        ratio = 2048 / max(width, height)
        width, height = math.ceil(width * ratio), math.ceil(height * ratio)
    if min(width, height) > 768:
        ratio = 768 / min(width, height)
        width, height = math.ceil(width * ratio), math.ceil(height * ratio)
    return width, height


def _data_url_bytes(url: str, *, max_chars: int | None = None) -> bytes | None:
    if not url.startswith("data:"):
        return None
    _, _, payload = url.partition(",")
    if max_chars is not None:
        payload = payload[: max_chars - max_chars % 4]
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None


def _decoded_size(encoded: str) -> int:
    return len(encoded) * 3 // 4


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG, GIF, WebP or JPEG header; None if not recognised."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        return _webp_size(data)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        length = int.from_bytes(data[index + 2 : index + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return None


def part_tokens(part: dict[str, Any], model: str) -> int | None:
    """The tokens of one non-text content part, or None for a part the tokenizer counts."""
    kind = part.get("type")
    if kind in ("image_url", "input_image", "image"):
        image = part.get("image_url", part)
        url = image.get("url") if isinstance(image, dict) else image
        if not isinstance(url, str):
            url = part.get("image_url") if isinstance(part.get("image_url"), str) else ""
        detail = image.get("detail", "auto") if isinstance(image, dict) else "auto"
        header = _data_url_bytes(url or "", max_chars=_HEADER_BASE64_CHARS)
        size = image_size(header) if header else None
        return image_tokens(model, size, detail if isinstance(detail, str) else "auto")
    if kind == "input_audio":
        audio = part.get("input_audio")
        data = audio.get("data") if isinstance(audio, dict) else None
        audio_bytes = _decoded_size(data) if isinstance(data, str) else 0
        return max(1, math.ceil(audio_bytes / AUDIO_BYTES_PER_TOKEN))
    if kind in ("file", "input_file"):
        file = part.get("file", part)
        data = file.get("file_data") if isinstance(file, dict) else None
        if isinstance(data, str):
            encoded = data.partition(",")[2] if data.startswith("data:") else data
            return max(1, math.ceil(_decoded_size(encoded) / FILE_BYTES_PER_TOKEN))
        return None
    return None


def chat_prompt_tokens(
    messages: list[dict[str, Any]], options: dict[str, Any], *, model: str
) -> int:
    """The input tokens a chat request can be billed for, at most (see the module docstring)."""
    total = tokens.count_message_tokens(
        messages, model=model, part_tokens=lambda part: part_tokens(part, model)
    )
    definitions = [item for key in ("tools", "functions") for item in options.get(key) or []]
    if definitions:
        total += TOKENS_PER_TOOL * len(definitions)
        total += tokens.count_text_tokens(json.dumps(definitions, sort_keys=True), model=model)
    for key in ("response_format", "tool_choice"):
        value = options.get(key)
        if isinstance(value, dict):
            total += tokens.count_text_tokens(json.dumps(value, sort_keys=True), model=model)
    response_format = options.get("response_format")
    structured = isinstance(response_format, dict) and response_format.get("type") != "text"
    uses_tools = definitions or structured
    if uses_tools and model.rsplit("/", 1)[-1].startswith("claude"):
        total += ANTHROPIC_TOOL_USE_SYSTEM_TOKENS
    return total
