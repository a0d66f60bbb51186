"""The transports that carry the gateway's endpoints; each only parses and renders.

- `asgi_front.py`: the billed POSTs straight from ASGI under a real server (the hot path);
- `views.py`: the same endpoints as Django views (the test client, whatever the front passes
  on, `GATEWAY_ASGI_FRONT=false`), and `GET /v1/models`;
- `websocket.py`: the WebSocket chat (`/v1/ws`), with the per-session slots and liveness watch
  of `ws_sessions.py`.
The two HTTP transports render the same proxy.endpoints Replies, so they answer byte for byte
alike (tests/proxy/endpoints/test_asgi_front.py).
"""
