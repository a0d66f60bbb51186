"""Every way out of a billed stream settles it at once: no hold is left for the expiry task.

The cases a generator's `finally` can't see are the ones tested here: a client that leaves while
the first chunk is being sent (before the billed stream behind it ever ran), and a stream a
transport drops without closing it.
"""

from __future__ import annotations

import asyncio
import gc
import json

import pytest
from asgiref.sync import async_to_sync

from llmgateway.asgi import application, platform
from proxy.models import RequestLog
from tests.helpers.gateway import expected_cost
from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import Hold, Wallet

pytestmark = pytest.mark.django_db(transaction=True)
CHAT = "/v1/chat/completions"
MESSAGES = [{"role": "user", "content": "one two three four five six"}]
BODY = {"model": "test/lorem", "messages": MESSAGES, "max_tokens": 20, "stream": True}


def _scope(body: bytes, token: str) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": CHAT, "raw_path": CHAT.encode(), "query_string": b"",
        "headers": [
            (b"host", b"localhost"), (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(body)), (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }  # fmt: skip


async def _leave_during(app, message_type: str, token: str) -> list[dict]:
    """Drive an ASGI app as a server would, with a client that disconnects while a message of
    `message_type` is on its way (the server's `send` is still awaiting when it goes)."""
    body = json.dumps(BODY).encode()
    gone = asyncio.Event()
    sent: list[dict] = []
    delivered = False

    async def receive():
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)
        if message["type"] == message_type:
            gone.set()
            await asyncio.sleep(3600)  # the socket's buffer is full: cancelled by the disconnect

    await asyncio.wait_for(app(_scope(body, token), receive, send), timeout=30)
    for _ in range(200):  # what the disconnect started (settling, the log) ends on this loop
        if await RequestLog.objects.aexists():
            break
        gc.collect()
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)
    return sent


def test_a_client_gone_during_the_first_chunk_leaves_nothing_held(funded_session):
    session, token = funded_session()

    sent = async_to_sync(_leave_during)(application, "http.response.body", token)

    assert sent[0]["status"] == 200
    hold = Hold.objects.get()
    assert hold.status == "settled"
    # Nothing was delivered: the prompt alone is billed, as for any client that leaves.
    assert hold.charged_nanos == expected_cost("test/lorem", {"prompt_tokens": _prompt_tokens()})
    wallet = Wallet.objects.get(pk=session.wallet_id)
    assert (wallet.balance_nanos, wallet.held_nanos) == (USD - hold.charged_nanos, 0)
    session.refresh_from_db()
    assert session.held_nanos == 0
    assert_ledger_ok()


def _prompt_tokens() -> int:
    from proxy.prompt_bound import chat_prompt_tokens
    from tests.helpers.gateway import deployment_of

    return chat_prompt_tokens(MESSAGES, {}, model=deployment_of("test/lorem").upstream_model)


def test_a_stream_django_drops_unread_is_settled_when_collected(funded_session):
    """Django's handler, cancelled while it sends the response head, never closes the response
    (nor iterates it): the stream is settled when it is collected."""
    session, token = funded_session()

    sent = async_to_sync(_leave_during)(platform, "http.response.start", token)

    assert sent[0]["status"] == 200
    gc.collect()
    hold = Hold.objects.get()
    assert hold.status == "settled"
    assert hold.charged_nanos > 0
    assert Wallet.objects.get(pk=session.wallet_id).held_nanos == 0
    assert_ledger_ok()
