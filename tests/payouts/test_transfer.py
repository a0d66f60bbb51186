"""The transfer task against the fake: paid, definitively refused (reservation released to the
nano), transient failures retried under the same key, re-drives, cancel and retry."""

from __future__ import annotations

import pytest

from billing.models import DeveloperWebhookEndpoint, WebhookEvent
from llmgateway.errors import ApiError
from payouts import periodic, services, tasks
from payouts.models import Payout
from tests.fakes.stripe_connect_server import (
    CONNECTION_RESET,
    DECLINED,
    DROP_AFTER_CREATE,
    SERVER_ERROR,
)
from tests.helpers.money import USD, assert_ledger_ok
from wallets.selectors import organization_balance

EARNED = 100 * USD + 5_000_000


def _figures(organization) -> tuple[int, int, int]:
    balance = organization_balance(organization_id=organization.pk, livemode=True)
    return (
        balance.margin_available_nanos,
        balance.margin_reserved_nanos,
        balance.margin_paid_nanos,
    )


def _reserve(organization, amount_nanos=None) -> Payout:
    """A pending payout whose transfer task has not run (it is queued on commit)."""
    payout, created = services.payout_request(
        organization_id=organization.pk, livemode=True, amount_nanos=amount_nanos
    )
    assert created
    return payout


@pytest.fixture
def webhook_endpoint(project):
    # Written directly: registering would resolve the host name (no DNS here); deliveries are
    # queued on commit, which these tests' transactions never reach.
    return DeveloperWebhookEndpoint.objects.create(
        project=project, livemode=True, url="https://hooks.example/payouts"
    )


def test_reservation_moves_margin_to_reserved(organization, earned):
    payout = _reserve(organization, 30 * USD)

    assert payout.status == "pending"
    assert _figures(organization) == (EARNED - 30 * USD, 30 * USD, 0)
    assert_ledger_ok()


def test_transfer_success_pays_and_emits_payout_paid(
    organization, earned, stripe_connect, webhook_endpoint, project
):
    payout = _reserve(organization)

    assert tasks.payout_transfer.delay(payout_id=payout.pk).get() == "paid"

    payout.refresh_from_db()
    assert payout.status == "paid"
    assert payout.transfer_id in stripe_connect.transfers
    assert payout.transfer_attempts == 1
    assert _figures(organization) == (5_000_000, 0, 100 * USD)
    event = WebhookEvent.objects.get(type="payout.paid")
    assert (event.project_id, event.livemode) == (project.pk, True)
    assert event.data["id"] == payout.pk
    assert (event.data["status"], event.data["amount"]) == ("paid", "100.00")
    assert event.data["transferId"] == payout.transfer_id
    assert_ledger_ok()


@pytest.mark.parametrize(
    ("status", "code"), [(400, "balance_insufficient"), (402, "card_declined")]
)
def test_definitive_failure_releases_the_reservation_to_the_nano(
    organization, earned, stripe_connect, webhook_endpoint, status, code
):
    payout = _reserve(organization, 33 * USD + 330_000_000)
    stripe_connect.fail(DECLINED, status=status, code=code)

    assert tasks.payout_transfer.delay(payout_id=payout.pk).get() == "failed"

    payout.refresh_from_db()
    assert payout.status == "failed"
    assert payout.failure_code == code
    assert payout.failure_message
    assert payout.transfer_id == ""
    assert _figures(organization) == (EARNED, 0, 0)
    assert stripe_connect.transfers == {}
    event = WebhookEvent.objects.get(type="payout.failed")
    assert event.data["failureMessage"] == payout.failure_message
    assert not WebhookEvent.objects.filter(type="payout.paid").exists()
    assert_ledger_ok()


def test_transient_failures_retry_with_the_same_key_and_pay_once(
    organization, earned, stripe_connect
):
    """Inline (no broker) the task gives up after stripe-python's own retries and leaves the
    payout processing; run again (by the sweep) it pays once. With a worker, Celery retries it
    with backoff: tests/payouts/test_live_worker.py."""
    payout = _reserve(organization)
    stripe_connect.fail(SERVER_ERROR, times=2)
    stripe_connect.fail(CONNECTION_RESET, times=2)

    assert tasks.payout_transfer.delay(payout_id=payout.pk).get() is None
    assert Payout.objects.get(pk=payout.pk).status == "processing"
    assert _figures(organization) == (5_000_000, 100 * USD, 0)
    assert tasks.payout_transfer.delay(payout_id=payout.pk).get() == "paid"

    payout.refresh_from_db()
    assert payout.transfer_attempts == 2
    transfer_posts = [
        r for r in stripe_connect.requests if (r.method, r.path) == ("POST", "/v1/transfers")
    ]
    assert [r.outcome for r in transfer_posts] == [
        "server_error",
        "server_error",
        "connection_reset",
        "connection_reset",
        "ok",
    ]
    assert {r.idempotency_key for r in transfer_posts} == {payout.pk}
    assert stripe_connect.transfers_for_key(payout.pk) == 1
    assert len(stripe_connect.transfers) == 1
    assert _figures(organization) == (5_000_000, 0, 100 * USD)
    assert_ledger_ok()


def test_answer_lost_after_the_transfer_was_made_is_paid_once(organization, earned, stripe_connect):
    payout = _reserve(organization)
    stripe_connect.fail(DROP_AFTER_CREATE)

    tasks.payout_transfer.delay(payout_id=payout.pk)

    payout.refresh_from_db()
    assert payout.status == "paid"
    assert stripe_connect.transfers_for_key(payout.pk) == 1
    assert list(stripe_connect.transfers) == [payout.transfer_id]
    assert_ledger_ok()


def test_a_payout_left_processing_is_paid_once_when_run_again(organization, earned, stripe_connect):
    payout = _reserve(organization)
    stripe_connect.fail(SERVER_ERROR, times=3)
    with pytest.raises(services.PayoutTransferPending):
        services.payout_transfer_execute(payout_id=payout.pk)
    assert Payout.objects.get(pk=payout.pk).status == "processing"
    assert _figures(organization) == (5_000_000, 100 * USD, 0)

    services.payout_transfer_execute(payout_id=payout.pk)
    services.payout_transfer_execute(payout_id=payout.pk)  # a duplicate: nothing to do

    payout.refresh_from_db()
    assert (payout.status, payout.transfer_attempts) == ("paid", 2)
    assert len(stripe_connect.transfers) == 1
    assert _figures(organization) == (5_000_000, 0, 100 * USD)
    assert_ledger_ok()


def test_re_drive_finds_a_transfer_stripe_made_under_a_forgotten_key(
    organization, earned, stripe_connect
):
    """Stripe forgets idempotency keys after 24 hours: a re-drive looks the transfer up by its
    group (the payout id) before making one."""
    payout = _reserve(organization)
    Payout.objects.filter(pk=payout.pk).update(status="processing", transfer_attempts=1)
    from billing import stripe_gateway

    made = stripe_gateway.transfer_create(
        livemode=True,
        amount_cents=payout.amount_cents,
        destination=payout.connected_account.stripe_account_id,
        idempotency_key="a-key-stripe-no-longer-remembers",
        metadata={"payout_id": payout.pk},
        transfer_group=payout.pk,
    )

    services.payout_transfer_execute(payout_id=payout.pk)

    payout.refresh_from_db()
    assert (payout.status, payout.transfer_id) == ("paid", made.id)
    assert len(stripe_connect.transfers) == 1
    assert_ledger_ok()


def test_cancel_before_the_transfer_releases_the_reservation(organization, earned, stripe_connect):
    payout = _reserve(organization, 40 * USD)

    services.payout_cancel(payout_id=payout.pk, actor="admin:op")
    tasks.payout_transfer.delay(payout_id=payout.pk)  # the queued task finds nothing to do

    payout.refresh_from_db()
    assert payout.status == "canceled"
    assert _figures(organization) == (EARNED, 0, 0)
    assert stripe_connect.transfers == {}
    assert_ledger_ok()


@pytest.mark.parametrize("status", ["processing", "paid", "failed", "canceled"])
def test_cancel_is_refused_once_a_transfer_may_exist(organization, earned, status):
    payout = _reserve(organization, 40 * USD)
    Payout.objects.filter(pk=payout.pk).update(status=status)

    with pytest.raises(ApiError) as refused:
        services.payout_cancel(payout_id=payout.pk, actor="admin:op")

    assert refused.value.code == "payout_not_cancelable"


def test_retry_of_a_failed_payout_reserves_again_under_a_new_key(
    organization, earned, stripe_connect
):
    payout = _reserve(organization, 10 * USD)
    stripe_connect.fail(DECLINED)
    tasks.payout_transfer.delay(payout_id=payout.pk)
    assert _figures(organization) == (EARNED, 0, 0)

    services.payout_retry(payout_id=payout.pk, actor="admin:op")  # pending, reserved again
    assert _figures(organization) == (EARNED - 10 * USD, 10 * USD, 0)
    tasks.payout_transfer.delay(payout_id=payout.pk)

    payout.refresh_from_db()
    assert payout.status == "paid"
    assert payout.transfer_idempotency_key == f"{payout.pk}-r2"
    assert stripe_connect.transfers_for_key(payout.pk) == 0
    assert stripe_connect.transfers_for_key(f"{payout.pk}-r2") == 1
    assert _figures(organization) == (EARNED - 10 * USD, 0, 10 * USD)
    assert_ledger_ok()


def test_retry_of_a_failed_payout_needs_the_margin_still_there(
    organization, earned, stripe_connect
):
    payout = _reserve(organization, 60 * USD)
    stripe_connect.fail(DECLINED)
    tasks.payout_transfer.delay(payout_id=payout.pk)
    _reserve(organization, 50 * USD)

    with pytest.raises(ApiError) as refused:
        services.payout_retry(payout_id=payout.pk, actor="admin:op")

    assert refused.value.code == "insufficient_balance"
    assert Payout.objects.get(pk=payout.pk).status == "failed"
    assert_ledger_ok()


def test_retry_of_a_paid_payout_is_refused(organization, earned, stripe_connect):
    payout = _reserve(organization, 5 * USD)
    tasks.payout_transfer.delay(payout_id=payout.pk)

    with pytest.raises(ApiError) as refused:
        services.payout_retry(payout_id=payout.pk, actor="admin:op")

    assert refused.value.code == "payout_not_retryable"
    assert len(stripe_connect.transfers) == 1


def test_sweep_hands_stuck_payouts_back_to_the_task(organization, earned, stripe_connect, settings):
    settings.PAYOUT_STUCK_AFTER_SECONDS = 0
    stuck = _reserve(organization, 10 * USD)
    stripe_connect.fail(SERVER_ERROR, times=3)
    with pytest.raises(services.PayoutTransferPending):
        services.payout_transfer_execute(payout_id=stuck.pk)
    never_queued = _reserve(organization, 20 * USD)

    assert periodic.payouts_resume_stuck.delay().get() == 2

    statuses = dict(Payout.objects.values_list("pk", "status"))
    assert statuses == {stuck.pk: "paid", never_queued.pk: "paid"}
    assert len(stripe_connect.transfers) == 2
    assert _figures(organization) == (EARNED - 30 * USD, 0, 30 * USD)
    assert_ledger_ok()


def test_sweep_leaves_recent_payouts_alone(organization, earned, stripe_connect, settings):
    settings.PAYOUT_STUCK_AFTER_SECONDS = 300
    _reserve(organization, 10 * USD)

    assert periodic.payouts_resume_stuck.delay().get() == 0
    assert stripe_connect.transfers == {}
