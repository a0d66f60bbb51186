"""`manage.py credit_org` says which mode it grants in: no default that moves live money."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.helpers.money import USD, assert_ledger_ok
from wallets.models import LedgerAccount

pytestmark = pytest.mark.django_db


def _credits(organization, livemode: bool) -> int:
    account = LedgerAccount.objects.filter(
        organization=organization, kind="org_credits", livemode=livemode
    ).first()
    return account.balance_nanos if account else 0


def test_a_grant_without_a_mode_is_refused(organization):
    with pytest.raises(CommandError, match="one of the arguments --test --live is required"):
        call_command("credit_org", "--org", organization.pk, "--amount", "5", "--reason", "r")
    assert (_credits(organization, True), _credits(organization, False)) == (0, 0)


@pytest.mark.parametrize(("flag", "livemode"), [("--test", False), ("--live", True)])
def test_a_grant_goes_to_the_mode_it_names(organization, flag, livemode):
    out = io.StringIO()
    call_command(
        "credit_org", "--org", organization.pk, "--amount", "5", "--reason", "r", flag, stdout=out
    )
    assert _credits(organization, livemode) == 5 * USD
    assert _credits(organization, not livemode) == 0
    assert ("live" if livemode else "test") in out.getvalue()
    assert_ledger_ok()
