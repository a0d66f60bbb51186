"""Parsing and checking OpenAI-shaped request bodies into the provider adapters' requests."""

from __future__ import annotations

from typing import Any

from llmgateway.errors import InvalidRequest

# The most choices (`n`) one chat request may ask for: each is held for its whole output limit.
MAX_CHAT_CHOICES = 4
ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
PASS_THROUGH_CHAT = (
    "temperature",
    "top_p",
    "stop",
    "seed",
    "response_format",
    "user",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "reasoning_effort",
    "logprobs",
    "top_logprobs",
    "functions",
    "function_call",
    "verbosity",
)


def require_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return body


def model_id(body: dict) -> str:
    value = body.get("model")
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest("model is required: a model id such as 'test/echo'.", param="model")
    return value.strip()


def positive_int(body: dict, name: str, *, maximum: int | None = None) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequest(f"{name} must be a positive integer.", param=name)
    if maximum is not None and value > maximum:
        raise InvalidRequest(f"{name} must be at most {maximum}.", param=name)
    return value


def chat_messages(body: dict) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("messages must be a non-empty array.", param="messages")
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise InvalidRequest("Each message must be an object.", param=f"messages[{index}]")
        if message.get("role") not in ROLES:
            raise InvalidRequest(
                f"role must be one of {', '.join(sorted(ROLES))}.", param=f"messages[{index}].role"
            )
        content = message.get("content")
        if content is not None and not isinstance(content, str | list):
            raise InvalidRequest(
                "content must be a string or an array of parts.",
                param=f"messages[{index}].content",
            )
        _check_array_of_objects(message, "tool_calls", param=f"messages[{index}].tool_calls")
        if message.get("tool_call_id") is not None and not isinstance(message["tool_call_id"], str):
            raise InvalidRequest(
                "tool_call_id must be a string.", param=f"messages[{index}].tool_call_id"
            )
    return messages


def _check_array_of_objects(body: dict, name: str, *, param: str) -> None:
    value = body.get(name)
    if value is not None and (
        not isinstance(value, list) or not all(isinstance(item, dict) for item in value)
    ):
        raise InvalidRequest(f"{name} must be an array of objects.", param=param)


def chat_choices(body: dict) -> int:
    """`n`: how many choices to generate (docs/gateway.md: at most `MAX_CHAT_CHOICES`)."""
    return positive_int(body, "n", maximum=MAX_CHAT_CHOICES) or 1


def chat_options(body: dict) -> dict[str, Any]:
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise InvalidRequest("stream must be true or false.", param="stream")
    _check_array_of_objects(body, "tools", param="tools")
    if body.get("tool_choice") is not None and not isinstance(body["tool_choice"], str | dict):
        raise InvalidRequest("tool_choice must be a string or an object.", param="tool_choice")
    if body.get("parallel_tool_calls") is not None and not isinstance(
        body["parallel_tool_calls"], bool
    ):
        raise InvalidRequest(
            "parallel_tool_calls must be true or false.", param="parallel_tool_calls"
        )
    return {key: body[key] for key in PASS_THROUGH_CHAT if body.get(key) is not None}


def stream_include_usage(body: dict) -> bool:
    """Whether a stream's client asked for OpenAI's separate usage chunk."""
    options = body.get("stream_options")
    if options is None:
        return False
    if not isinstance(options, dict):
        raise InvalidRequest("stream_options must be an object.", param="stream_options")
    include_usage = options.get("include_usage", False)
    if not isinstance(include_usage, bool):
        raise InvalidRequest(
            "stream_options.include_usage must be true or false.",
            param="stream_options.include_usage",
        )
    return include_usage


def embedding_input(body: dict) -> str | list:
    value = body.get("input")
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list) and value and len(value) <= 2048:
        if all(isinstance(item, str) for item in value) or all(
            isinstance(item, int) and not isinstance(item, bool) for item in value
        ):
            return value
        if all(isinstance(item, list) and all(isinstance(t, int) for t in item) for item in value):
            return value
    raise InvalidRequest(
        "input must be a non-empty string or array of strings (or of token arrays).",
        param="input",
    )


def image_prompt(body: dict) -> str:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidRequest("prompt is required.", param="prompt")
    return prompt
