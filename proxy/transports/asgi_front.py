"""The billed endpoints served straight from ASGI, ahead of Django's request handler.

Under a real server, `POST /v1/chat/completions`, `/v1/responses`, `/v1/embeddings` and
`/v1/images/generations` are the hot path, and Django's handler around them (the request
object, the middleware chain, URL resolving, the start/finish signals, the response object) was
measured at about a fifth of the server's CPU per request (docs/performance.md). Here those
requests go to proxy.endpoints directly, and the answer carries what Django's middleware would
have added to it: the security and X-Frame-Options headers, CORS on these session paths,
Content-Length. A parity test (tests/proxy/endpoints/test_asgi_front.py) holds the two paths to the
same status, headers and body.

Only the plain case is served here; anything Django has more to say about goes to Django
unchanged: another method (405, the CORS preflight), a Host not in ALLOWED_HOSTS (400), a NUL
in the query (400), an HTTP request when SECURE_SSL_REDIRECT is on, X-Forwarded-Host under
USE_X_FORWARDED_HOST, a configured DISALLOWED_USER_AGENTS or PREPEND_WWW, and an app mounted
under a root path.

Like Django's handler, a client that disconnects cancels the work in flight: the gateway then
releases the hold, or charges a stream for what was already sent (proxy/calls/chat_stream.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from http import HTTPStatus

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from proxy import endpoints
from sessions_app.cors import cors_response_headers

# Django's own logger for 4xx/5xx answers, so logs read the same whichever path answered.
request_logger = logging.getLogger("django.request")


class BilledEndpointsFront:
    def __init__(self, app, routes: dict[str, endpoints.Endpoint] | None = None) -> None:
        self.app = app
        self.routes = endpoints.BILLED_ENDPOINTS if routes is None else routes

    async def __call__(self, scope, receive, send):
        endpoint = None
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            endpoint = self.routes.get(scope["path"])
        if endpoint is None:
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        if not _plain_request(scope, headers):
            return await self.app(scope, receive, send)
        await _serve(endpoint, scope, headers, receive, send)


def _headers(scope) -> dict[str, str]:
    """The request headers by lower-case name; repeats joined with "," as Django does."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin1").lower(), raw_value.decode("latin1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def _plain_request(scope, headers: dict[str, str]) -> bool:
    query = scope.get("query_string", b"")
    if b"\x00" in query or b"%00" in query:
        return False
    if settings.DISALLOWED_USER_AGENTS or settings.PREPEND_WWW:
        return False
    if settings.SECURE_SSL_REDIRECT and not _is_secure(scope, headers):
        return False
    if settings.USE_X_FORWARDED_HOST and "x-forwarded-host" in headers:
        return False
    host = headers.get("host")
    return host is not None and _host_allowed(host, tuple(settings.ALLOWED_HOSTS), settings.DEBUG)


@functools.lru_cache(maxsize=256)
def _host_allowed(host: str, allowed_hosts: tuple[str, ...], debug: bool) -> bool:
    # django.http.HttpRequest.get_host's rule.
    if debug and not allowed_hosts:
        allowed_hosts = (".localhost", "127.0.0.1", "[::1]")
    domain, _ = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed_hosts)


def _is_secure(scope, headers: dict[str, str]) -> bool:
    # django.http.HttpRequest.is_secure's rule, SECURE_PROXY_SSL_HEADER included.
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        meta_name = header.removeprefix("HTTP_").replace("_", "-").lower()
        if meta_name in headers:
            return headers[meta_name].split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") == "https"


async def _serve(endpoint, scope, headers: dict[str, str], receive, send) -> None:
    if endpoints.request_too_large(endpoints.declared_length(headers.get("content-length"))):
        await _send(scope, headers, endpoints.too_large_reply(), send)
        return
    body = await _read_body(receive, limit=settings.MODEL_REQUEST_MAX_BYTES)
    if body is None:  # the client left before its request was complete
        return
    if endpoints.request_too_large(len(body)):  # a chunked body, cut off past the limit
        await _send(scope, headers, endpoints.too_large_reply(), send)
        return
    caller = endpoints.Caller(
        authorization=headers.get("authorization", ""), origin=headers.get("origin"), body=body
    )

    async def answer_and_send() -> None:
        reply = await endpoints.answer(endpoint, caller, path=scope["path"])
        await _send(scope, headers, reply, send)

    work = asyncio.create_task(answer_and_send())
    watch = asyncio.create_task(_disconnected(receive))
    try:
        await asyncio.wait((work, watch), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (watch, work):
            if not task.done():
                task.cancel()
                # The work's cancellation is where a hold is released or a stream charged.
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    if work.done() and not work.cancelled():
        work.result()  # an error in sending: the server's to log


async def _read_body(receive, *, limit: int) -> bytes | None:
    """The whole body; or, past `limit` (a chunked body declares no length), what was read so
    far, which is longer than the limit; None if the client left."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > limit or not message.get("more_body", False):
            return b"".join(chunks)


async def _disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _send(scope, headers: dict[str, str], reply: endpoints.Reply, send) -> None:
    try:
        await _send_reply(scope, headers, reply, send)
    finally:
        # On every way out — the client gone during the CORS hop, before the first chunk was
        # read, or mid-stream — the stream settles what it owes (proxy/calls/chat_sse.SseStream).
        if reply.stream is not None:
            await reply.stream.aclose()


async def _send_reply(scope, headers: dict[str, str], reply: endpoints.Reply, send) -> None:
    response_headers = dict(reply.headers)
    response_headers.update(_security_headers(scope, headers))
    origin = headers.get("origin")
    if origin:
        # known_origins() may read the cache or the database: off the event loop, as in
        # sessions_app.cors.SessionCorsMiddleware.
        response_headers.update(
            await sync_to_async(cors_response_headers, thread_sensitive=False)(
                origin=origin,
                authorization=headers.get("authorization", ""),
                status=reply.status,
                body=reply.body,
            )
        )
    if reply.stream is None:
        response_headers["Content-Length"] = str(len(reply.body))
    _log_error_status(reply.status, scope["path"])
    await send(
        {
            "type": "http.response.start",
            "status": reply.status,
            "headers": [
                (name.encode("latin1"), value.encode("latin1"))
                for name, value in response_headers.items()
            ],
        }
    )
    if reply.stream is None:
        await send({"type": "http.response.body", "body": reply.body})
        return
    async for part in reply.stream:
        await send({"type": "http.response.body", "body": part, "more_body": True})
    await send({"type": "http.response.body"})


def _security_headers(scope, headers: dict[str, str]) -> dict[str, str]:
    """What SecurityMiddleware and XFrameOptionsMiddleware add to every answer."""
    added: dict[str, str] = {}
    if settings.SECURE_HSTS_SECONDS and _is_secure(scope, headers):
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        added["Strict-Transport-Security"] = value
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        added["X-Content-Type-Options"] = "nosniff"
    policy = settings.SECURE_REFERRER_POLICY
    if policy:
        values = policy.split(",") if isinstance(policy, str) else policy
        added["Referrer-Policy"] = ",".join(value.strip() for value in values)
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        added["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
    added["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
    return added


def _log_error_status(status: int, path: str) -> None:
    if status >= 500:
        request_logger.error("%s: %s", HTTPStatus(status).phrase, path)
    elif status >= 400:
        request_logger.warning("%s: %s", HTTPStatus(status).phrase, path)
