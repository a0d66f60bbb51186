"""Your backend, in one file: sign a user in, mint their gateway session, serve the page.

The secret key (sk_…) stays here; the browser only ever gets a short-lived session token.

    LLMGATEWAY_SECRET_KEY=sk_test_… LLMGATEWAY_URL=http://127.0.0.1:8000 python server.py
    # → http://127.0.0.1:8001 (`make example` does this against `make run`)
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from llmgateway_server import LLMGateway, LLMGatewayError

GATEWAY_URL = os.environ.get("LLMGATEWAY_URL", "http://127.0.0.1:8000").rstrip("/")
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "8001"))
PAGE = (Path(__file__).parent / "index.html").read_text()
USER_COOKIE = "demo_user"
USER_ID = re.compile(r"^demo_[0-9a-f]{8}$")

gateway = LLMGateway(api_key=os.environ["LLMGATEWAY_SECRET_KEY"], base_url=GATEWAY_URL)


class Handler(BaseHTTPRequestHandler):
    def signed_in_user(self) -> str | None:
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        user = cookie[USER_COOKIE].value if USER_COOKIE in cookie else None
        return user if user and USER_ID.match(user) else None

    def do_GET(self) -> None:
        if self.path != "/":
            return self.answer(404, "text/plain", b"not found")
        # "Sign in": every new browser is a new demo user (your app has real accounts).
        user = self.signed_in_user() or f"demo_{secrets.token_hex(4)}"
        page = PAGE.replace("{{GATEWAY_URL}}", html.escape(GATEWAY_URL))
        page = page.replace("{{USER}}", html.escape(user))
        cookie = f"{USER_COOKIE}={user}; Path=/; HttpOnly; SameSite=Lax"
        self.answer(200, "text/html; charset=utf-8", page.encode(), {"Set-Cookie": cookie})

    def do_POST(self) -> None:
        if self.path != "/session":
            return self.answer(404, "text/plain", b"not found")
        user = self.signed_in_user()
        if user is None:
            return self.error(401, "not_signed_in", "Sign in first.", "authentication_error")
        try:
            session = gateway.sessions.create(
                customer={"external_id": user, "name": "Demo user"},
                scope={"models": ["test/echo", "test/lorem"]},
                ttl_seconds=900,
            )
        except LLMGatewayError as error:
            # The gateway's own reason (customer_blocked, invalid_api_key…) with its status, so
            # the page can say it and knows not to retry a refusal. No answer at all: 502.
            if error.status is None:
                message = f"The gateway at {GATEWAY_URL} could not be reached: {error.message}"
                return self.error(502, "upstream_error", message, "api_error")
            return self.error(
                error.status, error.code or "api_error", error.message, error.type, error.param
            )
        # The whole session object: the token, its expiry, and allowedOrigins, which lets the
        # page explain a refused origin (the browser hides the gateway's answer to it).
        self.answer(200, "application/json", json.dumps(session.to_dict()).encode())

    def error(
        self, status: int, code: str, message: str, type_: str | None, param: str | None = None
    ) -> None:
        """An error in the gateway's own shape: {"error": {type, code, message, param}}."""
        error = {"type": type_ or "api_error", "code": code, "message": message, "param": param}
        self.answer(status, "application/json", json.dumps({"error": error}).encode())

    def answer(self, status: int, content_type: str, body: bytes, headers=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    server = ThreadingHTTPServer((HOST, PORT), Handler)
    print(f"Example app on http://{HOST}:{server.server_port} (gateway {GATEWAY_URL})", flush=True)
    server.serve_forever()
