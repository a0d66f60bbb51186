"""A loopback fake of the Stripe Connect endpoints payouts use, speaking Stripe's wire format.

The real `stripe` library talks to it through STRIPE_API_BASE (billing/stripe_gateway.py):
form-encoded requests (`metadata[payout_id]=…`), JSON objects with `object` and `id`, errors as
`{"error": {"type", "code", "message", "param"}}` with Stripe's status codes.

Endpoints: POST /v1/accounts, GET /v1/accounts/<id>, POST /v1/account_links, POST /v1/transfers,
GET /v1/transfers (filter `transfer_group`), GET /v1/transfers/<id>.

Idempotency as Stripe does it: a POST with an `Idempotency-Key` stores its answer once the
endpoint has run (success or a refusal); the same key with the same parameters gets that answer
again (header `Idempotent-Replayed: true`), with other parameters a 400 `idempotency_error`, and
while the first is still running a 409. Failures that happen before the endpoint runs (a 5xx
from the front, a dropped connection) store nothing, so a retry with the key runs it.

Knobs (`fail()` and `hang_after_create()`) apply to the next requests to a path:
- `declined`: a definitive refusal (default 400 `balance_insufficient`; 402 gives a `card_error`);
- `server_error`: 500 `api_error`, nothing stored;
- `connection_reset`: the connection is closed before anything is done;
- `drop_after_create`: the transfer is made and stored under its key, then the connection is
  closed without an answer (the client cannot know it succeeded);
- `hang_after_create()`: made and stored, then the answer waits until `release_hangs()`.

`transfers_for_key(key)` counts the transfers made under one idempotency key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DECLINED = "declined"
SERVER_ERROR = "server_error"
CONNECTION_RESET = "connection_reset"
DROP_AFTER_CREATE = "drop_after_create"
_KEY = re.compile(r"^Bearer (sk|rk)_(test|live)_[A-Za-z0-9]{8,}$")


class StripeError(Exception):
    def __init__(self, status: int, type: str, message: str, *, code=None, param=None, **extra):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type, "message": message, "code": code, "param": param}}
        self.body["error"].update(extra)


class _DropConnection(Exception):
    pass


@dataclass
class Failure:
    mode: str
    times: int
    status: int = 400
    code: str = "balance_insufficient"
    message: str = ""


@dataclass
class _Stored:
    fingerprint: str
    status: int = 0
    body: dict | None = None
    done: bool = False


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict
    idempotency_key: str | None
    outcome: str = "pending"
    at: float = field(default_factory=time.monotonic)


def form_decode(body: str) -> dict:
    """`a[b][c]=1&d=2` → `{"a": {"b": {"c": "1"}}, "d": "2"}` (lists stay dicts keyed "0"…)."""
    result: dict = {}
    for name, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", name)
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        if parts:
            target[parts[-1]] = value
    return result


class FakeStripeConnect:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.requested_port = port
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeStripeConnect:
        self._server = ThreadingHTTPServer((self.host, self.requested_port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release_hangs()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        """What STRIPE_API_BASE is set to (stripe-python appends /v1/…)."""
        assert self._server is not None, "the fake Stripe server is not running"
        return f"http://{self.host}:{self._server.server_address[1]}"

    def reset(self) -> None:
        with self._lock:
            self.accounts: dict[str, dict] = {}
            self.transfers: dict[str, dict] = {}
            self.requests: list[RecordedRequest] = []
            self._stored: dict[tuple[str, str], _Stored] = {}
            self._transfer_keys: dict[str, list[str]] = defaultdict(list)
            self._failures: dict[str, list[Failure]] = defaultdict(list)
            self._hangs: dict[str, int] = defaultdict(int)
            # None: the platform's balance never runs out.
            self.available_balance_cents: int | None = None
        self.hang_timeout_seconds = 60.0
        self.release_hangs()

    # --- knobs ----------------------------------------------------------------------------

    def fail(
        self,
        mode: str,
        *,
        path: str = "/v1/transfers",
        times: int = 1,
        status: int = 400,
        code: str = "balance_insufficient",
        message: str = "",
    ) -> None:
        with self._lock:
            self._failures[path].append(Failure(mode, times, status, code, message))

    def hang_after_create(self, *, path: str = "/v1/transfers", times: int = 1) -> None:
        with self._lock:
            self._hangs[path] += times

    def release_hangs(self) -> None:
        release = getattr(self, "_release", None)
        if release is not None:
            release.set()
        self._release = threading.Event()
        self.hang_started = threading.Event()

    # --- helpers for tests ----------------------------------------------------------------

    def transfers_for_key(self, idempotency_key: str) -> int:
        with self._lock:
            return len(self._transfer_keys.get(idempotency_key, []))

    def account_update(self, account_id: str, **changes: Any) -> dict:
        """What finishing onboarding does (`payouts_enabled=True`, …); `transfers_active`
        sets the transfers capability. Returns the account as an `account.updated` carries it."""
        with self._lock:
            account = self.accounts[account_id]
            if "transfers_active" in changes:
                active = changes.pop("transfers_active")
                account["capabilities"]["transfers"] = "active" if active else "inactive"
            account.update(changes)
            return json.loads(json.dumps(account))

    def onboard(self, account_id: str) -> dict:
        return self.account_update(
            account_id,
            details_submitted=True,
            charges_enabled=True,
            payouts_enabled=True,
            transfers_active=True,
        )

    # --- the API --------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict, params: dict, headers
    ) -> tuple[int, dict]:
        auth = headers.get("Authorization", "")
        match = _KEY.match(auth)
        if not match:
            raise StripeError(
                401, "invalid_request_error", "Invalid API Key provided.", code="api_key_invalid"
            )
        api_key = auth.removeprefix("Bearer ")
        livemode = match.group(2) == "live"
        key = headers.get("Idempotency-Key")
        recorded = RecordedRequest(method, path, params, key)
        with self._lock:
            self.requests.append(recorded)
            failure = self._take_failure(path) if method == "POST" else None
        if failure is not None and failure.mode == CONNECTION_RESET:
            recorded.outcome = "connection_reset"
            raise _DropConnection()
        if failure is not None and failure.mode == SERVER_ERROR:
            recorded.outcome = "server_error"
            raise StripeError(500, "api_error", failure.message or "An unknown error occurred.")
        if method != "POST" or not key:
            status, body = self._route(method, path, query, params, livemode, failure)
            recorded.outcome = "ok" if status < 400 else "error"
            return status, body
        return self._idempotent(recorded, api_key, key, query, params, livemode, failure)

    def _take_failure(self, path: str) -> Failure | None:
        queue = self._failures.get(path)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    def _idempotent(self, recorded, api_key, key, query, params, livemode, failure):
        fingerprint = hashlib.sha256(
            json.dumps([recorded.method, recorded.path, params], sort_keys=True).encode()
        ).hexdigest()
        with self._lock:
            stored = self._stored.get((api_key, key))
            if stored is None:
                stored = self._stored[(api_key, key)] = _Stored(fingerprint)
                first = True
            else:
                first = False
        if not first:
            recorded.outcome = "replayed"
            if stored.fingerprint != fingerprint:
                raise StripeError(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}' if you meant "
                    "to execute a different request.",
                )
            if not stored.done:
                raise StripeError(
                    409,
                    "idempotency_error",
                    "There is currently another in-progress request using this "
                    "Idempotent Key (that probably means you submitted twice, and the other "
                    "request is still going through).",
                    code="idempotency_key_in_use",
                )
            return stored.status, {"__replayed__": True, **stored.body}
        try:
            status, body = self._route(
                recorded.method, recorded.path, query, params, livemode, failure, key=key
            )
        except StripeError as error:
            status, body = error.status, error.body
        except BaseException:
            with self._lock:
                self._stored.pop((api_key, key), None)
            raise
        with self._lock:
            stored.status, stored.body, stored.done = status, body, True
        recorded.outcome = "ok" if status < 400 else "error"
        if failure is not None and failure.mode == DROP_AFTER_CREATE:
            recorded.outcome = "dropped_after_create"
            raise _DropConnection()
        if status < 400 and self._take_hang(recorded.path):
            recorded.outcome = "hung_after_create"
            self.hang_started.set()
            self._release.wait(self.hang_timeout_seconds)
        return status, body

    def _take_hang(self, path: str) -> bool:
        with self._lock:
            if self._hangs.get(path, 0) > 0:
                self._hangs[path] -= 1
                return True
            return False

    def _route(self, method, path, query, params, livemode, failure, *, key=None):
        if failure is not None and failure.mode == DECLINED:
            raise _declined(failure)
        if method == "POST" and path == "/v1/accounts":
            return 200, self._account_create(params, livemode)
        if method == "GET" and path.startswith("/v1/accounts/"):
            return 200, self._account(path.rsplit("/", 1)[1], livemode)
        if method == "POST" and path == "/v1/account_links":
            return 200, self._account_link_create(params, livemode)
        if method == "POST" and path == "/v1/transfers":
            return 200, self._transfer_create(params, livemode, key)
        if method == "GET" and path == "/v1/transfers":
            return 200, self._transfer_list(query, livemode)
        if method == "GET" and path.startswith("/v1/transfers/"):
            transfer = self.transfers.get(path.rsplit("/", 1)[1])
            if transfer is None or transfer["livemode"] != livemode:
                raise _missing("transfer", path.rsplit("/", 1)[1], "id")
            return 200, transfer
        raise StripeError(
            404, "invalid_request_error", f"Unrecognized request URL ({method}: {path})."
        )

    def _account_create(self, params: dict, livemode: bool) -> dict:
        if params.get("type") not in ("express", "standard", "custom"):
            raise _invalid("type", "Invalid type: must be one of express, standard or custom")
        account_id = f"acct_{secrets.token_hex(8)}"
        requested = (params.get("capabilities") or {}).get("transfers", {}).get("requested")
        account = {
            "id": account_id,
            "object": "account",
            "type": params["type"],
            "country": params.get("country", "US"),
            "email": params.get("email"),
            "default_currency": "usd",
            "capabilities": {"transfers": "inactive"} if requested == "true" else {},
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "metadata": params.get("metadata") or {},
            "requirements": {"currently_due": ["external_account", "tos_acceptance.date"]},
            "created": int(time.time()),
            "livemode": livemode,
        }
        with self._lock:
            self.accounts[account_id] = account
        return account

    def _account(self, account_id: str, livemode: bool, param: str = "id") -> dict:
        account = self.accounts.get(account_id)
        if account is None or account["livemode"] != livemode:
            raise _missing("account", account_id, param)
        return account

    def _account_link_create(self, params: dict, livemode: bool) -> dict:
        for name in ("account", "refresh_url", "return_url", "type"):
            if not params.get(name):
                raise StripeError(
                    400,
                    "invalid_request_error",
                    f"Missing required param: {name}.",
                    code="parameter_missing",
                    param=name,
                )
        if params["type"] not in ("account_onboarding", "account_update"):
            raise _invalid("type", "Invalid type: must be account_onboarding or account_update")
        account = self._account(params["account"], livemode, "account")
        now = int(time.time())
        return {
            "object": "account_link",
            "created": now,
            "expires_at": now + 300,
            "url": f"https://connect.stripe.com/setup/e/{account['id']}/{secrets.token_hex(12)}",
        }

    def _transfer_create(self, params: dict, livemode: bool, key: str | None) -> dict:
        amount = params.get("amount", "")
        if not amount.isdigit() or int(amount) < 1:
            raise _invalid("amount", "Invalid positive integer")
        if params.get("currency") != "usd":
            raise _invalid("currency", "Invalid currency: only usd is enabled on this platform")
        account = self._account(params.get("destination", ""), livemode, "destination")
        if account["capabilities"].get("transfers") != "active":
            raise StripeError(
                400,
                "invalid_request_error",
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                code="insufficient_capabilities_for_transfer",
                param="destination",
            )
        with self._lock:
            if self.available_balance_cents is not None:
                if int(amount) > self.available_balance_cents:
                    raise _declined(Failure(DECLINED, 1))
                self.available_balance_cents -= int(amount)
            transfer_id = f"tr_{secrets.token_hex(8)}"
            transfer = {
                "id": transfer_id,
                "object": "transfer",
                "amount": int(amount),
                "amount_reversed": 0,
                "currency": "usd",
                "destination": account["id"],
                "destination_payment": f"py_{secrets.token_hex(8)}",
                "balance_transaction": f"txn_{secrets.token_hex(8)}",
                "metadata": params.get("metadata") or {},
                "transfer_group": params.get("transfer_group"),
                "reversed": False,
                "created": int(time.time()),
                "livemode": livemode,
            }
            self.transfers[transfer_id] = transfer
            self._transfer_keys[key or ""].append(transfer_id)
        return transfer

    def _transfer_list(self, query: dict, livemode: bool) -> dict:
        with self._lock:
            rows = [t for t in self.transfers.values() if t["livemode"] == livemode]
        if query.get("transfer_group"):
            rows = [t for t in rows if t["transfer_group"] == query["transfer_group"]]
        rows.reverse()  # newest first, as Stripe lists
        limit = int(query.get("limit") or 10)
        return {
            "object": "list",
            "url": "/v1/transfers",
            "has_more": len(rows) > limit,
            "data": rows[:limit],
        }


def _invalid(param: str, message: str) -> StripeError:
    return StripeError(400, "invalid_request_error", message, param=param)


def _missing(kind: str, object_id: str, param: str) -> StripeError:
    label = "destination" if param == "destination" else kind
    return StripeError(
        404 if param == "id" else 400,
        "invalid_request_error",
        f"No such {label}: '{object_id}'",
        code="resource_missing",
        param=param,
    )


def _declined(failure: Failure) -> StripeError:
    if failure.status == 402:
        return StripeError(
            402,
            "card_error",
            failure.message or "Your card was declined.",
            code=failure.code if failure.code != "balance_insufficient" else "card_declined",
            decline_code="generic_decline",
        )
    return StripeError(
        failure.status,
        "invalid_request_error",
        failure.message
        or "You have insufficient available funds in your Stripe account. Try adding funds "
        "directly to your available balance by creating Charges using the 4000000000000077 "
        "test card.",
        code=failure.code,
    )


def _handler_for(fake: FakeStripeConnect):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # quiet
            pass

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            request_id = f"req_{secrets.token_hex(7)}"
            extra_headers = {}
            try:
                status, body = fake.handle(
                    method, parts.path, form_decode(parts.query), form_decode(raw), self.headers
                )
                if body.pop("__replayed__", False):
                    extra_headers["Idempotent-Replayed"] = "true"
            except StripeError as error:
                status, body = error.status, error.body
                if status >= 500:
                    extra_headers["Stripe-Should-Retry"] = "true"
            except _DropConnection:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", request_id)
                for name, value in extra_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client went away (a killed worker)
                self.close_connection = True

        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

        def do_DELETE(self):
            self._serve("DELETE")

    return Handler
