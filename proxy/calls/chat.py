"""A chat request: checked and priced into a Call, then answered whole (streams:
proxy/calls/chat_stream.py).

The hold covers every input token the upstream can bill (proxy/prompt_bound.py) plus the output
limit of every choice; the answer is the upstream's own where it speaks OpenAI, with the
gateway's model id (docs/gateway.md).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from billing.models import CatalogModel
from billing.pricing import output_tokens_bound, worst_case_cost_nanos
from llmgateway import ids
from llmgateway.errors import InvalidRequest
from proxy import prompt_bound, tokens
from proxy import requests as parse
from proxy.calls.call import Call, routed
from proxy.providers.base import ChatRequest, ChatResult, Usage
from proxy.routing import Route, model_routes
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


async def prepare_chat(principal: Principal, body: Any) -> tuple[Call, ChatRequest]:
    """The checked, priced call and its chat request, as its first route is to get it (each
    attempt sends it under its own deployment's model name: `chat_for`)."""
    body = parse.require_object(body)
    model, routes = await model_routes(principal, parse.model_id(body), CatalogModel.Kind.CHAT)
    messages = parse.chat_messages(body)
    options = parse.chat_options(body)
    choices = parse.chat_choices(body)
    routes = [route for route in routes if route.provider.max_choices >= choices]
    if not routes:
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
    message_tokens = tokens.count_message_tokens(messages, model=routes[0].upstream_model)
    max_output = output_tokens_bound(
        model, prompt_tokens=message_tokens, max_output_tokens=requested
    )
    if max_output < 1:
        raise InvalidRequest(
            "The prompt leaves no room for an answer in this model's context window.",
            param="messages",
        )
    bounds: dict[str, int] = {}  # by upstream model name: what its tokenizer counts
    for route in routes:
        name = route.upstream_model
        if name not in bounds:
            bounds[name] = prompt_bound.chat_prompt_tokens(messages, options, model=name)
        route.prompt_tokens = bounds[name]
        route.worst_nanos = worst_case_cost_nanos(
            route.deployment,
            prompt_tokens=route.prompt_tokens,
            max_output_tokens=max_output,
            choices=choices,
        )
    call = Call(
        principal=principal,
        endpoint="chat.completions",
        model=model,
        routes=routed(principal, routes),
    )
    call.stream = bool(body.get("stream"))
    call.include_usage = parse.stream_include_usage(body)
    chat = ChatRequest(
        model=call.routes[0].upstream_model,
        messages=messages,
        max_tokens=max_output,
        n=choices,
        extra=options,
    )
    return call, chat


def chat_for(chat: ChatRequest, route: Route) -> ChatRequest:
    """The chat request as `route`'s deployment is to get it (under its model name)."""
    if chat.model == route.upstream_model:
        return chat
    return dataclasses.replace(chat, model=route.upstream_model)


async def chat_complete(call: Call, chat: ChatRequest) -> dict[str, Any]:
    await call.reserve()
    result = await call.upstream(lambda route: route.provider.chat(chat_for(chat, route)))
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
