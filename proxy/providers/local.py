"""The local test models (provider "test"): offline, deterministic, with real token counts.

- `echo` (chat): answers the text of the last user message, cut to `max_tokens` tokens.
- `lorem` (chat): `max_tokens` (default 50) words of lorem ipsum, each word exactly one token,
  so the answer is exactly `max_tokens` tokens.
- `embed` (embedding): unit vectors from SHA-256 of each input (64 dimensions by default).
- `image` (image): an 8x8 single-colour PNG whose colour comes from the prompt, as base64
  (or as a data: URL when `response_format` is "url").

Token counts come from proxy/tokens.py (o200k_base), so `usage` is what the gateway bills.
Streams yield one word per chunk, yielding to the event loop between chunks; set
`TEST_MODEL_STREAM_DELAY_SECONDS` to slow them down (to exercise cancellation).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import math
import re
import struct
import time
import zlib
from collections.abc import AsyncGenerator
from typing import Any

from llmgateway.environment import env_number
from proxy import tokens
from proxy.providers.base import (
    FINISH_LENGTH,
    FINISH_STOP,
    ChatRequest,
    ChatResult,
    EmbeddingsRequest,
    EmbeddingsResult,
    ImagesRequest,
    ImagesResult,
    Provider,
    StreamDelta,
    StreamEnd,
    StreamEvent,
    UnsupportedOperation,
    UpstreamError,
    Usage,
)

PROVIDER_NAME = "test"
ECHO = "echo"
LOREM = "lorem"
EMBED = "embed"
IMAGE = "image"
CHAT_MODELS = (ECHO, LOREM)

LOREM_DEFAULT_WORDS = 50
# Words that are one token each after a space, and capitalized at the start of the text, in
# both o200k_base and cl100k_base (tests check it): lorem's answer is exactly max_tokens tokens.
LOREM_WORDS = (
    "lorem", "sit", "do", "ut", "et", "ad", "ex", "in", "non", "qui", "anim", "id", "est",
)  # fmt: skip
EMBEDDING_DEFAULT_DIMENSIONS = 64
EMBEDDING_MAX_DIMENSIONS = 3072
IMAGE_SIDE_PIXELS = 8
MAX_IMAGES = 10

_WORD_CHUNK = re.compile(r"\s*\S+|\s+")


def _token_model(model: str) -> str:
    return f"{PROVIDER_NAME}/{model}"


def word_chunks(text: str) -> list[str]:
    """The pieces a stream sends: one word each with the whitespace before it; they join to
    exactly `text`."""
    return _WORD_CHUNK.findall(text)


def lorem_text(word_count: int) -> str:
    words = [LOREM_WORDS[index % len(LOREM_WORDS)] for index in range(word_count)]
    if words:
        words[0] = words[0].capitalize()
    return " ".join(words)


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(
                    str(part.get("text", ""))
                    for part in content
                    if isinstance(part, dict) and part.get("type") == "text"
                )
    return ""


def _stream_delay_seconds() -> float:
    return max(0.0, env_number("TEST_MODEL_STREAM_DELAY_SECONDS", 0.0))


class LocalTestProvider(Provider):
    name = PROVIDER_NAME

    def __repr__(self) -> str:
        return "<LocalTestProvider>"

    def _answer(self, request: ChatRequest) -> tuple[str, str]:
        """(content, finish_reason) of a chat request."""
        token_model = _token_model(request.model)
        if request.model == ECHO:
            content = _last_user_text(request.messages)
            if request.max_tokens is not None:
                limited = tokens.truncate_to_tokens(content, request.max_tokens, model=token_model)
                if limited != content:
                    return limited, FINISH_LENGTH
            return content, FINISH_STOP
        if request.model == LOREM:
            if request.max_tokens is None:
                return lorem_text(LOREM_DEFAULT_WORDS), FINISH_STOP
            content = lorem_text(request.max_tokens)
            # Exact already with a real vocabulary; a guard for the approximate counter.
            content = tokens.truncate_to_tokens(content, request.max_tokens, model=token_model)
            return content, FINISH_LENGTH
        raise UpstreamError(404, f"test: no chat model {request.model!r}", code="model_not_found")

    def _usage(self, request: ChatRequest, content: str) -> Usage:
        token_model = _token_model(request.model)
        return Usage(
            input_tokens=tokens.count_message_tokens(request.messages, model=token_model),
            output_tokens=tokens.count_text_tokens(content, model=token_model),
        )

    async def chat(self, request: ChatRequest) -> ChatResult:
        content, finish_reason = self._answer(request)
        return ChatResult(
            content=content,
            finish_reason=finish_reason,
            usage=self._usage(request, content),
            usage_reported=True,
            model=request.model,
        )

    async def chat_stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        content, finish_reason = self._answer(request)
        delay = _stream_delay_seconds()
        for chunk in word_chunks(content):
            yield StreamDelta(chunk)
            await asyncio.sleep(delay)  # 0: just let other tasks (a cancel) run
        yield StreamEnd(
            finish_reason=finish_reason,
            usage=self._usage(request, content),
            usage_reported=True,
        )

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResult:
        if request.model != EMBED:
            raise UpstreamError(404, f"test: no embedding model {request.model!r}")
        dimensions = request.dimensions
        if dimensions is None:
            dimensions = EMBEDDING_DEFAULT_DIMENSIONS
        if not 1 <= dimensions <= EMBEDDING_MAX_DIMENSIONS:
            raise UnsupportedOperation(f"dimensions must be 1 to {EMBEDDING_MAX_DIMENSIONS}.")
        items = _embedding_items(request.input)
        data = []
        input_tokens = 0
        for index, item in enumerate(items):
            if isinstance(item, str):
                text = item
                input_tokens += tokens.count_text_tokens(item, model=_token_model(EMBED))
            else:
                text = " ".join(str(token) for token in item)
                input_tokens += len(item)
            vector = embedding_vector(text, dimensions)
            encoded: Any = vector
            if request.encoding_format == "base64":
                encoded = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        return EmbeddingsResult(
            data=data, usage=Usage(input_tokens=input_tokens), usage_reported=True, model=EMBED
        )

    async def images(self, request: ImagesRequest) -> ImagesResult:
        if request.model != IMAGE:
            raise UpstreamError(404, f"test: no image model {request.model!r}")
        if not 1 <= request.n <= MAX_IMAGES:
            raise UnsupportedOperation(f"n must be 1 to {MAX_IMAGES}.")
        data = []
        for index in range(request.n):
            encoded = base64.b64encode(image_png(f"{index}:{request.prompt}")).decode()
            if request.response_format == "url":
                data.append({"url": f"data:image/png;base64,{encoded}"})
            else:
                data.append({"b64_json": encoded, "revised_prompt": request.prompt})
        prompt_tokens = tokens.count_text_tokens(request.prompt, model=_token_model(IMAGE))
        return ImagesResult(
            data=data,
            usage=Usage(input_tokens=prompt_tokens),
            usage_reported=True,
            created=int(time.time()),
        )


def _embedding_items(raw: Any) -> list[str | list[int]]:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw:
        if all(isinstance(item, int) for item in raw):
            return [raw]
        if all(isinstance(item, str | list) for item in raw):
            return raw
    raise UnsupportedOperation("input must be a string, a list of strings or of token ids.")


def embedding_vector(text: str, dimensions: int) -> list[float]:
    """A unit vector that depends only on `text` and `dimensions`."""
    raw = b""
    block = 0
    while len(raw) < dimensions * 4:
        raw += hashlib.sha256(f"{block}:{text}".encode()).digest()
        block += 1
    values = [
        (int.from_bytes(raw[i * 4 : i * 4 + 4], "little") / 2**31) - 1.0 for i in range(dimensions)
    ]
    norm = math.sqrt(sum(value * value for value in values)) or 1.0
    return [value / norm for value in values]


def image_png(seed: str, side: int = IMAGE_SIDE_PIXELS) -> bytes:
    """A valid sidexside RGB PNG of one colour taken from SHA-256 of `seed`."""
    red, green, blue = hashlib.sha256(seed.encode()).digest()[:3]
    row = b"\x00" + bytes([red, green, blue]) * side  # filter byte 0, then the pixels
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)  # 8-bit RGB

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * side, 9))
        + chunk(b"IEND", b"")
    )
