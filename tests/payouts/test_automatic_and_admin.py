"""Automatic payouts over the threshold, and the operator's payout admin (list, retry, cancel)."""

from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote
from django.core.management import call_command

from payouts import periodic, services, tasks
from payouts.models import ConnectedAccount, Payout, PayoutSettings
from tests.fakes.stripe_connect_server import DECLINED
from tests.helpers.factories import make_organization
from tests.helpers.money import USD, assert_ledger_ok
from tests.helpers.payouts import margin_earn, onboard
from wallets.selectors import organization_balance


def _available(organization) -> int:
    return organization_balance(
        organization_id=organization.pk, livemode=True
    ).margin_available_nanos


def test_automatic_payout_pays_organizations_over_the_default_threshold(
    organization, connected, stripe_connect
):
    below = make_organization("Below")
    onboard(below, stripe_connect)
    not_enabled = make_organization("Not onboarded")
    margin_earn(organization, 25 * USD + 123)
    margin_earn(below, 25 * USD - 1)
    margin_earn(not_enabled, 500 * USD)

    assert periodic.payouts_automatic.delay().get() == 1

    payout = Payout.objects.get()
    assert (payout.organization_id, payout.trigger, payout.amount_nanos) == (
        organization.pk,
        "automatic",
        25 * USD,
    )
    assert payout.project_id is None
    assert _available(organization) == 123
    assert _available(below) == 25 * USD - 1
    assert _available(not_enabled) == 500 * USD
    assert_ledger_ok()


def test_automatic_payout_follows_the_organizations_settings(
    organization, connected, stripe_connect
):
    margin_earn(organization, 10 * USD)
    PayoutSettings.objects.create(organization=organization, automatic_threshold_nanos=10 * USD)
    assert len(services.payouts_automatic_run()) == 1

    margin_earn(organization, 50 * USD)
    PayoutSettings.objects.filter(pk=organization.pk).update(automatic_payouts_enabled=False)
    assert services.payouts_automatic_run() == []
    assert _available(organization) == 50 * USD


def test_automatic_payout_skips_accounts_without_payouts_enabled(organization, connected):
    ConnectedAccount.objects.update(payouts_enabled=False)
    margin_earn(organization, 100 * USD)

    assert services.payouts_automatic_run() == []


def test_automatic_payouts_are_in_the_beat_schedule(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"payouts.tasks.payouts_automatic", "payouts.tasks.payouts_resume_stuck"} <= (
        tasks_scheduled
    )


@pytest.fixture
def operator(admin_client):
    return admin_client


def _reserve(organization, amount_nanos) -> Payout:
    return services.payout_request(
        organization_id=organization.pk, livemode=True, amount_nanos=amount_nanos
    )[0]


def test_admin_lists_payouts_with_status(operator, organization, earned):
    payout = _reserve(organization, 3 * USD)

    page = operator.get("/admin/payouts/payout/")
    detail = operator.get(f"/admin/payouts/payout/{quote(payout.pk)}/change/")

    assert page.status_code == 200
    assert payout.pk in page.content.decode()
    assert "pending" in page.content.decode()
    assert detail.status_code == 200
    assert operator.get("/admin/payouts/connectedaccount/").status_code == 200
    assert operator.get("/admin/payouts/payoutsettings/add/").status_code == 200


def test_admin_cancel_releases_the_reservation(operator, organization, earned):
    payout = _reserve(organization, 30 * USD)

    response = operator.post(
        "/admin/payouts/payout/", {"action": "cancel_payouts", "_selected_action": [payout.pk]}
    )

    assert response.status_code == 302
    payout.refresh_from_db()
    assert payout.status == "canceled"
    assert payout.failure_message == "canceled by admin:admin"
    assert _available(organization) == earned
    assert_ledger_ok()


def test_admin_cancel_of_a_paid_payout_is_refused_with_a_message(
    operator, organization, earned, stripe_connect
):
    payout = _reserve(organization, 30 * USD)
    tasks.payout_transfer.delay(payout_id=payout.pk)

    response = operator.post(
        "/admin/payouts/payout/",
        {"action": "cancel_payouts", "_selected_action": [payout.pk]},
        follow=True,
    )

    assert "Only a pending payout" in response.content.decode()
    assert Payout.objects.get(pk=payout.pk).status == "paid"
    assert_ledger_ok()


def test_admin_retry_of_a_failed_payout_pays_it(
    operator, organization, earned, stripe_connect, django_capture_on_commit_callbacks
):
    payout = _reserve(organization, 30 * USD)
    stripe_connect.fail(DECLINED)
    tasks.payout_transfer.delay(payout_id=payout.pk)
    assert Payout.objects.get(pk=payout.pk).status == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        operator.post(
            "/admin/payouts/payout/", {"action": "retry_payouts", "_selected_action": [payout.pk]}
        )

    payout.refresh_from_db()
    assert payout.status == "paid"
    assert len(stripe_connect.transfers) == 1
    assert _available(organization) == earned - 30 * USD
    assert_ledger_ok()


def test_connect_webhook_endpoint_command_prints_the_path(db, capsys, stripe_connect):
    call_command(
        "stripe_connect_webhook_endpoint", "--mode", "live", "--secret", "whsec_connect_abc"
    )

    assert capsys.readouterr().out.strip().startswith("/stripe/webhook/")
