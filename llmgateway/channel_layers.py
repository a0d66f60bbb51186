"""The Redis channel layer, made to outlive a Redis outage.

channels_redis raises the connection error out of `receive()`, and Channels' consumer loop then
dies with it: every open WebSocket would close with 1011 the moment Redis blinks. Here a
consumer waiting for its channel keeps waiting instead, retrying with backoff, so the socket
stays up (chat over it does not need Redis) and balance pushes resume when Redis is back. What
was group-sent during the outage is lost: senders treat pushes as best effort.
"""

from __future__ import annotations

import asyncio
import logging

from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_FIRST_SECONDS = 0.1
RETRY_MAX_SECONDS = 5.0


class OutageTolerantRedisChannelLayer(RedisChannelLayer):
    async def receive(self, channel):
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                return await super().receive(channel)
            except (RedisConnectionError, RedisTimeoutError, OSError) as error:
                logger.warning("channel layer unavailable (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
