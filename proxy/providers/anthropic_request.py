"""OpenAI chat requests as Anthropic Messages API bodies: messages, tools, tool choice, output.

- system and developer messages become `system`; user and assistant turns keep their order,
  text and image parts (a `data:` URL becomes a base64 image source, any other URL a url one);
- an assistant's `tool_calls` become `tool_use` blocks (its arguments parsed: Anthropic takes
  the input as an object), `role: "tool"` messages `tool_result` blocks in one user turn
  (consecutive ones merged, as Anthropic wants every result of a turn's calls together);
- function `tools` become Anthropic tools (`name`, `description`, `input_schema`), `tool_choice`
  `auto` / `required` / `none` / a named function becomes `auto` / `any` / `none` / `tool`, and
  `parallel_tool_calls: false` becomes `disable_parallel_tool_use`;
- `response_format` `json_schema` (and `json_object`) becomes one forced tool whose input
  schema is the requested schema: Anthropic has no JSON mode outside a beta, but a forced tool's
  input is always a JSON object of its schema. The answer's tool input is handed back as the
  message's text (proxy/providers/anthropic_answer.py). It can't be combined with `tools`.

Anything Anthropic cannot take (other part types, the legacy `functions`, other tool types) is
an `UnsupportedOperation`: a 400 naming it, never silently dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from proxy.providers.base import UnsupportedOperation

STRUCTURED_OUTPUT_DESCRIPTION = (
    "Give your answer as this tool's input: a JSON object that follows its schema."
)
_EMPTY_OBJECT_SCHEMA = {"type": "object", "properties": {}}
_TOOL_CHOICES = {"auto": "auto", "required": "any", "none": "none"}


@dataclass(frozen=True)
class ToolsPlan:
    """The body fields for tools, and the forced tool standing for `response_format` if any."""

    fields: dict[str, Any]
    structured_output_tool: str | None = None


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def _image_block(part: dict[str, Any]) -> dict[str, Any]:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str) or not url:
        raise UnsupportedOperation("An image_url part needs a url.")
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        media_type = header.removeprefix("data:").removesuffix(";base64")
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": media_type, "data": data},
        }
    return {"type": "image", "source": {"type": "url", "url": url}}


def _content_blocks(content: Any) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise UnsupportedOperation("Message content must be a string or a list of parts.")
    blocks: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            blocks.append({"type": "text", "text": str(part.get("text", ""))})
        elif kind == "image_url":
            blocks.append(_image_block(part))
        else:
            raise UnsupportedOperation(f"Content parts of type {kind!r} are not supported here.")
    return blocks


def _tool_use_block(tool_call: dict[str, Any]) -> dict[str, Any]:
    function = tool_call.get("function")
    if tool_call.get("type", "function") != "function" or not isinstance(function, dict):
        raise UnsupportedOperation("Only function tool calls can be sent to this model.")
    arguments = function.get("arguments") or "{}"
    try:
        tool_input = json.loads(arguments) if isinstance(arguments, str) else None
    except ValueError:
        tool_input = None
    if not isinstance(tool_input, dict):
        raise UnsupportedOperation(
            "A tool call's function.arguments must be a JSON object for this model."
        )
    return {
        "type": "tool_use",
        "id": str(tool_call.get("id") or ""),
        "name": str(function.get("name") or ""),
        "input": tool_input,
    }


def _assistant_content(message: dict[str, Any]) -> str | list[dict[str, Any]]:
    tool_calls = message.get("tool_calls") or []
    content = message.get("content")
    if not tool_calls:
        return _content_blocks(content)
    blocks: list[dict[str, Any]] = []
    if content:
        text = _content_blocks(content)
        blocks += [{"type": "text", "text": text}] if isinstance(text, str) else text
    return blocks + [_tool_use_block(tool_call) for tool_call in tool_calls]


def _tool_result_block(message: dict[str, Any]) -> dict[str, Any]:
    tool_call_id = message.get("tool_call_id")
    if not isinstance(tool_call_id, str) or not tool_call_id:
        raise UnsupportedOperation("A tool message needs the tool_call_id it answers.")
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_call_id}
    if message.get("content") is not None:
        block["content"] = _content_blocks(message["content"])
    return block


def to_anthropic_messages(
    messages: list[dict[str, Any]],
) -> tuple[str | None, list[dict[str, Any]]]:
    """(system, messages) for the Messages API from OpenAI-style chat messages."""
    system_parts: list[str] = []
    translated: list[dict[str, Any]] = []
    tool_turn: dict[str, Any] | None = None  # the user turn the latest tool results went into
    for message in messages:
        role = message.get("role")
        if role == "tool":
            if tool_turn is None or translated[-1] is not tool_turn:
                tool_turn = {"role": "user", "content": []}
                translated.append(tool_turn)
            tool_turn["content"].append(_tool_result_block(message))
        elif role in ("system", "developer"):
            system_parts.append(text_of(message.get("content")))
        elif role == "assistant":
            translated.append({"role": role, "content": _assistant_content(message)})
        elif role == "user":
            translated.append({"role": role, "content": _content_blocks(message.get("content"))})
        else:
            raise UnsupportedOperation(f"Messages with role {role!r} are not supported here.")
    if not translated:
        raise UnsupportedOperation("At least one user or assistant message is required.")
    system = "\n\n".join(part for part in system_parts if part)
    return system or None, translated


def _anthropic_tool(tool: dict[str, Any], index: int) -> dict[str, Any]:
    function = tool.get("function")
    if tool.get("type") != "function" or not isinstance(function, dict):
        raise UnsupportedOperation(
            f"tools[{index}]: only function tools can be sent to this model."
        )
    name = function.get("name")
    if not isinstance(name, str) or not name:
        raise UnsupportedOperation(f"tools[{index}].function.name is required.")
    translated: dict[str, Any] = {
        "name": name,
        "input_schema": function.get("parameters") or _EMPTY_OBJECT_SCHEMA,
    }
    if function.get("description"):
        translated["description"] = function["description"]
    return translated


def _tool_choice(choice: Any, *, parallel_tool_calls: Any) -> dict[str, Any] | None:
    translated: dict[str, Any] | None
    if choice is None:
        translated = None
    elif isinstance(choice, str) and choice in _TOOL_CHOICES:
        translated = {"type": _TOOL_CHOICES[choice]}
    elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        translated = {"type": "tool", "name": str(choice["function"].get("name") or "")}
    else:
        raise UnsupportedOperation(
            "tool_choice must be 'auto', 'required', 'none' or a function for this model."
        )
    if parallel_tool_calls is False and (translated or {}).get("type") != "none":
        translated = {**(translated or {"type": "auto"}), "disable_parallel_tool_use": True}
    return translated


def _structured_output_tool(response_format: Any) -> dict[str, Any] | None:
    kind = response_format.get("type") if isinstance(response_format, dict) else response_format
    if response_format is None or kind == "text":
        return None
    if kind == "json_object":
        return {
            "name": "json_object",
            "description": STRUCTURED_OUTPUT_DESCRIPTION,
            "input_schema": {"type": "object"},
        }
    json_schema = response_format.get("json_schema") if kind == "json_schema" else None
    if not isinstance(json_schema, dict) or not isinstance(json_schema.get("schema"), dict):
        raise UnsupportedOperation(
            "response_format must be text, json_object or json_schema with a schema."
        )
    if json_schema["schema"].get("type") != "object":
        raise UnsupportedOperation(
            "response_format.json_schema.schema must describe an object for this model."
        )
    return {
        "name": str(json_schema.get("name") or "response"),
        "description": str(json_schema.get("description") or STRUCTURED_OUTPUT_DESCRIPTION),
        "input_schema": json_schema["schema"],
    }


def tools_plan(options: dict[str, Any]) -> ToolsPlan:
    """The Messages API fields for an OpenAI request's tools, tool_choice and response_format."""
    if options.get("functions") or options.get("function_call"):
        raise UnsupportedOperation(
            "functions and function_call are not supported for this model: use tools and "
            "tool_choice."
        )
    tools = options.get("tools") or []
    structured = _structured_output_tool(options.get("response_format"))
    if structured is not None:
        if tools:
            raise UnsupportedOperation(
                "response_format json_schema can't be combined with tools for this model."
            )
        forced = {"type": "tool", "name": structured["name"]}
        return ToolsPlan({"tools": [structured], "tool_choice": forced}, structured["name"])
    if not tools:
        return ToolsPlan({})
    fields: dict[str, Any] = {
        "tools": [_anthropic_tool(tool, index) for index, tool in enumerate(tools)]
    }
    choice = _tool_choice(
        options.get("tool_choice"), parallel_tool_calls=options.get("parallel_tool_calls")
    )
    if choice is not None:
        fields["tool_choice"] = choice
    return ToolsPlan(fields)
