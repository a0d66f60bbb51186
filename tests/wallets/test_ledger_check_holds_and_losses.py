"""`manage.py ledger_check` also proves each session's held figure against its active holds, and
reports what was not collected (usage past the payer's balance) and what the platform lost."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sessions_app.models import EmbeddedSession
from sessions_app.services import session_mint
from tests.helpers.factories import make_wallet
from tests.helpers.money import USD, assert_ledger_ok
from wallets import services
from wallets.books import ledger_report
from wallets.holds import orm as holds_orm
from wallets.models import LedgerAccount
from wallets.services.accounts import account_for_system

pytestmark = pytest.mark.django_db


def _session_with_a_hold(project, *, external_id: str = "user_1", amount_nanos: int = 250):
    session, _ = session_mint(project=project, livemode=False, external_id=external_id)
    services.wallet_credit(wallet_id=session.wallet_id, amount_nanos=USD, description="funds")
    hold = holds_orm.wallet_hold_reserve(
        wallet_id=session.wallet_id,
        amount_nanos=amount_nanos,
        request_id=f"req_{external_id}",
        session_id=session.pk,
    )
    assert EmbeddedSession.objects.get(pk=session.pk).held_nanos == amount_nanos
    return session, hold


def _set_session_held(session_id: str, held_nanos: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sessions_app_embeddedsession SET held_nanos = %s WHERE id = %s",
            [held_nanos, session_id],
        )


def test_a_session_whose_held_matches_its_holds_passes(project, capsys):
    _session_with_a_hold(project)
    call_command("ledger_check")
    assert "ledger ok:" in capsys.readouterr().out


def test_a_session_held_figure_tampered_fails_the_check_naming_it(project, capsys):
    session, _ = _session_with_a_hold(project)
    _set_session_held(session.pk, 251)

    with pytest.raises(CommandError):
        call_command("ledger_check")

    err = capsys.readouterr().err
    assert f"session {session.pk} caches held 251 but its active holds sum to 250" in err


def test_a_session_still_holding_after_its_holds_ended_fails_the_check(project, capsys):
    session, hold = _session_with_a_hold(project, amount_nanos=700)
    holds_orm.wallet_hold_release(hold_id=hold.pk)
    assert EmbeddedSession.objects.get(pk=session.pk).held_nanos == 0
    _set_session_held(session.pk, 700)

    with pytest.raises(CommandError):
        call_command("ledger_check")

    assert f"session {session.pk} caches held 700 but its active holds sum to 0" in (
        capsys.readouterr().err
    )


def test_only_the_tampered_session_is_named(project, capsys):
    good, _ = _session_with_a_hold(project, external_id="good")
    bad, _ = _session_with_a_hold(project, external_id="bad")
    _set_session_held(bad.pk, 0)

    report = ledger_report()

    assert report.problems == [f"session {bad.pk} caches held 0 but its active holds sum to 250"]
    assert good.pk not in " ".join(report.problems)


def _uncollected_usage(project, *, livemode: bool, external_id: str, short_nanos: int) -> None:
    """A request whose upstream usage beat the hold and the balance: the rest is uncollected."""
    wallet = make_wallet(project, external_id=external_id, livemode=livemode, balance_nanos=1_000)
    hold = holds_orm.wallet_hold_reserve(
        wallet_id=wallet.pk, amount_nanos=600, request_id=f"req_{external_id}"
    )
    result = holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=1_000 + short_nanos)
    assert result.charged_nanos == 1_000 + short_nanos
    assert result.balance_nanos == 0


def _platform_loss(project, *, livemode: bool, amount_nanos: int) -> None:
    """A loss debited to platform_losses, against an organization's account as the refund and
    payout paths book it (a transaction moves one organization's money)."""
    services.account_transfer(
        from_account=account_for_system(kind=LedgerAccount.Kind.PLATFORM_LOSSES, livemode=livemode),
        to_account=services.account_for_organization(
            organization_id=project.organization_id,
            kind=LedgerAccount.Kind.ORG_MARGIN,
            livemode=livemode,
        ),
        amount_nanos=amount_nanos,
        kind="refund",
    )


def test_uncollected_and_platform_loss_totals_are_reported_by_mode(project, capsys):
    _uncollected_usage(project, livemode=True, external_id="live_a", short_nanos=123)
    _uncollected_usage(project, livemode=True, external_id="live_b", short_nanos=1_000_000_000)
    _uncollected_usage(project, livemode=False, external_id="test_a", short_nanos=7)
    _platform_loss(project, livemode=True, amount_nanos=8_333_333_333)
    _platform_loss(project, livemode=False, amount_nanos=1)

    call_command("ledger_check")

    out = capsys.readouterr().out
    assert (
        "uncollected usage: live 1.000000123 USD (1000000123 nanos), test 0.000000007 USD (7 nanos)"
        in out
    )
    assert (
        "platform losses: live 8.333333333 USD (8333333333 nanos), test 0.000000001 USD (1 nanos)"
        in out
    )
    report = ledger_report()
    assert report.uncollected_nanos == {"live": 1_000_000_123, "test": 7}
    assert report.platform_losses_nanos == {"live": 8_333_333_333, "test": 1}


def test_totals_are_zero_on_fresh_books(project, capsys):
    make_wallet(project, balance_nanos=USD)
    call_command("ledger_check")
    out = capsys.readouterr().out
    assert "uncollected usage: live 0.00 USD (0 nanos), test 0.00 USD (0 nanos)" in out
    assert "platform losses: live 0.00 USD (0 nanos), test 0.00 USD (0 nanos)" in out


def test_totals_are_printed_even_when_the_check_fails(project, capsys):
    _uncollected_usage(project, livemode=False, external_id="test_a", short_nanos=5)
    session, _ = _session_with_a_hold(project, external_id="tampered")
    _set_session_held(session.pk, 1)

    with pytest.raises(CommandError):
        call_command("ledger_check")

    captured = capsys.readouterr()
    assert "uncollected usage: live 0.00 USD (0 nanos), test 0.000000005 USD (5 nanos)" in (
        captured.out
    )
    assert f"session {session.pk}" in captured.err


def test_the_wallets_admin_shows_the_totals(admin_client, project):
    _uncollected_usage(project, livemode=True, external_id="live_a", short_nanos=123)
    _platform_loss(project, livemode=False, amount_nanos=2_500_000_000)
    page = admin_client.get("/admin/wallets/ledgeraccount/").content.decode()
    assert 'id="ledger-shortfall"' in page
    assert "Uncollected usage: live $0.000000123, test $0.00" in page
    assert "Platform losses: live $0.00, test $2.50" in page
    assert_ledger_ok()
