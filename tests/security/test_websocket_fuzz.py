"""The WebSocket protocol under malformed and hostile frames (hypothesis through the real ASGI
application): the server never crashes, answers with the documented error codes and close
codes, and never sends a traceback."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.money import USD
from tests.helpers.websocket import connect

pytestmark = pytest.mark.django_db(transaction=True)

# What a well-formed-but-wrong message may be answered with; `internal_error` would mean an
# exception the consumer did not expect.
DOCUMENTED_ERROR_CODES = {
    "invalid_request",
    "not_found",
    "model_not_allowed",
    "rate_limited",
    "message_too_large",
    "insufficient_balance",
    "spend_cap_exceeded",
    "invalid_api_key",
    "authentication_required",
}
TRACEBACK_MARKERS = ("Traceback", 'File "', "line ", "Error(")
FUZZ_SETTINGS = settings(
    max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
message_types = st.one_of(
    st.sampled_from(["chat.request", "chat.cancel", "session.auth", "wallet.balance", ""]),
    st.text(max_size=20),
)


@st.composite
def protocol_messages(draw) -> Any:
    """A message with a known or unknown type and any JSON (often the wrong type) in its fields;
    sometimes not an object at all, or with a type that isn't a string."""
    shape = draw(st.sampled_from(["message", "message", "message", "not_an_object", "bad_type"]))
    if shape == "not_an_object":
        return draw(st.one_of(json_scalars, st.lists(json_values, max_size=3)))
    message: dict[str, Any] = {"type": draw(message_types)}
    if shape == "bad_type":
        message["type"] = draw(st.one_of(st.none(), st.integers(), st.lists(json_scalars)))
    fields = st.sampled_from(
        ["id", "model", "messages", "max_tokens", "stream", "token", "temperature", "n"]
    )
    for name in draw(st.lists(fields, max_size=5, unique=True)):
        message[name] = draw(
            st.one_of(json_values, st.sampled_from(["test/echo", "test/lorem", "c1"]))
        )
    return message


def _assert_clean_error(message: dict) -> None:
    assert message["type"] == "error", message
    assert set(message["error"]) == {"code", "message"}, message
    assert message["error"]["code"] in DOCUMENTED_ERROR_CODES, message
    text = json.dumps(message)
    assert not any(marker in text for marker in TRACEBACK_MARKERS), message


async def _answer_to(socket, message: Any) -> dict:
    """Send, then read until the error or chat.done that ends this message's exchange."""
    await socket.send_text(json.dumps(message))
    while True:
        reply = await socket.receive()
        if reply["type"] in ("error", "chat.done"):
            return reply
        assert reply["type"] == "chat.delta", reply


async def _still_serving(socket) -> None:
    """The socket still answers: a cancel of an unknown chat is a `not_found` error."""
    await socket.send({"type": "chat.cancel", "id": "probe-unknown"})
    reply = await socket.receive()
    assert reply["error"]["code"] == "not_found", reply


@pytest.fixture
def ws_token(funded_session) -> str:
    return funded_session(balance_nanos=50 * USD)[1]


@pytest.mark.slow  # hypothesis over a transactional database: minutes; the full suite runs it
def test_authenticated_socket_survives_any_sequence_of_messages(ws_token):
    @FUZZ_SETTINGS
    @given(messages=st.lists(protocol_messages(), min_size=1, max_size=6))
    def run(messages):
        async_to_sync(_exchange)(messages)

    async def _exchange(messages):
        async with connect(token=ws_token) as socket:
            for message in messages:
                reply = await _answer_to(socket, message)
                if reply["type"] == "error":
                    _assert_clean_error(reply)
            await _still_serving(socket)

    run()


@pytest.mark.slow  # hypothesis over a transactional database: minutes; the full suite runs it
def test_anything_but_session_auth_first_is_an_error_then_4401():
    @FUZZ_SETTINGS
    @given(message=protocol_messages())
    def run(message):
        if isinstance(message, dict) and message.get("type") == "session.auth":
            message["token"] = message.get("token") or "es_test_not-a-token"
        async_to_sync(_first)(message)

    async def _first(message):
        async with connect() as socket:
            await socket.send_text(json.dumps(message))
            _assert_clean_error(await socket.receive())
            assert await socket.closed() == 4401

    run()


@pytest.mark.parametrize(
    "frame",
    [
        {"bytes_data": b'{"type": "session.auth"}'},
        {"bytes_data": b"\xff\xfe\x00"},
        {"text_data": "{not json"},
        {"text_data": " "},
        {"text_data": "null"},
        {"text_data": '"session.auth"'},
        {"text_data": "[1, 2]"},
        {"text_data": '{"type": "chat.request", "id": "a", "id": ' + "9" * 5000 + "}"},
        {"text_data": "[" * 100_000 + "]" * 100_000},
    ],
)
def test_malformed_frames_after_auth_are_errors_and_the_socket_stays_open(ws_token, frame):
    async def run():
        async with connect(token=ws_token) as socket:
            await socket.communicator.send_to(**frame)
            _assert_clean_error(await socket.receive())
            await _still_serving(socket)

    async_to_sync(run)()


@pytest.mark.parametrize(
    "frame", [{"bytes_data": b"\x00\x01"}, {"text_data": "{"}, {"text_data": "[" * 100_000}]
)
def test_malformed_frames_before_auth_close_with_4401(db, frame):
    async def run():
        async with connect() as socket:
            await socket.communicator.send_to(**frame)
            _assert_clean_error(await socket.receive())
            assert await socket.closed() == 4401

    async_to_sync(run)()


@pytest.mark.parametrize("filler", ["a", "é", "😀"])
def test_a_message_over_the_limit_is_refused_and_the_socket_stays_open(ws_token, settings, filler):
    settings.WS_MAX_MESSAGE_BYTES = 4096
    content = filler * (4096 // len(filler.encode()) + 1)

    async def run():
        async with connect(token=ws_token) as socket:
            reply = await _answer_to(
                socket,
                {"type": "chat.request", "id": "big", "model": "test/echo",
                 "messages": [{"role": "user", "content": content}]},
            )  # fmt: skip
            assert reply["error"]["code"] == "message_too_large"
            await _still_serving(socket)

    async_to_sync(run)()


def test_auth_twice_is_an_error_and_keeps_the_first_session(ws_token, funded_session):
    _, other_token = funded_session(balance_nanos=USD, external_id="someone_else")

    async def run():
        async with connect(token=ws_token) as socket:
            for token in (ws_token, other_token, "es_test_bogus"):
                reply = await _answer_to(socket, {"type": "session.auth", "token": token})
                assert reply["error"]["code"] == "invalid_request"
            await _still_serving(socket)

    async_to_sync(run)()
