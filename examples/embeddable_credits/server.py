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
            return self.answer(401, "application/json", b'{"error": "sign in first"}')
        try:
            session = gateway.sessions.create(
                customer={"external_id": user, "name": "Demo user"},
                scope={"models": ["test/echo", "test/lorem"]},
                ttl_seconds=900,
            )
        except LLMGatewayError as error:
            return self.answer(502, "application/json", json.dumps({"error": str(error)}).encode())
        self.answer(200, "application/json", json.dumps(session.to_dict()).encode())

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
