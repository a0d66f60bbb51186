"""An image generation request: priced per image (and on its prompt), held, answered in
OpenAI's shape; billed for the images the upstream made, at most the `n` asked for."""

from __future__ import annotations

import dataclasses
from typing import Any

from billing.models import CatalogModel
from billing.pricing import worst_case_cost_nanos
from llmgateway.errors import InvalidRequest
from proxy import requests as parse
from proxy import tokens
from proxy.calls.call import Call, routed
from proxy.providers.base import ImagesRequest
from proxy.routing import model_routes
from sessions_app.authentication import Principal


async def images_generate(principal: Principal, body: Any) -> tuple[Call, dict[str, Any]]:
    body = parse.require_object(body)
    model, routes = await model_routes(principal, parse.model_id(body), CatalogModel.Kind.IMAGE)
    prompt = parse.image_prompt(body)
    count = parse.positive_int(body, "n", maximum=10) or 1
    for route in routes:
        route.prompt_tokens = tokens.count_text_tokens(prompt, model=route.upstream_model)
        route.worst_nanos = worst_case_cost_nanos(
            route.deployment, prompt_tokens=route.prompt_tokens, images=count
        )
    call = Call(
        principal=principal,
        endpoint="images.generations",
        model=model,
        routes=routed(principal, routes),
    )
    response_format = body.get("response_format")
    if response_format not in (None, "url", "b64_json"):
        raise InvalidRequest(
            "response_format must be 'url' or 'b64_json'.", param="response_format"
        )
    request = ImagesRequest(
        model=call.routes[0].upstream_model,
        prompt=prompt,
        n=count,
        size=body.get("size") if isinstance(body.get("size"), str) else None,
        quality=body.get("quality") if isinstance(body.get("quality"), str) else None,
        response_format=response_format,
    )
    await call.reserve()
    result = await call.upstream(
        lambda route: route.provider.images(
            dataclasses.replace(request, model=route.upstream_model)
        )
    )
    await call.settle(result.usage, images=min(result.image_count, count))
    await call.log(status_code=200, outcome="completed")
    return call, {"created": result.created, "data": result.data}
