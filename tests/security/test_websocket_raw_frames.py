"""Raw hostile frames against a real daphne (`websockets` client): binary, invalid UTF-8, over
the size limit. The server answers or closes with a documented code, keeps serving, and its log
holds no traceback."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from llmgateway.services import api_key_create
from tests.helpers.websocket import ORIGIN

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
TIMEOUT_SECONDS = 10
MAX_MESSAGE_BYTES = 65_536  # our limit (WS_MAX_MESSAGE_BYTES) for this server
DAPHNE_MAX_MESSAGE_BYTES = 1_048_576  # daphne's own, at the WebSocket layer


@pytest.fixture
def live_process_env(live_process_env):
    return {**live_process_env, "WS_MAX_MESSAGE_BYTES": str(MAX_MESSAGE_BYTES)}


def _receive(websocket) -> dict:
    return json.loads(websocket.recv(timeout=TIMEOUT_SECONDS))


def _session_token(server_url: str, project) -> str:
    key = api_key_create(project=project, livemode=False)[1]
    response = httpx.post(
        f"{server_url}/v1/sessions",
        json={"customer": "raw_frames"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.text
    return response.json()["sessionToken"]


def _authenticated(ws_url: str, token: str):
    websocket = connect(ws_url + "/v1/ws", origin=ORIGIN, max_size=None)
    websocket.send(json.dumps({"type": "session.auth", "token": token}))
    assert _receive(websocket)["type"] == "session.ready"
    return websocket


def _still_serving(websocket) -> None:
    websocket.send(json.dumps({"type": "chat.cancel", "id": "probe"}))
    assert _receive(websocket)["error"]["code"] == "not_found"


def test_raw_hostile_frames_against_daphne(asgi_server, project):
    token = _session_token(asgi_server.url, project)

    with _authenticated(asgi_server.ws_url, token) as websocket:
        websocket.send(b"\x00\x01binary")
        assert _receive(websocket)["error"]["code"] == "invalid_request"
        _still_serving(websocket)

        websocket.send("x" * (MAX_MESSAGE_BYTES + 1))
        assert _receive(websocket)["error"]["code"] == "message_too_large"
        _still_serving(websocket)

        websocket.send("{" * 10_000)
        assert _receive(websocket)["error"]["code"] == "invalid_request"
        _still_serving(websocket)

    # Over daphne's own limit the WebSocket layer fails the connection before our code runs.
    with _authenticated(asgi_server.ws_url, token) as websocket:
        websocket.send("x" * (DAPHNE_MAX_MESSAGE_BYTES + 1))
        with pytest.raises(ConnectionClosed) as closed:
            websocket.recv(timeout=TIMEOUT_SECONDS)
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1009

    # A text frame that isn't UTF-8 is a protocol violation: the WebSocket layer closes with
    # 1007 (invalid payload) before our code sees it.
    with _authenticated(asgi_server.ws_url, token) as websocket:
        websocket.send(b"\xff\xfe{", text=True)
        with pytest.raises(ConnectionClosed) as closed:
            websocket.recv(timeout=TIMEOUT_SECONDS)
        assert closed.value.rcvd is None or closed.value.rcvd.code in (1002, 1007)

    # Before session.auth, garbage closes with 4401.
    with connect(asgi_server.ws_url + "/v1/ws", origin=ORIGIN) as websocket:
        websocket.send(b"\x00")
        assert _receive(websocket)["type"] == "error"
        with pytest.raises(ConnectionClosed) as closed:
            websocket.recv(timeout=TIMEOUT_SECONDS)
        assert closed.value.rcvd.code == 4401

    assert httpx.get(f"{asgi_server.url}/healthz").status_code == 200
    with _authenticated(asgi_server.ws_url, token) as websocket:
        _still_serving(websocket)
    log = asgi_server.log_text()
    assert "Traceback" not in log, log
