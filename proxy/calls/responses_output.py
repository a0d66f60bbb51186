"""Chat answers as Responses API objects: output items, content parts and usage.

proxy/calls/responses_api.py translates the request; proxy/calls/responses_stream.py the stream."""

from __future__ import annotations

from typing import Any

from llmgateway import ids
from proxy.calls.responses_api import ResponsesRequest
from proxy.providers.base import FINISH_CONTENT_FILTER, FINISH_LENGTH

# Keyed by what the upstream sent: a finish reason, or None when it sent none.
INCOMPLETE_REASONS: dict[str | None, str] = {
    FINISH_LENGTH: "max_output_tokens",
    FINISH_CONTENT_FILTER: "content_filter",
}


def response_from_completion(
    request: ResponsesRequest, completion: dict[str, Any]
) -> dict[str, Any]:
    """The Response for a chat completion (the upstream's own, or one the gateway built)."""
    choice = next(iter(completion.get("choices") or []), None) or {}
    message = choice.get("message") or {}
    incomplete_reason = INCOMPLETE_REASONS.get(choice.get("finish_reason"))
    item_status = "incomplete" if incomplete_reason else "completed"
    output: list[dict[str, Any]] = []
    content = message_content(message)
    if content:
        output.append(message_item(content, status=item_status))
    for tool_call in message.get("tool_calls") or []:
        function = tool_call.get("function") or {}
        output.append(
            function_call_item(
                call_id=tool_call.get("id") or ids.prefixed_id("call"),
                name=function.get("name") or "",
                arguments=function.get("arguments") or "",
                status=item_status,
            )
        )
    return request.response(
        model=completion["model"],
        status="incomplete" if incomplete_reason else "completed",
        output=output,
        usage=usage_json(completion.get("usage") or {}),
        incomplete_reason=incomplete_reason,
    )


def message_content(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A chat message's text and refusal as Responses content parts."""
    parts = []
    text = message.get("content")
    if isinstance(text, str) and text:
        annotations = [_annotation(a) for a in message.get("annotations") or []]
        parts.append(output_text_part(text, annotations=[a for a in annotations if a]))
    refusal = message.get("refusal")
    if isinstance(refusal, str) and refusal:
        parts.append({"type": "refusal", "refusal": refusal})
    return parts


def output_text_part(text: str, *, annotations: list | None = None) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": annotations or [], "logprobs": []}


def _annotation(annotation: Any) -> dict[str, Any] | None:
    """A chat `url_citation` annotation in the Responses' flat shape."""
    if not isinstance(annotation, dict) or annotation.get("type") != "url_citation":
        return None
    citation = annotation.get("url_citation") or {}
    return {"type": "url_citation", **citation}


def message_item(
    content: list[dict[str, Any]], *, status: str, item_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": item_id or ids.prefixed_id("msg"),
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": content,
    }


def function_call_item(
    *, call_id: str, name: str, arguments: str, status: str, item_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": item_id or ids.prefixed_id("fc"),
        "type": "function_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def usage_json(chat_usage: dict[str, Any]) -> dict[str, Any]:
    """A chat `usage` object in the Responses' vocabulary."""
    prompt = int(chat_usage.get("prompt_tokens") or 0)
    output = int(chat_usage.get("completion_tokens") or 0)
    cached = (chat_usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    reasoning = (chat_usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": int(cached), "cache_write_tokens": 0},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": int(reasoning)},
        "total_tokens": prompt + output,
    }
