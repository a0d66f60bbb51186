"""The transfer task in a real Celery worker process: killed (SIGKILL) mid-transfer and
restarted, it makes exactly one transfer; transient Stripe failures are retried with backoff
under the same idempotency key."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from payouts import services
from payouts.models import Payout
from tests.fakes.stripe_connect_server import SERVER_ERROR
from tests.helpers.money import USD, assert_ledger_ok
from tests.helpers.payouts import STRIPE_LIVE_SECRET_KEY, margin_earn, onboard
from wallets.selectors import organization_balance

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# The broker hands an unacknowledged task to a worker again this long after it was taken.
VISIBILITY_TIMEOUT_SECONDS = 2


@pytest.fixture
def live_process_env(fake_openai_server, stripe_connect_server):
    return {
        "STRIPE_LIVE_SECRET_KEY": STRIPE_LIVE_SECRET_KEY,
        "STRIPE_API_BASE": stripe_connect_server.base_url,
        "CELERY_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_TIMEOUT_SECONDS),
    }


def wait_until(condition: Callable[[], bool], *, timeout: float, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {message}")
        time.sleep(0.1)


def _status(payout_id: str) -> str:
    return Payout.objects.get(pk=payout_id).status


def test_worker_killed_between_reserve_and_transfer_answer_makes_one_transfer(
    organization, stripe_connect, celery_worker_process
):
    onboard(organization, stripe_connect)
    margin_earn(organization, 50 * USD)
    # Stripe makes the transfer, then the worker dies before it hears back.
    stripe_connect.hang_after_create()

    payout, _ = services.payout_request(organization_id=organization.pk, livemode=True)
    assert stripe_connect.hang_started.wait(timeout=30), celery_worker_process.log_text()[-3000:]
    celery_worker_process.kill()
    stripe_connect.release_hangs()
    assert _status(payout.pk) == "processing"
    assert stripe_connect.transfers_for_key(payout.pk) == 1

    time.sleep(VISIBILITY_TIMEOUT_SECONDS + 0.5)
    celery_worker_process.start()  # takes the unacknowledged task back from the broker
    wait_until(
        lambda: _status(payout.pk) == "paid",
        timeout=30,
        message=celery_worker_process.log_text()[-3000:],
    )

    payout.refresh_from_db()
    assert stripe_connect.transfers_for_key(payout.pk) == 1
    assert list(stripe_connect.transfers) == [payout.transfer_id]
    assert payout.transfer_attempts == 2
    balance = organization_balance(organization_id=organization.pk, livemode=True)
    assert (
        balance.margin_available_nanos,
        balance.margin_reserved_nanos,
        balance.margin_paid_nanos,
    ) == (0, 0, 50 * USD)
    assert_ledger_ok()


def test_worker_retries_transient_failures_with_backoff_and_the_same_key(
    organization, stripe_connect, celery_worker_process
):
    onboard(organization, stripe_connect)
    margin_earn(organization, 20 * USD)
    # stripe-python tries three times per run; the worker's first retry gets two more failures.
    stripe_connect.fail(SERVER_ERROR, times=5)

    payout, _ = services.payout_request(organization_id=organization.pk, livemode=True)
    wait_until(
        lambda: _status(payout.pk) == "paid",
        timeout=60,
        message=celery_worker_process.log_text()[-3000:],
    )

    payout.refresh_from_db()
    transfer_posts = [
        r for r in stripe_connect.requests if (r.method, r.path) == ("POST", "/v1/transfers")
    ]
    assert [r.outcome for r in transfer_posts] == ["server_error"] * 5 + ["ok"]
    assert {r.idempotency_key for r in transfer_posts} == {payout.pk}
    assert stripe_connect.transfers_for_key(payout.pk) == 1
    assert payout.transfer_attempts == 2
    assert "retry" in celery_worker_process.log_text().lower()
    assert_ledger_ok()
