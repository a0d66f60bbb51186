"""A chat request: checked and priced into a Call, then answered whole (streams:
proxy/calls/chat_stream.py).

The hold covers every input token the upstream can bill (proxy/prompt_bound.py) plus the output
limit of every choice; the answer is the upstream's own where it speaks OpenAI, with the
gateway's model id (docs/gateway.md).
"""

from __future__ import annotations

import time
from typing import Any

from billing.models import CatalogModel
from billing.pricing import output_tokens_bound, worst_case_cost_nanos
from llmgateway import ids
from llmgateway.errors import InvalidRequest
from proxy import prompt_bound, tokens
from proxy import requests as parse
from proxy.calls.call import Call, model_for_call
from proxy.providers.base import ChatRequest, ChatResult, Usage
from sessions_app.authentication import Principal


def completion_id() -> str:
    return "chatcmpl-" + ids.random_string(24)


def usage_json(usage: Usage) -> dict[str, Any]:
    """OpenAI's `usage` object (chat completions)."""
    body: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }
    if usage.cached_input_tokens:
        body["prompt_tokens_details"] = {"cached_tokens": usage.cached_input_tokens}
    return body


async def prepare_chat(principal: Principal, body: Any) -> tuple[Call, ChatRequest, int]:
    body = parse.require_object(body)
    model, provider = await model_for_call(principal, parse.model_id(body), CatalogModel.Kind.CHAT)
    messages = parse.chat_messages(body)
    options = parse.chat_options(body)
    choices = parse.chat_choices(body)
    if choices > provider.max_choices:
        raise InvalidRequest(
            f"{model.id!r} answers one choice per request (n = 1); n up to "
            f"{parse.MAX_CHAT_CHOICES} is served for OpenAI-compatible providers.",
            param="n",
        )
    requested = parse.positive_int(body, "max_completion_tokens") or parse.positive_int(
        body, "max_tokens"
    )
    # The context window is checked on the messages alone (the tools' JSON is an overcount);
    # the hold covers every input token the upstream can bill.
    message_tokens = tokens.count_message_tokens(messages, model=model.upstream_model)
    max_output = output_tokens_bound(
        model, prompt_tokens=message_tokens, max_output_tokens=requested
    )
    if max_output < 1:
        raise InvalidRequest(
            "The prompt leaves no room for an answer in this model's context window.",
            param="messages",
        )
    call = Call(principal=principal, endpoint="chat.completions", model=model, provider=provider)
    call.stream = bool(body.get("stream"))
    call.include_usage = parse.stream_include_usage(body)
    call.prompt_tokens = prompt_tokens = prompt_bound.chat_prompt_tokens(
        messages, options, model=model.upstream_model
    )
    chat = ChatRequest(
        model=model.upstream_model,
        messages=messages,
        max_tokens=max_output,
        n=choices,
        extra=options,
    )
    worst = worst_case_cost_nanos(
        model, prompt_tokens=prompt_tokens, max_output_tokens=max_output, choices=choices
    )
    return call, chat, max(worst, 1)


async def chat_complete(call: Call, chat: ChatRequest, worst_nanos: int) -> dict[str, Any]:
    await call.reserve(worst_nanos)
    result = await call.upstream(call.provider.chat(chat))
    await call.settle(result.usage)
    await call.log(status_code=200, outcome="completed")
    return _chat_completion_json(call, result)


def _chat_completion_json(call: Call, result: ChatResult) -> dict[str, Any]:
    """The upstream's answer with the gateway's model id (and usage if it gave none), or one
    built from the normalized result for adapters that translate."""
    if result.raw is not None:
        answer = {**result.raw, "model": call.model.id}
        for choice in answer.get("choices") or []:
            if isinstance(choice, dict) and isinstance(choice.get("message"), dict):
                choice["message"].setdefault("refusal", None)  # required by OpenAI's schema
        if not result.usage_reported:
            answer["usage"] = usage_json(result.usage)
        return answer
    return {
        "id": completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": call.model.id,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": result.content, "refusal": None},
                "finish_reason": result.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": usage_json(result.usage),
    }
