"""CORS for the browser SDK's static files: pages on other origins import them as ES modules.

Module scripts are always fetched in CORS mode, so `<script type="module"
src="https://gateway.example/static/llmgateway/elements.js">` on a developer's page needs
`Access-Control-Allow-Origin`. These files are public and carry no credentials: `*` is right.
"""

from __future__ import annotations

SDK_STATIC_PREFIX = "/static/llmgateway/"


class SdkStaticCorsMiddleware:
    """ASGI middleware adding `Access-Control-Allow-Origin: *` to responses under the prefix."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(SDK_STATIC_PREFIX):
            return await self.app(scope, receive, send)

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"access-control-allow-origin"
                ]
                headers.append((b"access-control-allow-origin", b"*"))
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, send_with_cors)
