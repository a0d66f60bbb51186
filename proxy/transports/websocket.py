"""The WebSocket chat endpoint `/v1/ws` (DESIGN.md §6; the protocol is in docs/websocket.md).

The first message authenticates (`session.auth`), so the token never sits in a URL. Each
`chat.request` runs as its own asyncio task through the gateway's billed stream — the same
hold, settle and partial billing as the HTTP endpoint — so cancels, new requests and the
disconnect are handled while answers stream. The socket joins its wallet's channel-layer group
and relays every `wallet.balance` notice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from llmgateway.api import InternalError
from llmgateway.errors import ApiError, AuthenticationFailed, InvalidRequest, NotFound
from llmgateway.money import nanos_to_usd
from proxy.calls.call import Call
from proxy.calls.chat import prepare_chat, usage_json
from proxy.calls.chat_stream import ChatStream, chat_stream_billed, chat_stream_open
from proxy.providers.base import StreamDelta, Usage
from proxy.transports.ws_sessions import (
    session_slot_acquire,
    session_slot_release,
    session_watch,
)
from sessions_app.authentication import SESSION, Principal, principal_from_token
from sessions_app.errors import RateLimited
from wallets.models import Wallet
from wallets.notify import channel_layer_gate, wallet_balance_group

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401  # bad, expired or revoked session; no session.auth in time
CLOSE_FORBIDDEN = 4403  # the Origin is not allowed, the customer is blocked
CLOSE_IDLE = 4408  # no message and no chat in flight for WS_IDLE_TIMEOUT_SECONDS
MAX_REQUEST_ID_LENGTH = 128
STOP_CHATS_TIMEOUT_SECONDS = 10.0
# Fields of a chat.request that are ours, not the OpenAI request body's.
ENVELOPE_FIELDS = ("type", "id")


class AuthenticationRequired(ApiError):
    status = 401
    code = "authentication_required"
    type = "authentication_error"
    default_message = 'Authenticate first: {"type": "session.auth", "token": "es_…"}.'


class MessageTooLarge(ApiError):
    status = 413
    code = "message_too_large"
    default_message = "The message is larger than this server accepts."


class IdleTimeout(ApiError):
    status = 408
    code = "idle_timeout"
    default_message = "The socket was idle for too long."


@dataclass
class Chat:
    """One conversation in flight on this socket."""

    task: asyncio.Task
    call: Call | None = None
    settled: bool = False  # its outcome arrived: too late to cancel
    cancelled: bool = False  # by the client's chat.cancel (not by a disconnect)


def _session_principal(token: str, origin: str | None) -> Principal:
    if not token.startswith(("es_live_", "es_test_")):
        raise AuthenticationFailed("session.auth needs a session token (es_…).")
    return principal_from_token(token, origin=origin)


def _wallet_balance_nanos(wallet_id: str) -> int:
    return Wallet.objects.values_list("balance_nanos", flat=True).get(pk=wallet_id)


def _close_code(error: ApiError) -> int:
    return CLOSE_FORBIDDEN if error.status == 403 else CLOSE_UNAUTHORIZED


class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.principal: Principal | None = None
        self.chats: dict[str, Chat] = {}
        self.closing = False
        loop = asyncio.get_running_loop()
        self.last_activity = loop.time()
        await self.accept()
        self.timer = loop.create_task(self._close_when_idle())

    # --- incoming frames ----------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing:
            return
        self.last_activity = asyncio.get_running_loop().time()
        try:
            content = self._parse(text_data)
        except ApiError as error:
            if self.principal is None:
                await self._close_with(error, CLOSE_UNAUTHORIZED)
            else:
                await self._send_error(error)
            return
        await self.receive_json(content)

    @staticmethod
    def _parse(text_data: str | None) -> dict[str, Any]:
        if text_data is None:
            raise InvalidRequest("Send JSON messages as text frames.")
        limit = settings.WS_MAX_MESSAGE_BYTES
        # A character is at most 4 bytes in UTF-8: encode only when the length is ambiguous.
        if len(text_data) > limit or (
            len(text_data) * 4 > limit and len(text_data.encode()) > limit
        ):
            raise MessageTooLarge(f"Messages may be at most {limit} bytes.")
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than Python can
            raise InvalidRequest("The message is not valid JSON.") from None
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            raise InvalidRequest('A message is a JSON object with a string "type".')
        return content

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content["type"]
        if self.principal is None:
            if kind == "session.auth":
                await self._authenticate(content)
            else:
                await self._close_with(AuthenticationRequired(), CLOSE_UNAUTHORIZED)
            return
        if kind == "chat.request":
            await self._chat_request(content)
        elif kind == "chat.cancel":
            await self._chat_cancel(content)
        elif kind == "session.auth":
            await self._send_error(InvalidRequest("This socket is already authenticated."))
        else:
            await self._send_error(InvalidRequest(f"Unknown message type {kind!r}."))

    # --- session.auth -------------------------------------------------------------------------

    async def _authenticate(self, content: dict[str, Any]) -> None:
        token = content.get("token")
        if not isinstance(token, str) or not token:
            await self._close_with(AuthenticationFailed(), CLOSE_UNAUTHORIZED)
            return
        origin = dict(self.scope.get("headers", [])).get(b"origin")
        try:
            principal = await sync_to_async(_session_principal, thread_sensitive=False)(
                token, origin.decode("latin-1") if origin else None
            )
        except ApiError as error:
            await self._close_with(error, _close_code(error))
            return
        session = principal.session
        assert principal.kind == SESSION and session is not None
        self.principal = principal
        # Join before reading the balance, so no change can fall between the two.
        await self._join_or_leave(session.wallet_id, join=True)
        session_watch().add(session.pk, session.token_hash, self, self._session_ended)
        balance_nanos = await sync_to_async(_wallet_balance_nanos, thread_sensitive=False)(
            session.wallet_id
        )
        await self.send_json(
            {
                "type": "session.ready",
                "walletId": session.wallet_id,
                "balance": nanos_to_usd(balance_nanos),
                "expiresAt": session.expires_at.isoformat().replace("+00:00", "Z"),
            }
        )
        self._restart_timer()

    def _session_ended(self, error: ApiError) -> None:
        if not self.closing:
            asyncio.get_running_loop().create_task(self._close_with(error, CLOSE_UNAUTHORIZED))

    # --- chats --------------------------------------------------------------------------------

    async def _chat_request(self, content: dict[str, Any]) -> None:
        request_id = content.get("id")
        if not isinstance(request_id, str) or not 0 < len(request_id) <= MAX_REQUEST_ID_LENGTH:
            await self._send_error(
                InvalidRequest(
                    f"chat.request needs an id: a string of 1 to {MAX_REQUEST_ID_LENGTH}."
                )
            )
            return
        if request_id in self.chats:
            await self._send_error(
                InvalidRequest(f"A chat with id {request_id!r} is already in flight."), request_id
            )
            return
        limit = settings.WS_MAX_CONCURRENT_PER_SOCKET
        if len(self.chats) >= limit:
            await self._send_error(
                RateLimited(f"At most {limit} chats may be in flight at once on one socket."),
                request_id,
            )
            return
        body = {key: value for key, value in content.items() if key not in ENVELOPE_FIELDS}
        body["stream"] = True
        task = asyncio.get_running_loop().create_task(self._run_chat(request_id, body))
        self.chats[request_id] = Chat(task=task)

    async def _chat_cancel(self, content: dict[str, Any]) -> None:
        request_id = content.get("id")
        chat = self.chats.get(request_id) if isinstance(request_id, str) else None
        if chat is None:
            await self._send_error(
                NotFound("No chat with this id is in flight.", param="id"),
                request_id if isinstance(request_id, str) else None,
            )
            return
        if chat.settled or chat.cancelled:
            return  # its chat.done is on the way
        chat.cancelled = True
        chat.task.cancel()

    async def _run_chat(self, request_id: str, body: dict[str, Any]) -> None:
        principal = self.principal
        assert principal is not None
        chat = self.chats.get(request_id)
        holds_slot = False
        try:
            holds_slot = await session_slot_acquire(principal)
            call, chat_request = await prepare_chat(principal, body)
            if chat is not None:
                chat.call = call
            stream = await chat_stream_open(call, chat_request)
            await self._relay(request_id, stream)
        except asyncio.CancelledError:
            chat = self.chats.get(request_id)
            if chat is None or not chat.cancelled or self.closing:
                raise
            await self._send_cancelled(request_id, chat.call)
        except ApiError as error:
            await self._send_error(error, request_id)
        except Exception:
            logger.exception("WebSocket chat %s failed", request_id)
            await self._send_error(InternalError(), request_id)
        finally:
            self.chats.pop(request_id, None)
            self.last_activity = asyncio.get_running_loop().time()
            if holds_slot:
                await session_slot_release(principal)

    async def _relay(self, request_id: str, stream: ChatStream) -> None:
        events = chat_stream_billed(stream)
        try:
            async for item in events:
                if isinstance(item, StreamDelta):
                    if item.content:  # the WebSocket protocol carries text only
                        await self.send_json(
                            {"type": "chat.delta", "id": request_id, "content": item.content}
                        )
                    continue
                chat = self.chats.get(request_id)
                if chat is not None:
                    chat.settled = True
                billing = {
                    "usage": usage_json(item.usage),
                    "cost": nanos_to_usd(item.charged_nanos),
                    "balance": nanos_to_usd(item.balance_nanos or 0),
                    "provider": stream.call.deployment.provider,  # the one that served
                }
                if item.error is not None:
                    await self._send_error(item.error, request_id, **billing)
                else:
                    await self.send_json(
                        {
                            "type": "chat.done",
                            "id": request_id,
                            **billing,
                            "finish_reason": item.finish_reason,
                        }
                    )
        finally:
            try:
                await events.aclose()
            finally:
                await stream.aclose()  # settles even if the billed stream never started

    async def _send_cancelled(self, request_id: str, call: Call | None) -> None:
        """The chat.done of a cancelled chat: it paid for what was delivered before the cancel."""
        assert self.principal is not None and self.principal.session is not None
        balance_nanos = call.balance_nanos if call is not None else None
        if balance_nanos is None:  # cancelled before any output: nothing was charged
            balance_nanos = await sync_to_async(_wallet_balance_nanos, thread_sensitive=False)(
                self.principal.session.wallet_id
            )
        await self.send_json(
            {
                "type": "chat.done",
                "id": request_id,
                "usage": usage_json(call.usage if call else Usage()),
                "cost": nanos_to_usd(call.charged_nanos if call else 0),
                "balance": nanos_to_usd(balance_nanos),
                "finish_reason": "cancelled",
            }
        )

    # --- pushes from the channel layer ------------------------------------------------------

    async def _join_or_leave(self, wallet_id: str, *, join: bool) -> None:
        """Best effort: without the group the socket still works, it only misses pushes."""
        group = wallet_balance_group(wallet_id)
        try:
            async with channel_layer_gate():
                if join:
                    await self.channel_layer.group_add(group, self.channel_name)
                else:
                    await self.channel_layer.group_discard(group, self.channel_name)
        except Exception:
            logger.warning(
                "could not %s group %s", "join" if join else "leave", group, exc_info=True
            )

    async def wallet_balance(self, event: dict[str, Any]) -> None:
        if not self.closing:
            await self.send_json({"type": "wallet.balance", "balance": event["balance"]})

    # --- errors, timeouts, closing --------------------------------------------------------------

    async def _send_error(
        self, error: ApiError, request_id: str | None = None, **extra: Any
    ) -> None:
        message: dict[str, Any] = {"type": "error"}
        if request_id is not None:
            message["id"] = request_id
        message["error"] = {"code": error.code, "message": error.message}
        message.update(extra)
        await self.send_json(message)

    async def _close_with(self, error: ApiError, code: int) -> None:
        if self.closing:
            return
        self.closing = True
        await self._send_error(error)
        await self.close(code)
        await self._stop()

    def _restart_timer(self) -> None:
        self.timer.cancel()
        self.timer = asyncio.get_running_loop().create_task(self._close_when_idle())

    async def _close_when_idle(self) -> None:
        loop = asyncio.get_running_loop()
        if self.principal is None:
            await asyncio.sleep(settings.WS_AUTH_TIMEOUT_SECONDS)
            if self.principal is None:
                await self._close_with(
                    AuthenticationRequired("No session.auth arrived in time."), CLOSE_UNAUTHORIZED
                )
            return
        idle_seconds = settings.WS_IDLE_TIMEOUT_SECONDS
        while not self.closing:
            remaining = self.last_activity + idle_seconds - loop.time()
            if remaining > 0:
                await asyncio.sleep(remaining)
            elif self.chats:  # a stream in flight is activity
                self.last_activity = loop.time()
            else:
                await self._close_with(IdleTimeout(), CLOSE_IDLE)
                return

    async def disconnect(self, code: int) -> None:
        self.closing = True
        await self._stop()

    async def _stop(self) -> None:
        """Stop the chats in flight (each pays for what it delivered) and leave the groups."""
        current = asyncio.current_task()
        if getattr(self, "timer", None) is not None and self.timer is not current:
            self.timer.cancel()
        tasks = [chat.task for chat in self.chats.values() if chat.task is not current]
        for task in tasks:
            # Once only: a second cancel would interrupt the chat while it settles its bill.
            if not task.cancelling():
                task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_CHATS_TIMEOUT_SECONDS)
        principal = getattr(self, "principal", None)
        if principal is not None and principal.session is not None:
            session_watch().discard(principal.session.pk, self)
            await self._join_or_leave(principal.session.wallet_id, join=False)
