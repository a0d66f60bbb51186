"""WebSocket chat from async tests: sockets on the real ASGI app with the protocol's small
steps, sync ORM calls off the loop, and a runner for `async def` tests."""

from __future__ import annotations

import functools
import json
from contextlib import asynccontextmanager
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

ORIGIN = "https://app.example"  # in the project factory's allowed origins
TIMEOUT_SECONDS = 5


def run_async(test):
    """Run an `async def` test in an event loop (the suite has no asyncio pytest plugin)."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return async_to_sync(test)(*args, **kwargs)

    return wrapper


def db_call(function, *args, **kwargs):
    """Run sync ORM work from an async test (on a pooled thread, like the gateway does)."""
    return sync_to_async(function, thread_sensitive=False)(*args, **kwargs)


class Socket:
    """A WebsocketCommunicator on `/v1/ws` with the protocol's small steps."""

    def __init__(self, communicator: WebsocketCommunicator):
        self.communicator = communicator
        self.pushes: list[dict[str, Any]] = []
        self.backlog: list[dict[str, Any]] = []

    async def send(self, message: dict[str, Any]) -> None:
        await self.communicator.send_json_to(message)

    async def send_text(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def _next(self, timeout: float) -> dict[str, Any]:
        while True:
            message = await self.communicator.receive_json_from(timeout=timeout)
            if message["type"] != "wallet.balance":
                return message
            self.pushes.append(message)

    async def receive(self, timeout: float = TIMEOUT_SECONDS) -> dict[str, Any]:
        """The next message, except `wallet.balance` pushes: those go to `self.pushes`."""
        if self.backlog:
            return self.backlog.pop(0)
        return await self._next(timeout)

    async def receive_push(self, timeout: float = TIMEOUT_SECONDS) -> dict[str, Any]:
        if self.pushes:
            return self.pushes.pop(0)
        message = await self.communicator.receive_json_from(timeout=timeout)
        assert message["type"] == "wallet.balance", message
        return message

    async def receive_until(
        self, kind: str, request_id: str | None = None, timeout: float = TIMEOUT_SECONDS
    ) -> list[dict[str, Any]]:
        """Messages up to and including the first of `kind`. With `request_id`, only that
        chat's: the other chats' messages wait in `self.backlog` for their own call."""
        if request_id is None:
            messages = []
            while True:
                messages.append(await self.receive(timeout))
                if messages[-1]["type"] == kind:
                    return messages
        messages = [m for m in self.backlog if m.get("id") == request_id]
        self.backlog = [m for m in self.backlog if m.get("id") != request_id]
        for index, message in enumerate(messages):
            if message["type"] == kind:
                self.backlog = messages[index + 1 :] + self.backlog
                return messages[: index + 1]
        while True:
            message = await self._next(timeout)
            if message.get("id") != request_id:
                self.backlog.append(message)
                continue
            messages.append(message)
            if message["type"] == kind:
                return messages

    async def auth(self, token: str) -> dict[str, Any]:
        await self.send({"type": "session.auth", "token": token})
        ready = await self.receive()
        assert ready["type"] == "session.ready", ready
        return ready

    async def chat(self, request_id: str, **body: Any) -> None:
        await self.send({"type": "chat.request", "id": request_id, **body})

    async def closed(self, timeout: float = TIMEOUT_SECONDS) -> int:
        """The close code the server sent."""
        output = await self.communicator.receive_output(timeout)
        assert output["type"] == "websocket.close", output
        return output["code"]

    async def nothing_more(self, timeout: float = 0.2) -> bool:
        """True if nothing but `wallet.balance` pushes arrives within `timeout` (use this, not a
        receive that times out: that stops the application under test)."""
        while not await self.communicator.receive_nothing(timeout):
            message = await self.communicator.receive_json_from()
            if message["type"] != "wallet.balance":
                self.backlog.append(message)
                return False
            self.pushes.append(message)
        return True


@asynccontextmanager
async def connect(origin: str | None = ORIGIN, token: str | None = None):
    """An open socket (authenticated with `token` when given); disconnected on exit."""
    from llmgateway.asgi import application

    headers = [(b"origin", origin.encode())] if origin else []
    communicator = WebsocketCommunicator(application, "/v1/ws", headers=headers)
    connected, _ = await communicator.connect(timeout=TIMEOUT_SECONDS)
    assert connected
    socket = Socket(communicator)
    try:
        if token is not None:
            await socket.auth(token)
        yield socket
    finally:
        await communicator.disconnect(timeout=TIMEOUT_SECONDS)


def deltas_text(messages: list[dict[str, Any]], request_id: str) -> str:
    return "".join(
        m["content"] for m in messages if m["type"] == "chat.delta" and m["id"] == request_id
    )


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message)
