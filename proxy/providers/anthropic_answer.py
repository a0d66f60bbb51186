"""Anthropic Messages API answers as OpenAI chat completions and chunks, plain and streamed.

`text` blocks become the message's `content`; `tool_use` blocks become `tool_calls` (the block's
id, type `function`, the name, the input as a JSON string), and stop_reason `tool_use` becomes
finish_reason `tool_calls`. Streamed, a tool_use `content_block_start` becomes the call's first
delta (`index` counting tool calls only, `id`, `type`, `function.name`, empty arguments) and
each `input_json_delta` a fragment of `function.arguments`, as OpenAI streams calls. The forced
tool standing for a `response_format` schema (proxy/providers/anthropic_request.py) comes back
as the message's text, finish_reason `stop`. Thinking blocks are not passed on.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from llmgateway import ids
from proxy.providers.base import (
    FINISH_CONTENT_FILTER,
    FINISH_LENGTH,
    FINISH_STOP,
    FINISH_TOOL_CALLS,
    StreamDelta,
    Usage,
)

FINISH_REASONS = {
    "end_turn": FINISH_STOP,
    "stop_sequence": FINISH_STOP,
    "pause_turn": FINISH_STOP,
    "max_tokens": FINISH_LENGTH,
    "model_context_window_exceeded": FINISH_LENGTH,
    "tool_use": FINISH_TOOL_CALLS,
    "refusal": FINISH_CONTENT_FILTER,
}


def finish_reason(stop_reason: str | None, *, structured_output: bool) -> str:
    reason = FINISH_REASONS.get(stop_reason or "", FINISH_STOP)
    if structured_output and reason == FINISH_TOOL_CALLS:
        return FINISH_STOP  # the forced tool was the answer, not a call to run
    return reason


def usage_json(usage: Usage) -> dict[str, Any]:
    """OpenAI's `usage` object for a translated answer (cache reads are `cached_tokens`)."""
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_input_tokens},
    }


def _arguments(tool_input: Any) -> str:
    return json.dumps(tool_input if tool_input is not None else {}, ensure_ascii=False)


@dataclass(frozen=True)
class Translated:
    """An Anthropic message as OpenAI's chat message, and the output text it carries."""

    message: dict[str, Any]
    text: str  # content (the structured output included)
    tool_text: str  # tool-call names and arguments: output tokens too


def message_from_anthropic(
    content: Any, *, structured_output_tool: str | None = None
) -> Translated:
    texts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            texts.append(str(block.get("text") or ""))
        elif block.get("type") == "tool_use":
            arguments = _arguments(block.get("input"))
            if structured_output_tool is not None and block.get("name") == structured_output_tool:
                texts.append(arguments)
                continue
            tool_calls.append(
                {
                    "id": str(block.get("id") or ids.prefixed_id("call")),
                    "type": "function",
                    "function": {"name": str(block.get("name") or ""), "arguments": arguments},
                }
            )
    text = "".join(texts)
    message: dict[str, Any] = {
        "role": "assistant",
        "content": text if text or not tool_calls else None,
        "refusal": None,
    }
    if tool_calls:
        message["tool_calls"] = tool_calls
    tool_text = "".join(
        call["function"]["name"] + call["function"]["arguments"] for call in tool_calls
    )
    return Translated(message=message, text=text, tool_text=tool_text)


def completion_json(
    *, translated: Translated, finish: str, usage: Usage, model: str
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-" + ids.random_string(24),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": translated.message,
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": usage_json(usage),
    }


@dataclass
class ChunkTranslator:
    """Anthropic stream events in, OpenAI chunks (as `StreamDelta`s) out.

    The role chunk waits for the first output, so an upstream that fails before any output
    still fails before the first event (and the request costs nothing).
    """

    model: str
    structured_output_tool: str | None = None
    completion_id: str = field(default_factory=lambda: "chatcmpl-" + ids.random_string(24))
    created: int = field(default_factory=lambda: int(time.time()))
    started: bool = False
    tool_indexes: dict[int, int] = field(default_factory=dict)  # content block → tool call
    structured_blocks: set[int] = field(default_factory=set)
    pieces: list[str] = field(default_factory=list)  # every output text, for a count

    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    def _output(self, delta: dict[str, Any], *, text: str = "", tool_text: str = "") -> list:
        self.pieces.append(text + tool_text)
        events = []
        if not self.started:
            self.started = True
            role = {"role": "assistant", "content": "", "refusal": None}
            events.append(StreamDelta("", raw=self.chunk(role)))
        events.append(StreamDelta(text, raw=self.chunk(delta), tool_text=tool_text))
        return events

    def block_start(self, data: dict[str, Any]) -> list[StreamDelta]:
        block = data.get("content_block") or {}
        index = data.get("index", 0)
        if block.get("type") == "text" and block.get("text"):
            return self._output({"content": block["text"]}, text=block["text"])
        if block.get("type") != "tool_use":
            return []
        name = str(block.get("name") or "")
        if self.structured_output_tool is not None and name == self.structured_output_tool:
            self.structured_blocks.add(index)
            return []
        call_index = self.tool_indexes[index] = len(self.tool_indexes)
        head = {
            "index": call_index,
            "id": str(block.get("id") or ids.prefixed_id("call")),
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        return self._output({"tool_calls": [head]}, tool_text=name)

    def block_delta(self, data: dict[str, Any]) -> list[StreamDelta]:
        delta = data.get("delta") or {}
        index = data.get("index", 0)
        if delta.get("type") == "text_delta":
            text = delta.get("text")
            return self._output({"content": text}, text=text) if text else []
        if delta.get("type") != "input_json_delta":
            return []  # thinking and signature deltas are not passed on
        fragment = delta.get("partial_json")
        if not isinstance(fragment, str) or not fragment:
            return []
        if index in self.structured_blocks:
            return self._output({"content": fragment}, text=fragment)
        if index not in self.tool_indexes:
            return []
        piece = {"index": self.tool_indexes[index], "function": {"arguments": fragment}}
        return self._output({"tool_calls": [piece]}, tool_text=fragment)

    def finish_chunk(self, finish: str) -> dict[str, Any]:
        return self.chunk({}, finish)
