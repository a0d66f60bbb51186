"""An image generation request: priced per image (and on its prompt), held, answered in
OpenAI's shape; billed for the images the upstream made, at most the `n` asked for."""

from __future__ import annotations

from typing import Any

from billing.models import CatalogModel
from billing.pricing import worst_case_cost_nanos
from llmgateway.errors import InvalidRequest
from proxy import requests as parse
from proxy import tokens
from proxy.calls.call import Call, model_for_call
from proxy.providers.base import ImagesRequest
from sessions_app.authentication import Principal


async def images_generate(principal: Principal, body: Any) -> tuple[Call, dict[str, Any]]:
    body = parse.require_object(body)
    model, provider = await model_for_call(principal, parse.model_id(body), CatalogModel.Kind.IMAGE)
    prompt = parse.image_prompt(body)
    count = parse.positive_int(body, "n", maximum=10) or 1
    prompt_tokens = tokens.count_text_tokens(prompt, model=model.upstream_model)
    call = Call(principal=principal, endpoint="images.generations", model=model, provider=provider)
    response_format = body.get("response_format")
    if response_format not in (None, "url", "b64_json"):
        raise InvalidRequest(
            "response_format must be 'url' or 'b64_json'.", param="response_format"
        )
    request = ImagesRequest(
        model=model.upstream_model,
        prompt=prompt,
        n=count,
        size=body.get("size") if isinstance(body.get("size"), str) else None,
        quality=body.get("quality") if isinstance(body.get("quality"), str) else None,
        response_format=response_format,
    )
    await call.reserve(
        max(1, worst_case_cost_nanos(model, prompt_tokens=prompt_tokens, images=count))
    )
    result = await call.upstream(provider.images(request))
    await call.settle(result.usage, images=min(result.image_count, count))
    await call.log(status_code=200, outcome="completed")
    return call, {"created": result.created, "data": result.data}
