"""What the WebSocket chat keeps per session across sockets: in-flight slots and liveness.

- Slots: a session may have at most WS_MAX_CONCURRENT_PER_SESSION chats in flight over all its
  sockets, counted in the cache (Redis in production, so across server processes).
- Watch: one poll per process and event loop, every WS_SESSION_CHECK_SECONDS, reads the sessions
  of every open socket in one query and tells the sockets whose session was revoked or expired.
  Polling (rather than a message on revoke) also catches revocations from the admin, a shell or
  a customer being blocked. A refresh retires the token the socket authenticated with, so it
  closes that socket too: the client reconnects with the new token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from llmgateway.errors import ApiError
from llmgateway.loop_local import LoopLocal
from proxy.auth import rate_limit_acheck, redis_for_loop
from sessions_app.authentication import Principal
from sessions_app.errors import RateLimited, SessionExpired, SessionRevoked
from sessions_app.models import EmbeddedSession
from sessions_app.ratelimit import rate_limit_check

logger = logging.getLogger(__name__)
# A slot counter outlives a crashed process by at most this long (a stream rarely lasts longer).
SLOT_COUNTER_TTL_SECONDS = 900
WATCH_BATCH_SIZE = 500


def _slot_key(principal: Principal) -> str:
    assert principal.session is not None
    return f"ws:inflight:{principal.session.pk}"


# Gives a slot back only while the counter exists: a DECR on an expired key would create one
# at -1 with no expiry, and the session would get one chat more than its limit for ever.
_RELEASE_SCRIPT = """
if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end
return nil
"""


def _slot_acquire(principal: Principal) -> bool:
    """The local-memory variant (no REDIS_URL): no I/O, so no thread hop either."""
    rate_limit_check(principal)
    limit = settings.WS_MAX_CONCURRENT_PER_SESSION
    if limit <= 0:
        return False
    key = _slot_key(principal)
    cache.add(key, 0, timeout=SLOT_COUNTER_TTL_SECONDS)
    if cache.incr(key) > limit:
        _slot_release(principal)
        raise RateLimited(f"At most {limit} chats may be in flight at once for one session.")
    return True


def _slot_release(principal: Principal) -> None:
    try:
        cache.decr(_slot_key(principal))
    except ValueError:  # the counter expired: nothing left to give back
        return


async def session_slot_acquire(principal: Principal) -> bool:
    """Count one more chat for the session (and the per-minute rate limit); True if counted.

    With Redis, one pipelined round trip on this loop's client: no thread hop per chat.
    """
    if not settings.REDIS_URL:
        return _slot_acquire(principal)
    await rate_limit_acheck(principal)
    limit = settings.WS_MAX_CONCURRENT_PER_SESSION
    if limit <= 0:
        return False
    key = cache.make_and_validate_key(_slot_key(principal))
    try:
        async with redis_for_loop().pipeline(transaction=False) as pipe:
            pipe.set(key, 0, ex=SLOT_COUNTER_TTL_SECONDS, nx=True)
            pipe.incr(key)
            _, count = await pipe.execute()
    except Exception:  # like the rate limit, an outage of the cache fails open
        logger.warning("WebSocket slot counter unavailable; allowing the chat", exc_info=True)
        return False
    if count > limit:
        await session_slot_release(principal)
        raise RateLimited(f"At most {limit} chats may be in flight at once for one session.")
    return True


async def session_slot_release(principal: Principal) -> None:
    if not settings.REDIS_URL:
        _slot_release(principal)
        return
    key = cache.make_and_validate_key(_slot_key(principal))
    try:
        await redis_for_loop().eval(_RELEASE_SCRIPT, 1, key)
    except Exception:
        logger.warning("WebSocket slot counter unavailable", exc_info=True)


REFRESHED_MESSAGE = "This session token was refreshed: reconnect with the new token."


def sessions_ended(tokens: dict[str, str]) -> dict[str, ApiError]:
    """Of these sessions (id → the token hash a socket authenticated with), the ones that
    socket can no longer use, with the reason. A refresh retires the old token (DESIGN.md §4)."""
    now = timezone.now()
    session_ids = list(tokens)
    ended: dict[str, ApiError] = {}
    for start in range(0, len(session_ids), WATCH_BATCH_SIZE):
        batch = session_ids[start : start + WATCH_BATCH_SIZE]
        rows = EmbeddedSession.objects.filter(pk__in=batch).values_list(
            "pk", "revoked_at", "expires_at", "token_hash"
        )
        found = set()
        for session_id, revoked_at, expires_at, token_hash in rows:
            found.add(session_id)
            if revoked_at is not None:
                ended[session_id] = SessionRevoked()
            elif expires_at <= now:
                ended[session_id] = SessionExpired()
            elif token_hash != tokens[session_id]:
                ended[session_id] = SessionExpired(REFRESHED_MESSAGE)
        for session_id in set(batch) - found:
            ended[session_id] = SessionRevoked("This session no longer exists.")
    return ended


OnEnded = Callable[[ApiError], None]


class SessionWatch:
    """The sockets of one event loop, by session, and the task that polls their sessions."""

    def __init__(self) -> None:
        # session id → token hash; session id → {socket: callback}. Every socket of a session
        # in this process holds the same token, or all but one are already closing.
        self.tokens: dict[str, str] = {}
        self.listeners: dict[str, dict[object, OnEnded]] = {}
        self.task: asyncio.Task | None = None

    def add(self, session_id: str, token_hash: str, owner: object, on_ended: OnEnded) -> None:
        self.tokens[session_id] = token_hash
        self.listeners.setdefault(session_id, {})[owner] = on_ended
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    def discard(self, session_id: str, owner: object) -> None:
        owners = self.listeners.get(session_id)
        if owners is not None:
            owners.pop(owner, None)
            if not owners:
                del self.listeners[session_id]
                self.tokens.pop(session_id, None)

    async def _run(self) -> None:
        while self.listeners:
            await asyncio.sleep(settings.WS_SESSION_CHECK_SECONDS)
            if not self.listeners:
                break
            try:
                ended = await sync_to_async(sessions_ended, thread_sensitive=False)(
                    dict(self.tokens)
                )
            except Exception:
                logger.warning("could not check WebSocket sessions", exc_info=True)
                continue
            for session_id, error in ended.items():
                self.tokens.pop(session_id, None)
                for on_ended in list(self.listeners.pop(session_id, {}).values()):
                    on_ended(error)
        self.task = None


_watches: LoopLocal[SessionWatch] = LoopLocal(SessionWatch)


def session_watch() -> SessionWatch:
    """This event loop's watch (a server process runs one loop; tests run several in turn)."""
    return _watches.get()
