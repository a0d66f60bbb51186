"""Server-sent events from an httpx response: the `event:` / `data:` framing, nothing more."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class ServerSentEvent:
    event: str  # "message" when the server named none
    data: str  # the `data:` lines joined by "\n"


async def iter_sse(response: httpx.Response) -> AsyncIterator[ServerSentEvent]:
    """Events in order; an event is dispatched at the blank line that ends it (and at EOF)."""
    event_name = ""
    data_lines: list[str] = []
    async for line in response.aiter_lines():
        if not line:
            if data_lines:
                yield ServerSentEvent(event=event_name or "message", data="\n".join(data_lines))
            event_name, data_lines = "", []
            continue
        if line.startswith(":"):  # a comment, e.g. a keep-alive
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event_name = value
        elif name == "data":
            data_lines.append(value)
    if data_lines:
        yield ServerSentEvent(event=event_name or "message", data="\n".join(data_lines))
