"""Mixed production-like traffic for bench/load.py and tests/deploy/: chats, streams, WebSocket,
top-ups with webhooks, credits, session mints and refreshes, across many customers.

`stack_prepare` makes an organization with a live and a test secret key (manage.py, against the
stack's database), mints one session per customer over HTTP and funds it; `traffic_run` then
drives `concurrency` closed-loop clients for `seconds`, spread over the stack's web processes;
bench/harness/books.py proves the books afterwards. Customers are checked out one client at a
time, so a refresh never races a request made with the token it replaces.

Half the customers are live (`es_live_`: `openai/gpt-4o-mini` through the loopback fake
upstream, funded by grants from the organization's credits), half are in test mode (`es_test_`:
`test/echo`, funded by simulated top-ups credited by the Celery worker, each announced to the
developer's webhook endpoint as `wallet.credited`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import random
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import httpx

from bench.harness.stack import ROOT

NANOS_PER_USD = 1_000_000_000
LIVE_MODEL = "openai/gpt-4o-mini"
TEST_MODEL = "test/echo"
MESSAGES = [{"role": "user", "content": "Say hello to the load test in a few words."}]
MAX_TOKENS = 16
ORG_CREDIT_USD = 1_000_000
INITIAL_GRANT_USD = 20
TOPUP_USD = 5
GRANT_USD = 1
WS_CHATS_PER_SOCKET = 2

# Relative weights of the traffic kinds (one pick per client iteration).
WEIGHTS = {
    "chat-es": 24,
    "stream-es": 14,
    "chat-sk": 8,
    "stream-sk": 4,
    "ws-stream": 12,
    "chat-test": 12,
    "topup": 8,
    "grant": 4,
    "session-mint": 7,
    "session-refresh": 7,
}


@dataclass
class Customer:
    external_id: str
    livemode: bool
    wallet_id: str = ""
    token: str = ""


@dataclass
class Stack:
    """Where the traffic goes: the web processes' base URLs and the keys set up for it."""

    base_urls: list[str]
    database_url: str
    env: dict  # for manage.py (ledger_check) against the same database
    webhook_port: int = 0
    organization_id: str = ""
    project_id: str = ""
    live_key: str = ""
    test_key: str = ""
    webhook_secret: str = ""
    customers: list[Customer] = field(default_factory=list)
    _next_url: itertools.cycle | None = None

    def url(self) -> str:
        if self._next_url is None:
            self._next_url = itertools.cycle(self.base_urls)
        return next(self._next_url)


@dataclass
class Tally:
    """What the clients did and saw, for the report and for the books check."""

    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    samples: dict[str, str] = field(default_factory=dict)
    grants: list[tuple[str, int, str]] = field(default_factory=list)  # wallet, nanos, key
    topups: list[tuple[str, str, int]] = field(default_factory=list)  # topup, wallet, net nanos
    webhooks: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # topup → count
    bad_signatures: int = 0

    def ok(self, kind: str, started: float) -> None:
        self.latencies_ms[kind].append((time.perf_counter() - started) * 1000)
        self.statuses[kind]["ok"] += 1

    def failed(self, kind: str, status: str, sample: str) -> None:
        self.statuses[kind][status] += 1
        self.samples.setdefault(f"{kind} {status}", sample[:300])

    def server_errors(self) -> int:
        return sum(
            count
            for by_status in self.statuses.values()
            for status, count in by_status.items()
            if status.startswith("5")
        )

    def unexpected(self) -> int:
        """Answers that are neither a success nor a refusal the traffic can meet (402)."""
        return sum(
            count
            for by_status in self.statuses.values()
            for status, count in by_status.items()
            if status not in ("ok", "402")
        )


# --- set-up -------------------------------------------------------------------------------------


def _manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _raise_for(response: httpx.Response) -> dict:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:300]}")
    return response.json()


def _auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


async def stack_prepare(stack: Stack, *, customers: int, concurrency: int = 16) -> None:
    """An organization with live and test keys, a webhook endpoint, funded customers."""
    live = json.loads(
        _manage(stack.env, "bootstrap_project", "--org", "load", "--project", "load", "--live",
                "--json")
    )  # fmt: skip
    test = json.loads(
        _manage(stack.env, "bootstrap_project", "--org", "load", "--project", "load", "--json")
    )
    stack.organization_id, stack.project_id = live["organizationId"], live["projectId"]
    stack.live_key, stack.test_key = live["secretKey"], test["secretKey"]
    _manage(stack.env, "credit_org", "--org", stack.organization_id,
            "--amount", str(ORG_CREDIT_USD), "--reason", "load test", "--live")  # fmt: skip
    async with httpx.AsyncClient(timeout=30) as client:
        endpoint = _raise_for(
            await client.post(
                f"{stack.url()}/v1/webhook-endpoints",
                json={"url": f"http://127.0.0.1:{stack.webhook_port}/hook",
                      "events": ["wallet.credited"]},
                headers=_auth(stack.test_key),
            )
        )  # fmt: skip
        stack.webhook_secret = endpoint["secret"]
        stack.customers = [
            Customer(external_id=f"load_{index}", livemode=index % 2 == 0)
            for index in range(customers)
        ]
        gate = asyncio.Semaphore(concurrency)

        async def mint(customer: Customer) -> None:
            async with gate:
                await _session_mint(client, stack, customer)

        await asyncio.gather(*(mint(customer) for customer in stack.customers))


async def _session_mint(client: httpx.AsyncClient, stack: Stack, customer: Customer) -> None:
    key = stack.live_key if customer.livemode else stack.test_key
    minted = _raise_for(
        await client.post(
            f"{stack.url()}/v1/sessions",
            json={"customer": customer.external_id, "ttlSeconds": 3600,
                  "scope": {"maxSpend": "100000"}},
            headers=_auth(key),
        )
    )  # fmt: skip
    customer.wallet_id, customer.token = minted["walletId"], minted["sessionToken"]


# --- the webhook receiver ---------------------------------------------------------------------


async def webhook_receiver(stack: Stack, tally: Tally) -> asyncio.AbstractServer:
    """The developer's endpoint: verifies each delivery's signature, counts wallet.credited."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = {}
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower().decode()] = value.strip().decode()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                _webhook_record(stack, tally, headers.get("llmgateway-signature", ""), body)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", stack.webhook_port)
    stack.webhook_port = server.sockets[0].getsockname()[1]
    return server


def _webhook_record(stack: Stack, tally: Tally, signature: str, body: bytes) -> None:
    parts = dict(part.split("=", 1) for part in signature.split(",") if "=" in part)
    expected = hmac.new(
        stack.webhook_secret.encode(), f"{parts.get('t', '')}.".encode() + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        tally.bad_signatures += 1
        return
    event = json.loads(body)
    if event.get("type") == "wallet.credited":
        tally.webhooks[event["data"]["topUpId"]] += 1


# --- the traffic ----------------------------------------------------------------------------------


async def traffic_run(
    stack: Stack, tally: Tally, *, seconds: float, concurrency: int, seed: int = 1
) -> float:
    """`concurrency` closed-loop clients for `seconds`; returns the seconds actually run."""
    chooser = random.Random(seed)
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
    pools = {
        livemode: asyncio.Queue() for livemode in (True, False)
    }  # customers not in use, by mode
    for customer in stack.customers:
        pools[customer.livemode].put_nowait(customer)
    started = time.perf_counter()
    deadline = started + seconds
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def one_client() -> None:
            while time.perf_counter() < deadline:
                kind = chooser.choices(kinds, weights)[0]
                if kind in ("chat-sk", "stream-sk"):
                    await _chat(client, stack, tally, kind, None)
                    continue
                livemode = kind not in ("chat-test", "topup")
                if kind in ("session-mint", "session-refresh"):
                    livemode = chooser.random() < 0.5
                customer = await pools[livemode].get()
                try:
                    await _act(client, stack, tally, kind, customer)
                finally:
                    pools[livemode].put_nowait(customer)

        await asyncio.gather(*(one_client() for _ in range(concurrency)))
    return time.perf_counter() - started


async def _act(client, stack: Stack, tally: Tally, kind: str, customer: Customer) -> None:
    if kind in ("chat-es", "stream-es", "chat-test"):
        await _chat(client, stack, tally, kind, customer)
    elif kind == "ws-stream":
        await _ws_chats(stack, tally, customer)
    elif kind == "topup":
        await _topup(client, stack, tally, customer)
    elif kind == "grant":
        await _grant(client, stack, tally, customer)
    elif kind == "session-mint":
        sent = time.perf_counter()
        try:
            await _session_mint(client, stack, customer)
        except RuntimeError as error:
            tally.failed(kind, str(error).split(": ", 1)[1][:3], str(error))
        else:
            tally.ok(kind, sent)
    elif kind == "session-refresh":
        sent = time.perf_counter()
        response = await _post(client, tally, kind, "/v1/sessions/refresh", stack, customer.token)
        if response is not None:
            customer.token = response["sessionToken"]
            tally.ok(kind, sent)


async def _post(client, tally: Tally, kind: str, path: str, stack: Stack, key: str, body=None):
    """POST; the JSON answer, or None after recording the failure."""
    try:
        response = await client.post(f"{stack.url()}{path}", json=body or {}, headers=_auth(key))
    except httpx.HTTPError as error:
        tally.failed(kind, type(error).__name__, repr(error))
        return None
    if response.status_code >= 300:
        tally.failed(kind, str(response.status_code), response.text)
        return None
    return response.json()


async def _chat(client, stack: Stack, tally: Tally, kind: str, customer: Customer | None) -> None:
    stream = kind.startswith("stream")
    key = customer.token if customer is not None else stack.live_key
    body: dict = {
        "model": TEST_MODEL if kind == "chat-test" else LIVE_MODEL,
        "messages": MESSAGES,
        "max_tokens": MAX_TOKENS,
    }
    if stream:
        body["stream"] = True
    sent = time.perf_counter()
    try:
        async with client.stream(
            "POST", f"{stack.url()}/v1/chat/completions", json=body, headers=_auth(key)
        ) as response:
            answer = await response.aread()
    except httpx.HTTPError as error:
        tally.failed(kind, type(error).__name__, repr(error))
        return
    if response.status_code != 200:
        tally.failed(kind, str(response.status_code), answer.decode(errors="replace"))
    elif (stream and b"data: [DONE]" not in answer) or (not stream and b'"usage"' not in answer):
        tally.failed(kind, "incomplete", answer.decode(errors="replace"))
    else:
        tally.ok(kind, sent)


async def _ws_chats(stack: Stack, tally: Tally, customer: Customer) -> None:
    import websockets

    kind = "ws-stream"
    url = "ws" + stack.url().removeprefix("http") + "/v1/ws"
    try:
        async with websockets.connect(url, max_size=None, compression=None) as socket:
            await socket.send(json.dumps({"type": "session.auth", "token": customer.token}))
            ready = json.loads(await socket.recv())
            if ready.get("type") != "session.ready":
                tally.failed(kind, "auth", json.dumps(ready))
                return
            for number in range(WS_CHATS_PER_SOCKET):
                sent = time.perf_counter()
                await socket.send(
                    json.dumps({"type": "chat.request", "id": f"c{number}", "model": LIVE_MODEL,
                                "messages": MESSAGES, "max_tokens": MAX_TOKENS})
                )  # fmt: skip
                while True:
                    message = json.loads(await socket.recv())
                    if message.get("type") == "chat.done":
                        tally.ok(kind, sent)
                        break
                    if message.get("type") == "error":
                        code = message["error"].get("code", "error")
                        status = "402" if code in ("insufficient_balance",) else code
                        tally.failed(kind, status, json.dumps(message))
                        return
    except (OSError, websockets.WebSocketException) as error:
        tally.failed(kind, type(error).__name__, repr(error))


async def _topup(client, stack: Stack, tally: Tally, customer: Customer) -> None:
    kind = "topup"
    sent = time.perf_counter()
    created = await _post(
        client, tally, kind, "/v1/wallet/top-ups", stack, customer.token, {"amount": TOPUP_USD}
    )
    if created is None:
        return
    simulated = await _post(
        client, tally, kind, f"/v1/wallet/top-ups/{created['id']}/simulate", stack,
        customer.token, {"outcome": "succeeded"},
    )  # fmt: skip
    if simulated is not None:
        net_nanos = int(Decimal(created["netCredit"]) * NANOS_PER_USD)
        tally.topups.append((created["id"], customer.wallet_id, net_nanos))
        tally.ok(kind, sent)


async def _grant(
    client, stack: Stack, tally: Tally, customer: Customer, amount_usd: int = GRANT_USD
) -> None:
    kind = "grant"
    sent = time.perf_counter()
    key = f"load-{customer.wallet_id}-{time.time_ns()}"
    body = {"amount": str(amount_usd), "reason": "load test", "idempotencyKey": key}
    path = f"/v1/wallets/{customer.wallet_id}/credits"
    if await _post(client, tally, kind, path, stack, stack.live_key, body) is not None:
        tally.grants.append((customer.wallet_id, amount_usd * NANOS_PER_USD, key))
        tally.ok(kind, sent)


async def stack_fund(stack: Stack, tally: Tally, *, concurrency: int = 16) -> None:
    """Fund every wallet before the clock starts: a grant (live) or a top-up (test)."""
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=60) as client:

        async def fund(customer: Customer) -> None:
            async with gate:
                if customer.livemode:
                    await _grant(client, stack, tally, customer, INITIAL_GRANT_USD)
                else:
                    await _topup(client, stack, tally, customer)

        await asyncio.gather(*(fund(customer) for customer in stack.customers))
    tally.latencies_ms.clear()
    tally.statuses.clear()
