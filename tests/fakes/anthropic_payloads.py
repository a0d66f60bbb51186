"""Deterministic Anthropic Messages API answers for the fake upstream (no I/O here).

Counting rule, so tests can predict exact numbers: a "token" is a whitespace-separated word.
- input_tokens = words of the system prompt and of every message's blocks — text, a tool_use
  block's input JSON, a tool_result's content — plus `IMAGE_TOKENS` per image, plus the words
  of the JSON of the `tools` sent (tools are billed input, as upstream); at least 1.
- the reply is "Echo: " + the text of the last user message (of its tool results if it has no
  text) or `reply_text`, cut to
  `max_tokens` words (stop_reason "max_tokens", else "end_turn"); output_tokens = its words.
- tool use (the `tool_calls` knob, `[{"name", "input"}]`): when the request offers `tools` (and
  `tool_choice` is not `none`) and its last turn is not tool results, the answer is a tool_use
  block per call (preceded by a text block only when `reply_text` is set), stop_reason
  "tool_use"; each input's JSON streams in `input_json_delta` fragments of
  `ARGUMENT_FRAGMENT_CHARS` characters (after an empty one, as Anthropic sends), and each call
  costs 1 output token (its name) + 1 per fragment.

Requests are checked as Anthropic checks them: tools need a name and an object input_schema,
tool_choice a known type, every tool_use of an assistant turn a tool_result in the next user
turn (and no tool_result without its tool_use), images a base64 or url source.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

ARGUMENT_FRAGMENT_CHARS = 8
IMAGE_TOKENS = 100
IMAGE_MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
TOOL_CHOICE_TYPES = ("auto", "any", "tool", "none")


class InvalidRequest(ValueError):
    pass


def count_words(text: str) -> int:
    return len(text.split())


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(block.get("text", ""))
            for block in content
            if isinstance(block, dict) and block.get("type") == "text"
        )
    return ""


def content_tokens(content: Any) -> int:
    if not isinstance(content, list):
        return count_words(text_of(content))
    total = 0
    for block in content:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            total += count_words(str(block.get("text", "")))
        elif kind == "image":
            total += IMAGE_TOKENS
        elif kind == "tool_use":
            total += count_words(json.dumps(block.get("input")))
        elif kind == "tool_result":
            total += content_tokens(block.get("content", ""))
    return total


def user_text(message: dict) -> str:
    """A user turn's text, or the text of the tool results it carries."""
    text = text_of(message.get("content"))
    if text:
        return text
    return " ".join(text_of(block.get("content")) for block in _blocks(message, "tool_result"))


def fragments(text: str) -> list[str]:
    step = ARGUMENT_FRAGMENT_CHARS
    return [text[start : start + step] for start in range(0, len(text), step)]


def _blocks(message: dict, kind: str) -> list[dict]:
    content = message.get("content")
    return [
        block
        for block in (content if isinstance(content, list) else [])
        if isinstance(block, dict) and block.get("type") == kind
    ]


def _check_tools(body: dict) -> None:
    tools = body.get("tools")
    if tools is None:
        if body.get("tool_choice") is not None:
            raise InvalidRequest("tool_choice may only be specified while providing tools.")
        return
    if not isinstance(tools, list):
        raise InvalidRequest("tools: Input should be a valid list")
    for index, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise InvalidRequest(f"tools.{index}.name: Field required")
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            raise InvalidRequest(f"tools.{index}.input_schema.type: Input should be 'object'")
    choice = body.get("tool_choice")
    if choice is not None:
        if not isinstance(choice, dict) or choice.get("type") not in TOOL_CHOICE_TYPES:
            raise InvalidRequest("tool_choice.type: Input tag does not match any expected tags")
        if choice["type"] == "tool" and choice.get("name") not in [t["name"] for t in tools]:
            raise InvalidRequest("tool_choice.name: the tool is not in tools")


def _check_images(messages: list) -> None:
    for message in messages:
        for block in _blocks(message, "image"):
            source = block.get("source") or {}
            if source.get("type") == "base64":
                if source.get("media_type") not in IMAGE_MEDIA_TYPES or not source.get("data"):
                    raise InvalidRequest("image.source.base64: media_type and data are required")
            elif source.get("type") != "url" or not source.get("url"):
                raise InvalidRequest("image.source: Input tag does not match any expected tags")


def _check_tool_pairs(messages: list) -> None:
    for index, message in enumerate(messages):
        uses = {block.get("id") for block in _blocks(message, "tool_use")}
        following = messages[index + 1] if index + 1 < len(messages) else None
        results = set()
        if following is not None and following.get("role") == "user":
            results = {block.get("tool_use_id") for block in _blocks(following, "tool_result")}
        if message.get("role") == "assistant" and uses - results and following is not None:
            raise InvalidRequest(
                f"messages.{index}: `tool_use` ids were found without `tool_result` blocks "
                f"immediately after: {', '.join(sorted(uses - results))}."
            )
        if message.get("role") == "user":
            previous = messages[index - 1] if index else {}
            offered = {block.get("id") for block in _blocks(previous, "tool_use")}
            own = {block.get("tool_use_id") for block in _blocks(message, "tool_result")}
            if own - offered:
                raise InvalidRequest(
                    f"messages.{index}: unexpected `tool_use_id` found in `tool_result` blocks."
                )


class MessageReply:
    """The deterministic answer to one Messages request (plain and streamed)."""

    def __init__(self, body: Any, *, reply_text: str | None, tool_calls: list[dict] | None = None):
        if not isinstance(body, dict):
            raise InvalidRequest("Request body must be a JSON object.")
        model, max_tokens, messages = (
            body.get("model"),
            body.get("max_tokens"),
            body.get("messages"),
        )
        if not isinstance(model, str) or not model:
            raise InvalidRequest("model: Field required")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            raise InvalidRequest("max_tokens: Field required")
        if not isinstance(messages, list) or not messages:
            raise InvalidRequest("messages: at least one message is required")
        for index, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
                raise InvalidRequest(
                    f"messages.{index}.role: Input should be 'user' or 'assistant'"
                )
        system = body.get("system")
        if system is not None and not isinstance(system, str | list):
            raise InvalidRequest("system: Input should be a valid string")
        temperature = body.get("temperature")
        if temperature is not None and not 0 <= temperature <= 1:
            raise InvalidRequest("temperature: range: 0..1")
        _check_tools(body)
        _check_images(messages)
        _check_tool_pairs(messages)
        self.model = model
        self.id = f"msg_{uuid.uuid4().hex[:24]}"
        tools_tokens = count_words(json.dumps(body["tools"])) if body.get("tools") else 0
        self.input_tokens = max(
            1,
            count_words(text_of(system))
            + sum(content_tokens(message.get("content")) for message in messages)
            + tools_tokens,
        )
        user_texts = [user_text(m) for m in messages if m.get("role") == "user"]
        text = reply_text if reply_text is not None else "Echo: " + (user_texts or [""])[-1]
        words = text.split() or ["Echo:"]
        self.stop_reason = "end_turn"
        if len(words) > max_tokens:
            words = words[:max_tokens]
            self.stop_reason = "max_tokens"
        answered = bool(_blocks(messages[-1], "tool_result"))
        choice = (body.get("tool_choice") or {}).get("type")
        # [(id, name, input JSON fragments)] when the answer is tool use.
        self.tool_uses = [
            (f"toolu_{uuid.uuid4().hex[:24]}", call["name"], fragments(json.dumps(call["input"])))
            for call in tool_calls or []
            if body.get("tools") and not answered and choice != "none"
        ]
        if self.tool_uses:
            words = reply_text.split() if reply_text else []
            self.stop_reason = "tool_use"
        self.words = words
        self.content = " ".join(words)
        self.output_tokens = len(words) + sum(1 + len(parts) for _, _, parts in self.tool_uses)

    def usage(self, *, cache_read: int, cache_creation: int, output_tokens: int) -> dict:
        return {
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": cache_creation,
            "cache_read_input_tokens": cache_read,
            "output_tokens": output_tokens,
            "service_tier": "standard",
        }

    def content_blocks(self) -> list[dict]:
        blocks = [{"type": "text", "text": self.content}] if self.words else []
        for tool_use_id, name, parts in self.tool_uses:
            tool_input = json.loads("".join(parts))
            blocks.append(
                {"type": "tool_use", "id": tool_use_id, "name": name, "input": tool_input}
            )
        return blocks

    def message(self, *, cache_read: int, cache_creation: int) -> dict:
        return {
            "id": self.id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": self.content_blocks(),
            "stop_reason": self.stop_reason,
            "stop_sequence": None,
            "usage": self.usage(
                cache_read=cache_read,
                cache_creation=cache_creation,
                output_tokens=self.output_tokens,
            ),
        }

    def pieces(self) -> list[str]:
        if not self.words:
            return []
        return [word + " " for word in self.words[:-1]] + [self.words[-1]]
