"""Blocking a customer while sessions are being minted for it: no session outlives the block.

Minting checks the customer's status and inserts the session; blocking sets the status and revokes
the customer's sessions. Both take the customer's row lock, so a mint either finishes before the
block (and its session is revoked by it) or sees the block (and is refused): after the block
commits, the customer has no live session, whatever the interleaving.
"""

import pytest

from sessions_app import services as session_services
from sessions_app.errors import CustomerBlocked
from sessions_app.models import EmbeddedSession
from tests.helpers.concurrency import run_concurrently
from wallets.models import Customer

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROUNDS = 15
MINTERS = 12


def _mint(project, external_id):
    def call():
        return session_services.session_mint(
            project=project, livemode=False, external_id=external_id
        )

    return call


def _block(customer_id):
    def call():
        return session_services.customer_block(customer=Customer.objects.get(pk=customer_id))

    return call


def test_no_session_minted_around_a_block_stays_live(project):
    refused = minted = 0
    for round_ in range(ROUNDS):
        external_id = f"racer-{round_}"
        session_services.session_mint(project=project, livemode=False, external_id=external_id)
        customer = Customer.objects.get(project=project, livemode=False, external_id=external_id)
        calls = [_mint(project, external_id) for _ in range(MINTERS)]
        calls.insert(MINTERS // 2, _block(customer.pk))

        results = run_concurrently(calls, threads=len(calls))

        errors = [r for r in results if isinstance(r, Exception)]
        assert all(isinstance(error, CustomerBlocked) for error in errors), errors
        refused += len(errors)
        minted += sum(1 for r in results if isinstance(r, tuple))
        live = EmbeddedSession.objects.filter(customer=customer, revoked_at__isnull=True)
        assert list(live.values_list("pk", flat=True)) == []
        assert Customer.objects.get(pk=customer.pk).status == Customer.Status.BLOCKED
    assert refused + minted == ROUNDS * MINTERS
