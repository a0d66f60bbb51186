"""The OpenAI-compatible endpoints from the test client: JSON and streamed POSTs, SSE parsing,
and what a call should cost at catalog prices (the prices of the deployment that served)."""

from __future__ import annotations

import json

from billing.models import Deployment
from billing.pricing import cost_nanos


def deployment_of(model_id: str, provider: str | None = None) -> Deployment:
    """The model's deployment (on `provider`, else its first by priority): the prices a
    request it serves is billed at."""
    deployments = Deployment.objects.filter(model_id=model_id).order_by("priority", "id")
    if provider is not None:
        deployments = deployments.filter(provider=provider)
    return deployments.select_related("model").first()


def expected_cost(model_id: str, usage: dict, images: int = 0, provider: str | None = None) -> int:
    model = deployment_of(model_id, provider)
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
    return cost_nanos(
        model,
        input_tokens=usage.get("prompt_tokens", 0) - cached,
        output_tokens=usage.get("completion_tokens", 0),
        cached_input_tokens=cached,
        images=images,
    )


def sse_events(raw: bytes) -> list:
    """The `data:` payloads of an SSE body, JSON-decoded ("[DONE]" kept as a string)."""
    events = []
    for line in raw.decode().splitlines():
        if line.startswith("data: "):
            data = line[len("data: ") :]
            events.append(data if data == "[DONE]" else json.loads(data))
    return events


def post_json(client, path, body, key, **headers):
    return client.post(
        path,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}", **headers},
    )


def post_stream(path: str, body: dict, key: str):
    """POST through Django's AsyncClient and read the whole stream in the same event loop (as
    an ASGI server does); returns (response, body bytes)."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    async def go():
        response = await AsyncClient().post(
            path,
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )
        if not response.streaming:
            return response, response.content
        return response, b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(go)()
