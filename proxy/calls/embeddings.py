"""An embeddings request: priced on its input tokens, held, answered in OpenAI's shape."""

from __future__ import annotations

import dataclasses
from typing import Any

from billing.models import CatalogModel
from billing.pricing import worst_case_cost_nanos
from proxy import requests as parse
from proxy import tokens
from proxy.calls.call import Call, routed
from proxy.providers.base import EmbeddingsRequest
from proxy.routing import model_routes
from sessions_app.authentication import Principal


async def embeddings_create(principal: Principal, body: Any) -> tuple[Call, dict[str, Any]]:
    body = parse.require_object(body)
    model, routes = await model_routes(principal, parse.model_id(body), CatalogModel.Kind.EMBEDDING)
    value = parse.embedding_input(body)
    items = [value] if isinstance(value, str) or (value and isinstance(value[0], int)) else value
    counted: dict[str, int] = {}  # by upstream model name: what its tokenizer counts
    for route in routes:
        name = route.upstream_model
        if name not in counted:
            counted[name] = sum(
                len(item) if isinstance(item, list) else tokens.count_text_tokens(item, model=name)
                for item in items
            )
        route.prompt_tokens = counted[name]
        route.worst_nanos = worst_case_cost_nanos(
            route.deployment, prompt_tokens=route.prompt_tokens, max_output_tokens=0
        )
    call = Call(
        principal=principal, endpoint="embeddings", model=model, routes=routed(principal, routes)
    )
    request = EmbeddingsRequest(
        model=call.routes[0].upstream_model,
        input=value,
        dimensions=parse.positive_int(body, "dimensions", maximum=10_000),
        encoding_format=body.get("encoding_format")
        if body.get("encoding_format") in ("float", "base64")
        else None,
    )
    await call.reserve()
    result = await call.upstream(
        lambda route: route.provider.embeddings(
            dataclasses.replace(request, model=route.upstream_model)
        )
    )
    await call.settle(result.usage)
    await call.log(status_code=200, outcome="completed")
    return call, {
        "object": "list",
        "data": result.data,
        "model": model.id,
        "usage": {
            "prompt_tokens": result.usage.prompt_tokens,
            "total_tokens": result.usage.prompt_tokens,
        },
    }
