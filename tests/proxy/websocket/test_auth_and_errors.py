"""session.auth and the protocol's errors: bad tokens, origins, malformed and unknown messages."""

import pytest

from llmgateway.money import nanos_to_usd
from tests.helpers.money import USD
from tests.helpers.websocket import connect, db_call, run_async

pytestmark = pytest.mark.django_db(transaction=True)


@run_async
async def test_session_auth_answers_ready_with_wallet_and_balance(mint):
    session, token = await mint(balance_nanos=3 * USD)

    async with connect() as socket:
        ready = await socket.auth(token)

    assert ready["walletId"] == session.wallet_id
    assert ready["balance"] == nanos_to_usd(3 * USD) == "3.00"
    assert ready["expiresAt"].endswith("Z")


@run_async
async def test_a_socket_without_origin_header_may_authenticate(mint):
    _, token = await mint()
    async with connect(origin=None) as socket:
        assert (await socket.auth(token))["type"] == "session.ready"


@pytest.mark.parametrize(
    "token", ["es_test_notarealtoken000000000000000000000000000000000", "sk_test_abc", "", 42]
)
@run_async
async def test_bad_token_is_an_error_then_close_4401(token):
    async with connect() as socket:
        await socket.send({"type": "session.auth", "token": token})
        error = await socket.receive()
        assert error["type"] == "error" and error["error"]["code"] == "invalid_api_key"
        assert error["error"]["message"]
        assert await socket.closed() == 4401


@run_async
async def test_secret_key_cannot_open_a_socket(secret_key):
    async with connect() as socket:
        await socket.send({"type": "session.auth", "token": secret_key})
        assert (await socket.receive())["error"]["code"] == "invalid_api_key"
        assert await socket.closed() == 4401


@run_async
async def test_disallowed_origin_is_refused_with_4403(mint):
    _, token = await mint()
    async with connect(origin="https://evil.example") as socket:
        await socket.send({"type": "session.auth", "token": token})
        error = await socket.receive()
        assert error["error"]["code"] == "origin_not_allowed"
        assert await socket.closed() == 4403


@run_async
async def test_expired_session_token_is_refused_with_4401(mint):
    from django.utils import timezone

    from sessions_app.models import EmbeddedSession

    session, token = await mint()
    await db_call(EmbeddedSession.objects.filter(pk=session.pk).update, expires_at=timezone.now())
    async with connect() as socket:
        await socket.send({"type": "session.auth", "token": token})
        assert (await socket.receive())["error"]["code"] == "session_expired"
        assert await socket.closed() == 4401


@run_async
async def test_messages_before_auth_close_with_4401(mint):
    async with connect() as socket:
        await socket.chat("c1", model="test/echo", messages=[{"role": "user", "content": "hi"}])
        error = await socket.receive()
        assert error["type"] == "error" and error["error"]["code"] == "authentication_required"
        assert await socket.closed() == 4401


@run_async
async def test_malformed_json_before_auth_closes_with_4401():
    async with connect() as socket:
        await socket.send_text("{not json")
        assert (await socket.receive())["error"]["code"] == "invalid_request"
        assert await socket.closed() == 4401


@run_async
async def test_no_auth_in_time_closes_with_4401(settings):
    settings.WS_AUTH_TIMEOUT_SECONDS = 0.2
    async with connect() as socket:
        error = await socket.receive()
        assert error["error"]["code"] == "authentication_required"
        assert await socket.closed() == 4401


@run_async
async def test_malformed_json_is_an_error_and_the_socket_stays_usable(mint):
    _, token = await mint()
    async with connect(token=token) as socket:
        await socket.send_text("{not json")
        error = await socket.receive()
        assert error == {
            "type": "error",
            "error": {"code": "invalid_request", "message": "The message is not valid JSON."},
        }
        for text in ("[1, 2]", '{"no": "type"}', '{"type": 5}'):
            await socket.send_text(text)
            assert (await socket.receive())["error"]["code"] == "invalid_request"
        await socket.chat("c1", model="test/echo", messages=[{"role": "user", "content": "ok"}])
        done = (await socket.receive_until("chat.done"))[-1]
        assert done["id"] == "c1"


@run_async
async def test_binary_frames_are_refused(mint):
    _, token = await mint()
    async with connect(token=token) as socket:
        await socket.communicator.send_to(bytes_data=b"\x00\x01")
        assert (await socket.receive())["error"]["code"] == "invalid_request"


@run_async
async def test_unknown_message_type_is_an_error(mint):
    _, token = await mint()
    async with connect(token=token) as socket:
        await socket.send({"type": "chat.teleport", "id": "x"})
        error = await socket.receive()
        assert error["error"] == {
            "code": "invalid_request",
            "message": "Unknown message type 'chat.teleport'.",
        }
        assert await socket.nothing_more()


@run_async
async def test_second_session_auth_is_an_error(mint):
    _, token = await mint()
    async with connect(token=token) as socket:
        await socket.send({"type": "session.auth", "token": token})
        assert (await socket.receive())["error"]["code"] == "invalid_request"


@run_async
async def test_oversize_message_is_refused_and_the_socket_stays_open(settings, mint):
    settings.WS_MAX_MESSAGE_BYTES = 1000
    _, token = await mint()
    async with connect(token=token) as socket:
        big = "é" * 600  # 600 characters, 1200 bytes in UTF-8
        await socket.chat("big", model="test/echo", messages=[{"role": "user", "content": big}])
        error = await socket.receive()
        assert error["type"] == "error" and error["error"]["code"] == "message_too_large"
        await socket.chat("ok", model="test/echo", messages=[{"role": "user", "content": "hi"}])
        assert (await socket.receive_until("chat.done"))[-1]["id"] == "ok"


@run_async
async def test_oversize_first_message_closes_with_4401(settings):
    settings.WS_MAX_MESSAGE_BYTES = 100
    async with connect() as socket:
        await socket.send({"type": "session.auth", "token": "es_test_" + "x" * 200})
        assert (await socket.receive())["error"]["code"] == "message_too_large"
        assert await socket.closed() == 4401


@run_async
async def test_chat_request_errors_carry_the_request_id(mint):
    _, token = await mint(models=["test/echo"])
    messages = [{"role": "user", "content": "hi"}]
    async with connect(token=token) as socket:
        await socket.chat("m1", model="test/lorem", messages=messages)
        error = await socket.receive()
        assert (error["id"], error["error"]["code"]) == ("m1", "model_not_allowed")

        await socket.chat("m2", model="test/echo", messages=[])
        assert (await socket.receive())["error"]["code"] == "invalid_request"

        await socket.chat("m3", model="test/nope", messages=messages)
        assert (await socket.receive())["error"]["code"] == "not_found"

        await socket.send({"type": "chat.request", "model": "test/echo", "messages": messages})
        error = await socket.receive()
        assert "id" not in error and error["error"]["code"] == "invalid_request"

        await socket.send({"type": "chat.cancel", "id": "never"})
        error = await socket.receive()
        assert (error["id"], error["error"]["code"]) == ("never", "not_found")


@run_async
async def test_insufficient_balance_is_an_error_before_any_output(mint):
    _, token = await mint(balance_nanos=1)
    async with connect(token=token) as socket:
        await socket.chat(
            "poor", model="test/lorem", messages=[{"role": "user", "content": "hi"}], max_tokens=500
        )
        error = await socket.receive()
        assert (error["type"], error["id"], error["error"]["code"]) == (
            "error",
            "poor",
            "insufficient_balance",
        )
