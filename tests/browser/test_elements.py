"""The Web Components in Chromium: the embeddable-credits example against a live gateway.

The example's own backend (examples/embeddable_credits/server.py) runs as a real process on a
free port and mints sessions with the Python server SDK; the page loads elements.js from the
live daphne. Nothing between the browser and the gateway is faked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from llmgateway.money import usd_to_nanos
from tests.browser.example_app import example_app, free_port
from tests.helpers.browser import screenshot
from tests.helpers.money import assert_ledger_ok

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NET_CREDIT = "8.333333333"  # $10 at the project's 20 % markup
QUESTION = "Hello from Chromium, how are the credits today"


@pytest.fixture
def live_process_env(live_process_env):
    # Slow enough that the test can see the answer arrive word by word.
    return {**live_process_env, "TEST_MODEL_STREAM_DELAY_SECONDS": "0.05"}


@pytest.fixture
def example_url(live_server_url, secret_key, project, tmp_path, celery_test_queue):
    port = free_port()
    # Before the browser's first request: the gateway then answers this origin's CORS.
    project.allowed_origins = [*project.allowed_origins, f"http://127.0.0.1:{port}"]
    project.save(update_fields=["allowed_origins"])
    with example_app(
        live_server_url=live_server_url,
        secret_key=secret_key,
        queue=celery_test_queue,
        log_dir=tmp_path,
        port=port,
    ) as origin:
        yield origin


def _balance_frames(page) -> list[str]:
    """Every wallet.balance push the page's WebSocket receives."""
    balances: list[str] = []

    def watch(websocket) -> None:
        def received(payload) -> None:
            message = json.loads(payload) if isinstance(payload, str) else {}
            if message.get("type") == "wallet.balance":
                balances.append(message["balance"])

        websocket.on("framereceived", received)

    page.on("websocket", watch)
    return balances


def _wallet_of_the_page(project):
    from wallets.models import Wallet

    return Wallet.objects.get(customer__project=project, customer__external_id__startswith="demo_")


def test_buy_credits_then_chat_streams_and_shows_its_cost(example_url, browser_page, project):
    page = browser_page
    pushes = _balance_frames(page)
    page.goto(example_url)
    balance = page.locator("llmgateway-balance")
    chat = page.locator("llmgateway-chat")
    page.wait_for_function("document.querySelector('llmgateway-balance').dataset.balance")
    assert balance.get_attribute("data-balance") == "0.00"
    assert balance.get_by_role("status").inner_text().endswith("$0.00")

    # An empty wallet: the message comes back with a prompt to buy credits.
    chat.get_by_label("Message").fill(QUESTION)
    chat.get_by_role("button", name="Send").click()
    prompt = chat.locator("[part=prompt]")
    prompt.get_by_text("Your balance is too low").wait_for()
    assert chat.get_by_label("Message").input_value() == QUESTION
    assert chat.locator(".message").count() == 0
    screenshot(page, "elements-insufficient-balance", for_docs=True)

    # The simulated card form inside the prompt; the push moves the balance.
    prompt.get_by_role("button", name="Buy $10.00 of credits").click()
    prompt.get_by_label("Card number").wait_for()
    summary = prompt.locator("[part=card-form] [part=summary]")
    assert summary.inner_text() == "You pay $10.00; you get $8.333333333 of credit."
    screenshot(page, "elements-simulated-card", for_docs=True)
    prompt.get_by_role("button", name="Pay $10.00").click()
    page.wait_for_function(
        f"document.querySelector('llmgateway-balance').dataset.balance === '{NET_CREDIT}'"
    )
    assert NET_CREDIT in pushes, f"no wallet.balance push with the credit: {pushes}"
    assert balance.get_by_role("status").inner_text().endswith("$8.333333333")
    prompt.wait_for(state="hidden")
    assert _wallet_of_the_page(project).balance_nanos == usd_to_nanos(NET_CREDIT)

    # The same message again: the answer streams in, then its cost shows.
    chat.get_by_role("button", name="Send").click()
    page.wait_for_function(
        """(full) => {
            const chat = document.querySelector('llmgateway-chat').shadowRoot;
            const text = chat.querySelector('.message.assistant .text')?.textContent || '';
            return chat.querySelector('.log').getAttribute('aria-busy') === 'true'
                && text.length > 0 && text.length < full.length;
        }""",
        arg=QUESTION,
    )
    answer = chat.locator(".message.assistant .text")
    chat.locator("[part=cost]").filter(has_text="Cost $").wait_for()
    assert answer.inner_text() == QUESTION
    cost_text = chat.locator("[part=cost]").inner_text()
    cost = re.search(r"Cost \$([0-9.]+)", cost_text).group(1)
    assert usd_to_nanos(cost) > 0
    wallet = _wallet_of_the_page(project)
    assert wallet.balance_nanos == usd_to_nanos(NET_CREDIT) - usd_to_nanos(cost)
    assert chat.locator(".message.assistant [part=message-cost]").inner_text() == f"${cost}"
    screenshot(page, "elements-chat", for_docs=True)
    unexpected = [error for error in page.console_errors if "status of 402" not in error]
    assert unexpected == [], unexpected
    assert_ledger_ok()


def test_a_declined_card_credits_nothing_and_the_keyboard_drives_the_form(
    example_url, browser_page, project
):
    page = browser_page
    page.goto(example_url)
    aside = page.get_by_role("complementary", name="Credits")
    buy = aside.get_by_role("button", name="Buy $10.00 of credits")
    buy.focus()
    page.keyboard.press("Enter")
    card = aside.get_by_label("Card number")
    card.wait_for()
    page.wait_for_function(
        "document.activeElement?.shadowRoot?.activeElement?.name === 'card'"
    )  # focus moved into the form
    page.keyboard.press("Escape")
    aside.get_by_text("Payment cancelled.").wait_for()
    card.wait_for(state="hidden")

    buy.click()
    card.fill("4000 0000 0000 0002")
    card.press("Enter")
    aside.get_by_role("alert").filter(has_text=re.compile("decline", re.IGNORECASE)).wait_for()
    page.wait_for_function("document.querySelector('llmgateway-balance').dataset.balance")
    assert page.locator("llmgateway-balance").get_attribute("data-balance") == "0.00"
    assert _wallet_of_the_page(project).balance_nanos == 0
    from billing.models import TopUp

    # The cancelled form left its top-up pending (never paid); the declined one failed.
    assert sorted(TopUp.objects.values_list("status", flat=True)) == ["failed", "pending"]
    assert_ledger_ok()


def test_the_platform_serves_the_sdk_to_other_origins(live_server_url):
    import httpx

    for name in ("client.js", "elements.js", "elements-style.js", "react.js"):
        response = httpx.get(f"{live_server_url}/static/llmgateway/{name}")
        assert response.status_code == 200, name
        assert response.headers["access-control-allow-origin"] == "*"
        assert "javascript" in response.headers["content-type"]
        assert response.content == (Path(settings.BASE_DIR) / "sdk/js/static" / name).read_bytes()
