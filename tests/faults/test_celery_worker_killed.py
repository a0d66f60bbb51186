"""SIGKILL of the Celery worker while it credits a top-up: the broker redelivers the
unacknowledged task to the restarted worker, and the wallet is credited exactly once."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings

from billing.models import TopUp, TopUpCredit
from billing.payment_events.simulated import topup_simulate
from billing.services.topups import topup_create
from tests.helpers import factories
from tests.helpers.faults import base_env, url_through, wait_until
from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import LedgerTransaction, Wallet

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The broker hands an unacknowledged task to a worker again this long after it was taken.
VISIBILITY_TIMEOUT_SECONDS = 2
START_BALANCE_NANOS = 3 * USD


@pytest.fixture
def live_process_env(fake_openai_server, redis_proxy):
    # The broker is reached directly; the channel layer (the balance push made after the
    # credit commits) goes through the proxy, which the test stalls to hold the task there.
    return {
        **base_env(fake_openai_server),
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "REDIS_URL": url_through(settings.REDIS_URL, redis_proxy),
        "CELERY_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_TIMEOUT_SECONDS),
    }


def test_worker_killed_after_the_credit_commits_but_before_the_ack_credits_once(
    project, celery_worker_process, redis_proxy
):
    wallet = factories.make_wallet(project, balance_nanos=START_BALANCE_NANOS)
    topup = topup_create(
        project=project, wallet_id=wallet.pk, livemode=False, amount_nanos=10 * USD
    )
    assert topup.net_nanos > 0
    redis_proxy.stall()

    topup_simulate(topup=topup, outcome="succeeded")  # queues billing.tasks.topup_credit
    wait_until(
        lambda: TopUpCredit.objects.filter(topup=topup).exists(),
        timeout=30,
        message=celery_worker_process.log_text()[-3000:],
    )
    # Committed; the worker now hangs in the post-commit push, its task not yet acknowledged.
    wait_until(lambda: redis_proxy.accepted > 0, timeout=10, message="the push never started")
    time.sleep(0.3)
    first_log = celery_worker_process.log_text()
    assert "topup_credit" in first_log and "succeeded in" not in first_log
    celery_worker_process.kill()
    redis_proxy.cut()
    redis_proxy.restore()
    assert Wallet.objects.get(pk=wallet.pk).balance_nanos == START_BALANCE_NANOS + topup.net_nanos

    time.sleep(VISIBILITY_TIMEOUT_SECONDS + 0.5)
    celery_worker_process.start()  # takes the unacknowledged task back from the broker
    task_done = re.compile(r"Task billing\.tasks\.topup_credit\[[^\]]+\] succeeded in [^:]+: False")
    wait_until(
        lambda: task_done.search(celery_worker_process.process.log_text(since_start=True)),
        timeout=30,
        message=celery_worker_process.log_text()[-3000:],
    )

    topup.refresh_from_db()
    assert topup.status == TopUp.Status.SUCCEEDED
    assert TopUpCredit.objects.filter(topup=topup).count() == 1
    topup_transactions = LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.TOPUP)
    assert topup_transactions.count() == 1
    wallet.refresh_from_db()
    assert (wallet.balance_nanos, wallet.held_nanos) == (START_BALANCE_NANOS + topup.net_nanos, 0)
    assert_ledger_ok()
