"""CORS for the browser SDK's static files: pages on other origins import them as ES modules.

Module scripts are always fetched in CORS mode, so `<script type="module"
src="https://gateway.example/static/llmgateway/elements.js">` on a developer's page needs
`Access-Control-Allow-Origin`. These files are public and carry no credentials: `*` is right.
"""

from __future__ import annotations

SDK_STATIC_PREFIX = "/static/llmgateway/"
STATIC_PREFIX = "/static/"
# /static/ is answered before Django's middleware, so the headers it would add are added here.
STATIC_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
)


class SdkStaticCorsMiddleware:
    """ASGI middleware adding `Access-Control-Allow-Origin: *` to responses under the SDK
    prefix, and `nosniff` and `X-Frame-Options: DENY` to every /static/ response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(STATIC_PREFIX):
            return await self.app(scope, receive, send)
        added = list(STATIC_SECURITY_HEADERS)
        if scope["path"].startswith(SDK_STATIC_PREFIX):
            added.append((b"access-control-allow-origin", b"*"))
        replaced = {name for name, _ in added}

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() not in replaced
                ]
                headers.extend(added)
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, send_with_cors)
