"""billing/stripe_gateway.py's Connect calls, through the real `stripe` library, against the
loopback Connect fake: accounts, onboarding links, transfers and their idempotency."""

from __future__ import annotations

import pytest
import stripe

from billing import stripe_gateway
from tests.fakes.stripe_connect_server import (
    CONNECTION_RESET,
    DECLINED,
    DROP_AFTER_CREATE,
    SERVER_ERROR,
)
from tests.helpers.payouts import REFRESH_URL, RETURN_URL, STRIPE_LIVE_SECRET_KEY


@pytest.fixture
def account(stripe_connect):
    info = stripe_gateway.connect_account_create(
        livemode=True, organization_id="org_1", idempotency_key="connect-account:org_1:live"
    )
    stripe_connect.onboard(info.id)
    return info


def _transfer(destination: str, key: str = "po_1", amount_cents: int = 1234):
    return stripe_gateway.transfer_create(
        livemode=True,
        amount_cents=amount_cents,
        destination=destination,
        idempotency_key=key,
        metadata={"payout_id": key},
        transfer_group=key,
    )


def test_account_create_is_an_express_account_awaiting_onboarding(stripe_connect):
    info = stripe_gateway.connect_account_create(
        livemode=True, organization_id="org_1", idempotency_key="k1"
    )

    stored = stripe_connect.accounts[info.id]
    assert info.id.startswith("acct_")
    assert (info.details_submitted, info.payouts_enabled) == (False, False)
    assert stored["type"] == "express"
    assert stored["metadata"] == {"organization_id": "org_1"}
    assert stored["capabilities"] == {"transfers": "inactive"}
    assert stored["livemode"] is True


def test_account_create_with_the_same_key_returns_the_same_account(stripe_connect):
    first = stripe_gateway.connect_account_create(
        livemode=True, organization_id="org_1", idempotency_key="same"
    )
    second = stripe_gateway.connect_account_create(
        livemode=True, organization_id="org_1", idempotency_key="same"
    )

    assert first.id == second.id
    assert len(stripe_connect.accounts) == 1


def test_account_link_points_at_stripe_for_the_account(stripe_connect, account):
    url = stripe_gateway.account_link_create(
        livemode=True, account_id=account.id, refresh_url=REFRESH_URL, return_url=RETURN_URL
    )

    assert url.startswith(f"https://connect.stripe.com/setup/e/{account.id}/")
    link_request = stripe_connect.requests[-1]
    assert link_request.params == {
        "account": account.id,
        "refresh_url": REFRESH_URL,
        "return_url": RETURN_URL,
        "type": "account_onboarding",
    }


def test_account_retrieve_reads_the_onboarding_flags(stripe_connect, account):
    info = stripe_gateway.connect_account_retrieve(livemode=True, account_id=account.id)

    assert (info.details_submitted, info.payouts_enabled, info.charges_enabled) == (
        True,
        True,
        True,
    )


def test_unknown_account_is_a_definitive_refusal(stripe_connect):
    with pytest.raises(stripe_gateway.StripeDeclined) as declined:
        stripe_gateway.connect_account_retrieve(livemode=True, account_id="acct_nope")

    assert declined.value.code == "resource_missing"


def test_transfer_is_form_encoded_whole_cents_to_the_destination(stripe_connect, account):
    transfer = _transfer(account.id)

    assert transfer.id.startswith("tr_")
    assert (transfer.amount_cents, transfer.destination) == (1234, account.id)
    params = stripe_connect.requests[-1].params
    assert params == {
        "amount": "1234",
        "currency": "usd",
        "destination": account.id,
        "metadata": {"payout_id": "po_1"},
        "transfer_group": "po_1",
    }
    assert stripe_connect.requests[-1].idempotency_key == "po_1"


def test_same_idempotency_key_returns_the_same_transfer_never_a_second(stripe_connect, account):
    first = _transfer(account.id)
    second = _transfer(account.id)

    assert first.id == second.id
    assert stripe_connect.transfers_for_key("po_1") == 1
    assert len(stripe_connect.transfers) == 1
    assert stripe_connect.requests[-1].outcome == "replayed"


def test_same_key_with_other_parameters_is_refused(stripe_connect, account):
    _transfer(account.id)

    with pytest.raises(stripe_gateway.StripeUnavailable) as refused:
        _transfer(account.id, amount_cents=999)

    assert not isinstance(refused.value, stripe_gateway.StripeDeclined)
    assert isinstance(refused.value.__cause__, stripe.IdempotencyError)
    assert len(stripe_connect.transfers) == 1


def test_balance_refusal_is_definitive(stripe_connect, account):
    stripe_connect.fail(DECLINED)

    with pytest.raises(stripe_gateway.StripeDeclined) as declined:
        _transfer(account.id)

    assert declined.value.code == "balance_insufficient"
    assert "insufficient available funds" in str(declined.value)
    assert stripe_connect.transfers_for_key("po_1") == 0


def test_card_error_is_definitive(stripe_connect, account):
    stripe_connect.fail(DECLINED, status=402, code="card_declined")

    with pytest.raises(stripe_gateway.StripeDeclined) as declined:
        _transfer(account.id)

    assert declined.value.code == "card_declined"


def test_destination_without_transfers_capability_is_refused(stripe_connect):
    info = stripe_gateway.connect_account_create(
        livemode=True, organization_id="org_2", idempotency_key="k2"
    )

    with pytest.raises(stripe_gateway.StripeDeclined) as declined:
        _transfer(info.id)

    assert declined.value.code == "insufficient_capabilities_for_transfer"


def test_a_stored_refusal_is_replayed_for_the_same_key(stripe_connect, account):
    stripe_connect.fail(DECLINED)
    with pytest.raises(stripe_gateway.StripeDeclined):
        _transfer(account.id)

    with pytest.raises(stripe_gateway.StripeDeclined):
        _transfer(account.id)  # no failure queued any more: Stripe answers from the key

    assert len(stripe_connect.transfers) == 0


def test_server_errors_are_retried_by_stripe_python_with_the_same_key(stripe_connect, account):
    stripe_connect.fail(SERVER_ERROR, times=2)

    transfer = _transfer(account.id)

    assert [r.outcome for r in stripe_connect.requests[-3:]] == ["server_error"] * 2 + ["ok"]
    assert {r.idempotency_key for r in stripe_connect.requests[-3:]} == {"po_1"}
    assert stripe_connect.transfers_for_key("po_1") == 1
    assert transfer.id in stripe_connect.transfers


def test_persistent_server_errors_are_transient_not_definitive(stripe_connect, account):
    stripe_connect.fail(SERVER_ERROR, times=3)

    with pytest.raises(stripe_gateway.StripeUnavailable) as unavailable:
        _transfer(account.id)

    assert not isinstance(unavailable.value, stripe_gateway.StripeDeclined)
    assert len(stripe_connect.transfers) == 0


def test_connection_reset_is_transient(stripe_connect, account):
    stripe_connect.fail(CONNECTION_RESET, times=3)

    with pytest.raises(stripe_gateway.StripeUnavailable) as unavailable:
        _transfer(account.id)

    assert not isinstance(unavailable.value, stripe_gateway.StripeDeclined)
    assert isinstance(unavailable.value.__cause__, stripe.APIConnectionError)


def test_answer_lost_after_the_transfer_was_made_retries_into_the_same_transfer(
    stripe_connect, account
):
    stripe_connect.fail(DROP_AFTER_CREATE)

    transfer = _transfer(account.id)  # stripe-python retries the lost answer with the same key

    assert [r.outcome for r in stripe_connect.requests[-2:]] == [
        "dropped_after_create",
        "replayed",
    ]
    assert stripe_connect.transfers_for_key("po_1") == 1
    assert list(stripe_connect.transfers) == [transfer.id]


def test_transfer_found_by_its_group(stripe_connect, account):
    made = _transfer(account.id, key="po_9")

    found = stripe_gateway.transfer_find_by_group(livemode=True, transfer_group="po_9")
    missing = stripe_gateway.transfer_find_by_group(livemode=True, transfer_group="po_other")

    assert found is not None and found.id == made.id
    assert missing is None


def test_a_test_mode_key_does_not_see_live_accounts(stripe_connect, account, settings):
    settings.STRIPE_TEST_SECRET_KEY = STRIPE_LIVE_SECRET_KEY.replace("sk_live_", "sk_test_")

    with pytest.raises(stripe_gateway.StripeDeclined):
        stripe_gateway.connect_account_retrieve(livemode=False, account_id=account.id)
