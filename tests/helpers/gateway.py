"""The OpenAI-compatible endpoints from the test client: JSON and streamed POSTs, SSE parsing,
and what a call should cost at catalog prices."""

from __future__ import annotations

import json

from billing.models import CatalogModel
from billing.pricing import cost_nanos


def expected_cost(model_id: str, usage: dict, images: int = 0) -> int:
    model = CatalogModel.objects.get(pk=model_id)
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
