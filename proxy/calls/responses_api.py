"""OpenAI's Responses API (POST /v1/responses) on the chat machinery, stateless.

A Responses request is translated into a chat-completions body, so every provider (OpenAI-
compatible, Anthropic, the local test models) serves it and the hold, settle, scopes, origins
and logs are chat's own (proxy/calls/chat.py). The chat answer is turned back into a Response
object in proxy/calls/responses_output.py; streams are re-encoded as Responses events in
proxy/calls/responses_stream.py.

Nothing is stored: `previous_response_id`, `conversation` and `item_reference` inputs are a
400, and a follow-up turn sends the whole conversation in `input` (docs/gateway.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from llmgateway import ids
from llmgateway.errors import InvalidRequest
from proxy import requests as parse

STATELESS_HINT = (
    "This gateway does not store responses (it behaves as `store: false`): send the whole "
    "conversation in `input` instead."
)
MESSAGE_ROLES = ("user", "system", "developer", "assistant")
TOOL_CHOICE_MODES = ("auto", "none", "required")
# Fields of the request that a Response object repeats back, with OpenAI's defaults.
ECHOED_DEFAULTS: dict[str, Any] = {
    "instructions": None,
    "max_output_tokens": None,
    "metadata": {},
    "parallel_tool_calls": True,
    "temperature": 1.0,
    "tool_choice": "auto",
    "tools": [],
    "top_p": 1.0,
    "text": {"format": {"type": "text"}},
    "reasoning": {"effort": None, "summary": None},
    "truncation": "disabled",
    "store": False,
}


@dataclass
class ResponsesRequest:
    """A parsed Responses request: the chat body it becomes and what its Response repeats."""

    chat_body: dict[str, Any]
    echoed: dict[str, Any]
    response_id: str = field(default_factory=lambda: ids.prefixed_id("resp"))
    created_at: int = field(default_factory=lambda: int(time.time()))

    def response(
        self,
        *,
        model: str,
        status: str,
        output: list[dict[str, Any]],
        usage: dict[str, Any] | None,
        incomplete_reason: str | None = None,
        error: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The Response object, with every field OpenAI's schema marks required."""
        return {
            "id": self.response_id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "background": False,
            "error": error,
            "incomplete_details": {"reason": incomplete_reason} if incomplete_reason else None,
            "model": model,
            "output": output,
            "previous_response_id": None,
            "service_tier": "default",
            "usage": usage,
            **self.echoed,
        }


def responses_request(body: Any) -> ResponsesRequest:
    """Check a Responses body and translate it into the chat body that serves it."""
    body = parse.require_object(body)
    for name in ("previous_response_id", "conversation"):
        if body.get(name) is not None:
            raise InvalidRequest(f"{name} is not supported. {STATELESS_HINT}", param=name)
    if body.get("background"):
        raise InvalidRequest("background responses are not supported.", param="background")
    if body.get("prompt") is not None:
        raise InvalidRequest("Stored prompt templates are not supported.", param="prompt")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise InvalidRequest("stream must be true or false.", param="stream")
    store = body.get("store")
    if store is not None and not isinstance(store, bool):
        raise InvalidRequest("store must be true or false.", param="store")
    chat: dict[str, Any] = {
        "model": body.get("model"),
        "messages": _messages(body),
        "stream": stream,
    }
    max_output = parse.positive_int(body, "max_output_tokens")
    if max_output is not None:
        chat["max_completion_tokens"] = max_output
    for name, highest in (("temperature", 2), ("top_p", 1)):
        value = _number(body, name, highest=highest)
        if value is not None:
            chat[name] = value
    parallel = body.get("parallel_tool_calls")
    if parallel is not None:
        if not isinstance(parallel, bool):
            raise InvalidRequest(
                "parallel_tool_calls must be true or false.", param="parallel_tool_calls"
            )
        chat["parallel_tool_calls"] = parallel
    if body.get("tools") is not None:
        chat["tools"] = _chat_tools(body["tools"])
    if body.get("tool_choice") is not None:
        chat["tool_choice"] = _chat_tool_choice(body["tool_choice"])
    chat.update(_text_options(body.get("text")))
    chat.update(_reasoning_options(body.get("reasoning")))
    user = body.get("safety_identifier") or body.get("user")
    if isinstance(user, str) and user:
        chat["user"] = user
    return ResponsesRequest(chat_body=chat, echoed=_echoed(body))


def _number(body: dict, name: str, *, highest: int) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= highest:
        raise InvalidRequest(f"{name} must be a number from 0 to {highest}.", param=name)
    return value


def _echoed(body: dict) -> dict[str, Any]:
    echoed = {name: body.get(name, default) for name, default in ECHOED_DEFAULTS.items()}
    for name, default in ECHOED_DEFAULTS.items():
        if echoed[name] is None:
            echoed[name] = default
    echoed["store"] = False  # what the gateway did, whatever was asked
    if isinstance(body.get("user"), str):  # deprecated, and a string when present (never null)
        echoed["user"] = body["user"]
    if isinstance(echoed["tools"], list):
        echoed["tools"] = [_echoed_tool(tool) for tool in echoed["tools"]]
    return echoed


def _echoed_tool(tool: Any) -> Any:
    """A function tool as OpenAI repeats it, every field present. `strict` is what was asked
    (null when not): the chat translation passes it on only when given, so nothing stricter is
    claimed than the upstream was asked for."""
    if not isinstance(tool, dict) or tool.get("type") != "function":
        return tool
    return {
        **tool,
        "description": tool.get("description"),
        "parameters": tool.get("parameters"),
        "strict": tool.get("strict"),
    }


# --- input → chat messages --------------------------------------------------------------------


def _messages(body: dict) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if instructions is not None:
        if not isinstance(instructions, str):
            raise InvalidRequest("instructions must be a string.", param="instructions")
        if instructions:
            messages.append({"role": "system", "content": instructions})
    value = body.get("input")
    if isinstance(value, str) and value:
        messages.append({"role": "user", "content": value})
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            _add_item(messages, item, param=f"input[{index}]")
    else:
        raise InvalidRequest(
            "input is required: a non-empty string or array of input items.", param="input"
        )
    if not any(message["role"] != "system" for message in messages):
        raise InvalidRequest("input holds no message for the model to answer.", param="input")
    return messages


def _add_item(messages: list[dict[str, Any]], item: Any, *, param: str) -> None:
    if not isinstance(item, dict):
        raise InvalidRequest("Each input item must be an object.", param=param)
    kind = item.get("type", "message")
    if kind == "message":
        messages.append(_message(item, param=param))
    elif kind == "function_call":
        call = {
            "id": _string(item, "call_id", param=param),
            "type": "function",
            "function": {
                "name": _string(item, "name", param=param),
                "arguments": _string(item, "arguments", param=param, empty=True),
            },
        }
        last = messages[-1] if messages else None
        if last is not None and last["role"] == "assistant":
            last.setdefault("tool_calls", []).append(call)  # parallel calls: one assistant turn
        else:
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
    elif kind == "function_call_output":
        output = item.get("output")
        content = output if isinstance(output, str) else _parts(output, param=f"{param}.output")
        messages.append(
            {
                "role": "tool",
                "tool_call_id": _string(item, "call_id", param=param),
                "content": content,
            }
        )
    elif kind == "reasoning":
        pass  # a reasoning model's own state: chat upstreams cannot take it back
    elif kind == "item_reference":
        raise InvalidRequest(
            f"item_reference inputs are not supported. {STATELESS_HINT} (The Vercel AI SDK: "
            "providerOptions: {openai: {store: false}}.)",
            param=param,
        )
    else:
        raise InvalidRequest(
            f"Input items of type {kind!r} are not supported: use messages, function_call and "
            "function_call_output items.",
            param=f"{param}.type",
        )


def _string(item: dict, name: str, *, param: str, empty: bool = False) -> str:
    value = item.get(name)
    if not isinstance(value, str) or (not value and not empty):
        raise InvalidRequest(f"{name} must be a string.", param=f"{param}.{name}")
    return value


def _message(item: dict, *, param: str) -> dict[str, Any]:
    role = item.get("role")
    if role not in MESSAGE_ROLES:
        raise InvalidRequest(
            f"role must be one of {', '.join(MESSAGE_ROLES)}.", param=f"{param}.role"
        )
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    parts = _parts(content, param=f"{param}.content")
    if role != "user":  # only user turns may hold images and files in chat
        texts = [part for part in parts if part["type"] != "text"]
        if texts:
            raise InvalidRequest(f"{role} messages may hold only text.", param=f"{param}.content")
        return {"role": role, "content": "".join(part["text"] for part in parts)}
    return {"role": role, "content": parts}


def _parts(content: Any, *, param: str) -> list[dict[str, Any]]:
    if not isinstance(content, list) or not content:
        raise InvalidRequest("content must be a string or a non-empty array of parts.", param=param)
    return [_part(part, param=f"{param}[{index}]") for index, part in enumerate(content)]


def _part(part: Any, *, param: str) -> dict[str, Any]:
    if not isinstance(part, dict):
        raise InvalidRequest("Each content part must be an object.", param=param)
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text"):
        return {"type": "text", "text": _string(part, "text", param=param, empty=True)}
    if kind == "refusal":
        return {"type": "text", "text": _string(part, "refusal", param=param, empty=True)}
    if kind == "input_image":
        url = part.get("image_url")
        if not isinstance(url, str) or not url:
            raise InvalidRequest(
                "input_image needs image_url (a URL or a data: URL); file ids are not supported.",
                param=f"{param}.image_url",
            )
        detail = part.get("detail") or "auto"
        if detail not in ("auto", "low", "high"):
            raise InvalidRequest("detail must be auto, low or high.", param=f"{param}.detail")
        return {"type": "image_url", "image_url": {"url": url, "detail": detail}}
    if kind == "input_file":
        data = part.get("file_data")
        if not isinstance(data, str) or not data:
            raise InvalidRequest(
                "input_file needs file_data (base64); file ids and URLs are not supported.",
                param=f"{param}.file_data",
            )
        file = {"file_data": data}
        if isinstance(part.get("filename"), str):
            file["filename"] = part["filename"]
        return {"type": "file", "file": file}
    raise InvalidRequest(
        "Content parts must be input_text, input_image or input_file.", param=f"{param}.type"
    )


# --- tools and output options -----------------------------------------------------------------


def _chat_tools(tools: Any) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        raise InvalidRequest("tools must be an array.", param="tools")
    converted = []
    for index, tool in enumerate(tools):
        param = f"tools[{index}]"
        if not isinstance(tool, dict) or tool.get("type") != "function":
            raise InvalidRequest(
                "Only function tools are supported (OpenAI's hosted tools run on OpenAI).",
                param=f"{param}.type",
            )
        function: dict[str, Any] = {"name": _string(tool, "name", param=param)}
        for name in ("description", "parameters", "strict"):
            if tool.get(name) is not None:
                function[name] = tool[name]
        if function.get("parameters") is not None and not isinstance(function["parameters"], dict):
            raise InvalidRequest("parameters must be a JSON schema object.", param=param)
        converted.append({"type": "function", "function": function})
    return converted


def _chat_tool_choice(choice: Any) -> str | dict[str, Any]:
    if choice in TOOL_CHOICE_MODES:
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {
            "type": "function",
            "function": {"name": _string(choice, "name", param="tool_choice")},
        }
    raise InvalidRequest(
        "tool_choice must be auto, none, required or {type: function, name}.", param="tool_choice"
    )


def _text_options(text: Any) -> dict[str, Any]:
    if text is None:
        return {}
    if not isinstance(text, dict):
        raise InvalidRequest("text must be an object.", param="text")
    options: dict[str, Any] = {}
    if isinstance(text.get("verbosity"), str):
        options["verbosity"] = text["verbosity"]
    format_ = text.get("format")
    if format_ is None:
        return options
    kind = format_.get("type") if isinstance(format_, dict) else None
    if kind == "json_object":
        options["response_format"] = {"type": "json_object"}
    elif kind == "json_schema":
        schema = {"name": _string(format_, "name", param="text.format")}
        if not isinstance(format_.get("schema"), dict):
            raise InvalidRequest("schema must be a JSON schema object.", param="text.format.schema")
        for name in ("schema", "strict", "description"):
            if format_.get(name) is not None:
                schema[name] = format_[name]
        options["response_format"] = {"type": "json_schema", "json_schema": schema}
    elif kind != "text":
        raise InvalidRequest(
            "text.format.type must be text, json_object or json_schema.", param="text.format"
        )
    return options


def _reasoning_options(reasoning: Any) -> dict[str, Any]:
    if reasoning is None:
        return {}
    if not isinstance(reasoning, dict):
        raise InvalidRequest("reasoning must be an object.", param="reasoning")
    effort = reasoning.get("effort")
    return {"reasoning_effort": effort} if isinstance(effort, str) else {}
