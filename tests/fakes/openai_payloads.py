"""Deterministic OpenAI-shaped response bodies for the fake upstream (no I/O here).

Counting rule, so tests can predict exact numbers: a "token" is a whitespace-separated word.
- chat: the reply is `"Echo: " + <text of the last user message>` (words re-joined by single
  spaces), truncated to `max_tokens` / `max_completion_tokens` words (finish_reason "length");
  prompt_tokens = words in the text of every message and in the JSON of `tools` (at least 1);
  completion_tokens = words in the reply; a stream sends one content chunk per word.
- embeddings: each string input costs its word count (at least 1), a token-id list its length.
- images: prompt words are the input tokens; gpt-image models also report output tokens.
- tool calls (the `tool_calls` knob): the answer is those calls instead of text, finish_reason
  "tool_calls"; each call's arguments stream in fragments of `ARGUMENT_FRAGMENT_CHARS`
  characters, and completion_tokens = for each call, 1 (its name) + its fragments.
- `logprobs: true` in the request: each content piece gets a logprob entry (-0.5).
- `n`: that many identical choices (indexes 0..n-1; streamed interleaved, each piece for every
  choice in turn, then each choice's finish chunk); completion_tokens is n times one answer's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import time
import uuid
from typing import Any

DEFAULT_MODELS = (
    "gpt-4o-mini",
    "gpt-4o",
    "text-embedding-3-small",
    "dall-e-3",
    "gpt-image-1",
)
DEFAULT_EMBEDDING_DIMENSIONS = 8
# Output tokens a gpt-image model bills per 1024x1024 image, by quality (OpenAI's price table).
IMAGE_OUTPUT_TOKENS = {"low": 272, "medium": 1056, "high": 4160, "auto": 1056}
# A valid 1x1 transparent PNG.
ARGUMENT_FRAGMENT_CHARS = 8
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


class InvalidRequest(ValueError):
    """The request body breaks the API schema; answered 400 in OpenAI's error shape."""

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.param = param


def error_body(*, message: str, type: str, code: str | None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def count_words(text: str) -> int:
    return len(text.split())


def message_text(content: Any) -> str:
    """The text of a message's `content`: a string, or a list of parts of which text counts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def models_list(model_ids: list[str]) -> dict:
    return {"object": "list", "data": [model_object(model_id) for model_id in model_ids]}


def model_object(model_id: str) -> dict:
    return {"id": model_id, "object": "model", "created": 1_700_000_000, "owned_by": "system"}


class ChatReply:
    """The deterministic answer to one chat request, shared by the plain and streamed shapes."""

    def __init__(
        self,
        body: dict,
        *,
        reply_text: str | None = None,
        tool_calls: list[dict] | None = None,
    ):
        model = body.get("model")
        messages = body.get("messages")
        if not isinstance(model, str) or not model:
            raise InvalidRequest("you must provide a model parameter", "model")
        if not isinstance(messages, list) or not messages:
            raise InvalidRequest("'messages' must be a non-empty array", "messages")
        choices = body.get("n", 1)
        if not isinstance(choices, int) or isinstance(choices, bool) or not 1 <= choices <= 128:
            raise InvalidRequest("'n' must be an integer between 1 and 128", "n")
        self.choices = choices  # every choice is the same answer, billed once per choice
        self.model = model
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.created = int(time.time())
        texts = [message_text(m.get("content")) for m in messages if isinstance(m, dict)]
        user_texts = [
            message_text(m.get("content"))
            for m in messages
            if isinstance(m, dict) and m.get("role") == "user"
        ]
        # Tool definitions are billed input, as OpenAI bills them.
        texts.append(json.dumps(body["tools"]) if body.get("tools") else "")
        self.prompt_tokens = max(1, sum(count_words(text) for text in texts))
        text = reply_text if reply_text is not None else "Echo: " + (user_texts or [""])[-1]
        words = text.split() or ["Echo:"]
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        self.finish_reason = "stop"
        if isinstance(limit, int) and 0 < limit < len(words):
            words = words[:limit]
            self.finish_reason = "length"
        self.words = words
        self.content: str | None = " ".join(words)
        self.completion_tokens = len(words)
        self.logprobs = bool(body.get("logprobs"))
        # [(id, name, argument fragments)] when the answer is tool calls.
        self.tool_calls = [
            (
                f"call_{uuid.uuid4().hex[:24]}",
                call["name"],
                _fragments(call["arguments"]) or [""],
            )
            for call in tool_calls or []
        ]
        if self.tool_calls:
            self.content, self.words, self.finish_reason = None, [], "tool_calls"
            self.completion_tokens = sum(
                1 + len([f for f in fragments if f]) for _, _, fragments in self.tool_calls
            )

    def usage(self) -> dict:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens * self.choices,
            "total_tokens": self.prompt_tokens + self.completion_tokens * self.choices,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def message_tool_calls(self) -> list[dict]:
        return [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": "".join(fragments)},
            }
            for call_id, name, fragments in self.tool_calls
        ]

    def tool_call_deltas(self) -> list[dict]:
        """As OpenAI streams them: the first delta of a call holds its index, id, type, name
        and empty arguments (the very first one the role too); then argument fragments."""
        deltas: list[dict] = []
        for index, (call_id, name, fragments) in enumerate(self.tool_calls):
            head = {
                "index": index,
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": ""},
            }
            first = {"tool_calls": [head]}
            if index == 0:
                first = {"role": "assistant", "content": None, "refusal": None, **first}
            deltas.append(first)
            deltas += [
                {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}
                for fragment in fragments
                if fragment
            ]
        return deltas

    @staticmethod
    def logprobs_of(pieces: list[str]) -> dict:
        return {
            "content": [
                {"token": piece, "logprob": -0.5, "bytes": list(piece.encode()), "top_logprobs": []}
                for piece in pieces
            ],
            "refusal": None,
        }

    def completion(self, *, include_usage: bool = True) -> dict:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": self.content,
            "refusal": None,
            "annotations": [],
        }
        if self.tool_calls:
            message["tool_calls"] = self.message_tool_calls()
        body = {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [
                {
                    "index": index,
                    "message": message,
                    "logprobs": self.logprobs_of(self.content_pieces()) if self.logprobs else None,
                    "finish_reason": self.finish_reason,
                }
                for index in range(self.choices)
            ],
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }
        if include_usage:
            body["usage"] = self.usage()
        return body

    def content_pieces(self) -> list[str]:
        """One piece per word; joined they give exactly `content`."""
        if not self.words:
            return []
        return [word + " " for word in self.words[:-1]] + [self.words[-1]]

    def chunk(
        self, *, delta: dict, finish_reason: str | None = None, usage: bool, choice: int = 0
    ) -> dict:
        body = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
            "choices": [
                {"index": choice, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ],
        }
        content = delta.get("content")
        if self.logprobs and content:
            body["choices"][0]["logprobs"] = self.logprobs_of([content])
        if usage:
            body["usage"] = None  # OpenAI sends usage: null on every chunk but the last
        return body

    def usage_chunk(self) -> dict:
        body = self.chunk(delta={}, usage=True)
        body["choices"] = []
        body["usage"] = self.usage()
        return body


def _fragments(text: str) -> list[str]:
    step = ARGUMENT_FRAGMENT_CHARS
    return [text[start : start + step] for start in range(0, len(text), step)]


def embeddings(body: dict, *, default_dimensions: int = DEFAULT_EMBEDDING_DIMENSIONS) -> dict:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("you must provide a model parameter", "model")
    inputs = _embedding_inputs(body.get("input"))
    dimensions = body.get("dimensions") or default_dimensions
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    prompt_tokens = 0
    for index, item in enumerate(inputs):
        if isinstance(item, str):
            prompt_tokens += max(1, count_words(item))
            vector = embedding_vector(item, dimensions)
        else:
            prompt_tokens += len(item)
            vector = embedding_vector(" ".join(map(str, item)), dimensions)
        encoded: Any = vector
        if as_base64:
            encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }


def _embedding_inputs(raw: Any) -> list[str | list[int]]:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw:
        if all(isinstance(item, int) for item in raw):
            return [raw]
        if all(isinstance(item, str | list) for item in raw):
            return raw
    raise InvalidRequest("'input' must be a string, an array of strings or of token ids", "input")


def embedding_vector(text: str, dimensions: int) -> list[float]:
    """k/128 values from the text's SHA-256: exact in float32, so base64 round-trips exactly."""
    digest = hashlib.sha256(text.encode()).digest()
    return [(digest[i % len(digest)] - 128) / 128 for i in range(dimensions)]


def images(body: dict, *, file_url: str) -> dict:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise InvalidRequest("'prompt' is required", "prompt")
    model = body.get("model") or "dall-e-2"
    count = body.get("n") or 1
    is_gpt_image = model.startswith("gpt-image")
    response_format = body.get("response_format") or ("b64_json" if is_gpt_image else "url")
    encoded_png = base64.b64encode(PNG_1X1).decode()
    data = []
    for _ in range(count):
        if response_format == "url":
            data.append({"url": file_url, "revised_prompt": prompt})
        else:
            data.append({"b64_json": encoded_png, "revised_prompt": prompt})
    answer: dict[str, Any] = {"created": int(time.time()), "data": data}
    if is_gpt_image:
        input_tokens = max(1, count_words(prompt))
        output_tokens = IMAGE_OUTPUT_TOKENS.get(body.get("quality") or "auto", 1056) * count
        answer["usage"] = {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
            "input_tokens_details": {"text_tokens": input_tokens, "image_tokens": 0},
        }
    return answer
