"""The Next.js example (examples/nextjs-embeddable-credits) in Chromium against a live gateway:
`next build` (once per change, conftest.py) then `next start` as a real process with the two
variables its README names; the page's session route mints with @llmgateway-sdk/server and the
page is @llmgateway-sdk/elements. Buy credits with the simulated provider, chat, see the cost
and the balance move, and keep chatting after the session expired (the client gets a new one
from the route by itself)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

import pytest

from llmgateway.money import nanos_to_usd, usd_to_nanos
from tests.browser.example_app import free_port
from tests.helpers.browser import screenshot
from tests.helpers.live import LiveProcess, child_environment
from tests.helpers.money import assert_ledger_ok

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NET_CREDIT = "8.333333333"  # $10 at the project's 20 % markup
NEXT_START_TIMEOUT_SECONDS = 60


@pytest.fixture
def nextjs_url(
    nextjs_example_build, live_server_url, secret_key, project, tmp_path, celery_test_queue
) -> Iterator[str]:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    project.allowed_origins = [*project.allowed_origins, origin]
    project.save(update_fields=["allowed_origins"])
    env = child_environment(
        {
            "LLMGATEWAY_SECRET_KEY": secret_key,
            "LLMGATEWAY_URL": live_server_url,
            "NEXT_TELEMETRY_DISABLED": "1",
        },
        queue=celery_test_queue,
        eager=True,
    )
    next_bin = nextjs_example_build / "node_modules" / ".bin" / "next"
    process = LiveProcess(
        argv=[
            str(next_bin),
            "start",
            str(nextjs_example_build),
            "-H",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=env,
        log_path=tmp_path / "next.log",
        name="next start",
    )
    process.start(ready=re.compile(r"Ready in"), timeout=NEXT_START_TIMEOUT_SECONDS)
    try:
        yield origin
    finally:
        process.stop()


def _wallet_of_the_page(project):
    from wallets.models import Wallet

    return Wallet.objects.get(customer__project=project, customer__external_id__startswith="demo_")


def _chat_and_read_the_cost(page, question: str) -> str:
    chat = page.locator("llmgateway-chat")
    before = chat.locator(".message.assistant").count()
    chat.get_by_label("Message").fill(question)
    chat.get_by_role("button", name="Send").click()
    answer = chat.locator(".message.assistant").nth(before)
    answer.locator("[part=message-cost]").filter(has_text="$").wait_for()
    assert answer.locator(".text").inner_text() == question  # test/echo says it back
    return answer.locator("[part=message-cost]").inner_text().removeprefix("$")


def test_buy_credits_chat_and_keep_chatting_after_the_session_expired(
    nextjs_url, browser_page, project
):
    from sessions_app.models import EmbeddedSession

    page = browser_page
    page.goto(nextjs_url)
    page.wait_for_function("document.querySelector('llmgateway-balance')?.dataset.balance")
    balance = page.locator("llmgateway-balance")
    assert balance.get_attribute("data-balance") == "0.00"
    assert page.locator("llmgateway-provider").get_by_text("Test mode").is_visible()

    # Buy $10 with the simulated card; the balance moves by itself (the socket's push).
    page.locator("llmgateway-buy-credits").get_by_role(
        "button", name="Buy $10.00 of credits"
    ).click()
    page.get_by_label("Card number").wait_for()
    page.get_by_role("button", name="Pay $10.00").click()
    page.wait_for_function(
        f"document.querySelector('llmgateway-balance').dataset.balance === '{NET_CREDIT}'"
    )
    assert balance.get_by_role("status").inner_text().endswith(f"${NET_CREDIT}")
    assert _wallet_of_the_page(project).balance_nanos == usd_to_nanos(NET_CREDIT)

    # Chat: the answer streams in, its cost shows, the balance drops by exactly that.
    cost = _chat_and_read_the_cost(page, "Hello from the Next.js example")
    assert usd_to_nanos(cost) > 0
    after_first = usd_to_nanos(NET_CREDIT) - usd_to_nanos(cost)
    assert _wallet_of_the_page(project).balance_nanos == after_first
    footer = page.locator("llmgateway-chat").locator("[part=cost]").inner_text()
    assert footer.startswith(f"Cost ${cost} · balance $"), footer
    assert usd_to_nanos(footer.rpartition("$")[2].replace(",", "")) == after_first
    screenshot(page, "nextjs-example-chat")

    # The session expires: the next message still goes through, on a session the client got
    # from the example's route by itself.
    (first_session,) = EmbeddedSession.objects.filter(customer__project=project)
    EmbeddedSession.objects.filter(pk=first_session.pk).update(
        expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)
    )
    second_cost = _chat_and_read_the_cost(page, "Still there after the session expired")
    sessions = EmbeddedSession.objects.filter(customer__project=project).order_by("created_at")
    assert sessions.count() == 2
    assert sessions.last().wallet_id == first_session.wallet_id
    final = after_first - usd_to_nanos(second_cost)
    assert _wallet_of_the_page(project).balance_nanos == final
    page.wait_for_function(
        "(usd) => document.querySelector('llmgateway-balance').dataset.balance === usd",
        arg=nanos_to_usd(final),
    )
    unexpected = [error for error in page.console_errors if "status of 401" not in error]
    assert unexpected == [], unexpected
    assert_ledger_ok()
