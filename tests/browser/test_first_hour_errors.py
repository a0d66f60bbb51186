"""The example page in Chromium when the gateway refuses: the page says the real reason.

Issue 20: a page on an origin the project doesn't allow showed "Failed to fetch" (the browser
hides the refused preflight's answer), and a blocked customer read "are you signed in?" while
the elements asked the backend for a session again and again.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.example_app import example_app, free_port
from tests.helpers.browser import screenshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BLOCKED_USER = "demo_0b10cced"  # the example's user ids: demo_ + 8 hex digits
BLOCKED_MESSAGE = "This account is blocked from using credits. Contact the app's support."
# Longer than the old reconnection's first three delays (0.5 + 1 + 2 s): a retry would show.
QUIET_SECONDS = 4


def _example(live_server_url, secret_key, celery_test_queue, tmp_path, *, allow: bool, project):
    port = free_port()
    if allow:
        project.allowed_origins = [*project.allowed_origins, f"http://127.0.0.1:{port}"]
        project.save(update_fields=["allowed_origins"])
    return example_app(
        live_server_url=live_server_url,
        secret_key=secret_key,
        queue=celery_test_queue,
        log_dir=tmp_path,
        port=port,
    )


def _count_requests(page) -> dict[str, int]:
    """How many session mints and gateway sockets the page attempted, as the browser saw it."""
    counts = {"session": 0, "websocket": 0}

    def request(request) -> None:
        if request.method == "POST" and request.url.endswith("/session"):
            counts["session"] += 1

    def websocket(_websocket) -> None:
        counts["websocket"] += 1

    page.on("request", request)
    page.on("websocket", websocket)
    return counts


@pytest.fixture
def disallowed_example_url(live_server_url, secret_key, project, tmp_path, celery_test_queue):
    with _example(
        live_server_url, secret_key, celery_test_queue, tmp_path, allow=False, project=project
    ) as origin:
        yield origin


@pytest.fixture
def allowed_example_url(live_server_url, secret_key, project, tmp_path, celery_test_queue):
    with _example(
        live_server_url, secret_key, celery_test_queue, tmp_path, allow=True, project=project
    ) as origin:
        yield origin


def test_a_page_on_a_disallowed_origin_says_which_origin_to_add(
    disallowed_example_url, browser_page, project
):
    page = browser_page
    assert disallowed_example_url not in project.allowed_origins
    counts = _count_requests(page)
    page.goto(disallowed_example_url)

    expected = (
        f"This page's origin {disallowed_example_url} is not allowed for this project: "
        "add it in the dashboard (Project → Allowed origins)."
    )
    notice = page.locator("llmgateway-provider").get_by_role("alert")
    expect(notice).to_have_text(expected)
    amount = page.locator("llmgateway-balance [part=amount]")
    expect(amount).to_have_text("unavailable")
    expect(amount).to_have_attribute("title", expected)
    expect(page.get_by_text("Failed to fetch")).to_have_count(0)
    screenshot(page, "elements-origin-not-allowed", for_docs=True)

    # A refused origin stays refused: nothing is asked again.
    page.wait_for_timeout(QUIET_SECONDS * 1000)
    assert counts == {"session": 1, "websocket": 1}, counts
    expect(notice).to_have_text(expected)


def test_a_blocked_customer_reads_why_and_the_session_is_asked_for_once(
    allowed_example_url, browser_page, project
):
    from sessions_app.services import customer_block
    from wallets import services as wallet_services

    customer, _ = wallet_services.customer_get_or_create(
        project_id=project.pk, livemode=False, external_id=BLOCKED_USER
    )
    customer_block(customer=customer)
    page = browser_page
    page.context.add_cookies(
        [{"name": "demo_user", "value": BLOCKED_USER, "url": allowed_example_url}]
    )
    counts = _count_requests(page)
    session_answers = []
    page.on(
        "response",
        lambda response: response.url.endswith("/session") and session_answers.append(response),
    )
    page.goto(allowed_example_url)
    expect(page.get_by_text(f"Signed in as {BLOCKED_USER}")).to_be_visible()

    notice = page.locator("llmgateway-provider").get_by_role("alert")
    expect(notice).to_have_text(BLOCKED_MESSAGE)
    expect(page.locator("llmgateway-balance [part=amount]")).to_have_text("unavailable")
    expect(page.get_by_text("are you signed in?")).to_have_count(0)
    # The example backend passed the gateway's refusal through: status and code.
    assert session_answers[0].status == 403
    assert session_answers[0].json()["error"]["code"] == "customer_blocked"
    screenshot(page, "elements-customer-blocked", for_docs=True)

    page.wait_for_timeout(QUIET_SECONDS * 1000)
    assert counts["session"] == 1, counts
    assert counts["websocket"] == 0, counts  # no session, so no socket was ever opened

    # Sending a message asks once more (the user acted); the reason shows once, above, and the
    # message goes back in the box.
    chat = page.locator("llmgateway-chat")
    chat.get_by_label("Message").fill("Hello?")
    with page.expect_response(lambda response: response.url.endswith("/session")):
        chat.get_by_role("button", name="Send").click()
    expect(chat.get_by_label("Message")).to_have_value("Hello?")
    expect(chat.get_by_role("button", name="Send")).to_be_enabled()
    expect(page.get_by_text(BLOCKED_MESSAGE)).to_have_count(1)
    expect(chat.locator("[part=error]")).to_be_hidden()
    assert counts["session"] == 2, counts
