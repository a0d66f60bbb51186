"""An embeddings request: priced on its input tokens, held, answered in OpenAI's shape."""

from __future__ import annotations

from typing import Any

from billing.models import CatalogModel
from billing.pricing import worst_case_cost_nanos
from proxy import requests as parse
from proxy import tokens
from proxy.calls.call import Call, model_for_call
from proxy.providers.base import EmbeddingsRequest
from sessions_app.authentication import Principal


async def embeddings_create(principal: Principal, body: Any) -> tuple[Call, dict[str, Any]]:
    body = parse.require_object(body)
    model, provider = await model_for_call(
        principal, parse.model_id(body), CatalogModel.Kind.EMBEDDING
    )
    value = parse.embedding_input(body)
    items = [value] if isinstance(value, str) or (value and isinstance(value[0], int)) else value
    prompt_tokens = sum(
        len(item)
        if isinstance(item, list)
        else tokens.count_text_tokens(item, model=model.upstream_model)
        for item in items
    )
    call = Call(principal=principal, endpoint="embeddings", model=model, provider=provider)
    request = EmbeddingsRequest(
        model=model.upstream_model,
        input=value,
        dimensions=parse.positive_int(body, "dimensions", maximum=10_000),
        encoding_format=body.get("encoding_format")
        if body.get("encoding_format") in ("float", "base64")
        else None,
    )
    await call.reserve(
        max(1, worst_case_cost_nanos(model, prompt_tokens=prompt_tokens, max_output_tokens=0))
    )
    result = await call.upstream(provider.embeddings(request))
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
