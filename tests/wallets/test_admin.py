"""The operator console for wallets: adjustments, freezing, and a read-only ledger."""

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.helpers.factories import make_wallet
from tests.helpers.money import USD, assert_ledger_ok
from wallets import services
from wallets.errors import WalletFrozen
from wallets.holds import orm as holds_orm
from wallets.models import Customer, Hold, LedgerAccount, LedgerEntry, LedgerTransaction, Wallet


def _url(model, view, *args):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    return reverse(name, args=[quote(arg) for arg in args])


@pytest.fixture
def funded_wallet(project):
    wallet = make_wallet(project, external_id="alice", balance_nanos=8_333_333_333)
    Customer.objects.filter(pk=wallet.customer_id).update(email="alice@example.com")
    return wallet


def _adjust(admin_client, wallet, amount, reason="goodwill", **kwargs):
    return admin_client.post(
        _url(Wallet, "adjust", wallet.pk), {"amount": amount, "reason": reason}, **kwargs
    )


def _balance(wallet):
    wallet.refresh_from_db()
    return wallet.balance_nanos


def test_every_wallet_changelist_and_change_page_renders(admin_client, funded_wallet):
    hold = holds_orm.wallet_hold_reserve(
        wallet_id=funded_wallet.pk, amount_nanos=USD, request_id="req_1"
    )
    txn = LedgerTransaction.objects.get()
    entry = LedgerEntry.objects.filter(amount_nanos__gt=0).get()
    account = LedgerAccount.objects.get(wallet=funded_wallet)
    system_account = LedgerAccount.objects.get(
        kind=LedgerAccount.Kind.PLATFORM_GRANTS, livemode=funded_wallet.livemode
    )

    for model, obj, text in [
        (Customer, funded_wallet.customer, "alice@example.com"),
        (Wallet, funded_wallet, "8.333333333"),
        (LedgerAccount, account, "8.333333333"),
        (LedgerAccount, system_account, "system account"),
        (LedgerTransaction, txn, "test funds"),
        (LedgerEntry, entry, "+$8.333333333"),
        (Hold, hold, "req_1"),
    ]:
        listing = admin_client.get(_url(model, "changelist"))
        assert listing.status_code == 200, model
        page = admin_client.get(_url(model, "change", obj.pk))
        assert page.status_code == 200, model
        assert text in listing.text + page.text, model


def test_wallet_pages_show_money_as_usd_strings(admin_client, funded_wallet):
    holds_orm.wallet_hold_reserve(wallet_id=funded_wallet.pk, amount_nanos=333_333_333)

    listing = admin_client.get(_url(Wallet, "changelist"))
    page = admin_client.get(_url(Wallet, "change", funded_wallet.pk))

    for response in (listing, page):
        assert "8.333333333" in response.text  # balance
        assert "0.333333333" in response.text  # held
        assert "8.00" in response.text  # available
    assert "Adjust balance" in page.text
    assert "Ledger entries" in page.text


def test_money_fields_cannot_be_edited_on_the_wallet_page(admin_client, funded_wallet):
    response = admin_client.post(
        _url(Wallet, "change", funded_wallet.pk),
        {"balance_nanos": str(1000 * USD), "held_nanos": "0", "status": "frozen"},
    )

    assert response.status_code == 403
    funded_wallet.refresh_from_db()
    assert (funded_wallet.balance_nanos, funded_wallet.status) == (8_333_333_333, "active")
    assert admin_client.get(_url(Wallet, "add")).status_code == 403
    assert admin_client.get(_url(Wallet, "delete", funded_wallet.pk)).status_code == 403


def test_search_finds_customers_wallets_and_transactions(admin_client, funded_wallet, project):
    make_wallet(project, external_id="bob")
    services.wallet_credit(
        wallet_id=funded_wallet.pk,
        amount_nanos=USD,
        idempotency_key="promo-2024-alice",
        description="spring promo",
    )

    def found(model, query):
        return list(
            admin_client.get(_url(model, "changelist"), {"q": query}).context["cl"].result_list
        )

    assert found(Customer, "alice") == [funded_wallet.customer]
    assert found(Customer, "alice@example") == [funded_wallet.customer]
    assert found(Customer, "nobody") == []
    assert found(Wallet, "alice") == [funded_wallet]
    assert found(Wallet, funded_wallet.pk) == [funded_wallet]
    promo = LedgerTransaction.objects.get(idempotency_key="promo-2024-alice")
    assert found(LedgerTransaction, "promo-2024-alice") == [promo]
    assert found(LedgerTransaction, "spring") == [promo]
    assert found(LedgerTransaction, str(promo.pk)) == [promo]
    assert len(found(LedgerEntry, funded_wallet.pk)) == 2


def test_filters_narrow_the_lists(admin_client, funded_wallet, project):
    make_wallet(project, external_id="carol", livemode=True)
    services.wallet_set_status(wallet_id=funded_wallet.pk, status="frozen")

    def count(model, params):
        return admin_client.get(_url(model, "changelist"), params).context["cl"].result_count

    assert count(Wallet, {"status__exact": "frozen"}) == 1
    assert count(Wallet, {"livemode__exact": "1"}) == 1
    assert count(Customer, {"livemode__exact": "0"}) == 1
    assert count(Customer, {"status__exact": "blocked"}) == 0
    assert count(Customer, {"project__id__exact": project.pk}) == 2
    assert count(LedgerTransaction, {"kind__exact": "grant"}) == 1
    assert count(LedgerTransaction, {"kind__exact": "usage"}) == 0
    assert count(LedgerTransaction, {"livemode__exact": "1"}) == 0
    assert count(Hold, {"status__exact": "held"}) == 0


def test_adjust_credits_the_wallet_exactly_and_records_who_and_why(admin_client, funded_wallet):
    page = admin_client.get(_url(Wallet, "adjust", funded_wallet.pk))
    assert page.status_code == 200
    assert "8.333333333" in page.text

    response = _adjust(admin_client, funded_wallet, "10", reason="refund for outage #42")

    assert response.status_code == 302
    assert response.url == _url(Wallet, "change", funded_wallet.pk)
    assert _balance(funded_wallet) == 18_333_333_333
    txn = LedgerTransaction.objects.get(kind="adjustment")
    assert txn.actor == "admin"
    assert txn.description == "refund for outage #42"
    assert sorted(txn.entries.values_list("amount_nanos", flat=True)) == [-10 * USD, 10 * USD]
    assert_ledger_ok()


def test_adjust_debits_the_wallet_exactly(admin_client, funded_wallet):
    response = _adjust(admin_client, funded_wallet, "-1.50", reason="chargeback", follow=True)

    assert "Adjusted by -$1.50" in response.text
    assert "Balance is now $6.833333333" in response.text
    assert _balance(funded_wallet) == 6_833_333_333
    txn = LedgerTransaction.objects.get(kind="adjustment")
    assert (txn.actor, txn.description) == ("admin", "chargeback")
    wallet_entry = txn.entries.get(account__wallet=funded_wallet)
    assert wallet_entry.amount_nanos == -1_500_000_000
    assert_ledger_ok()


def test_adjust_moves_a_single_nano(admin_client, funded_wallet):
    _adjust(admin_client, funded_wallet, "0.000000001")
    _adjust(admin_client, funded_wallet, "-8.333333334")

    assert _balance(funded_wallet) == 0
    assert_ledger_ok()


def test_a_debit_larger_than_the_balance_is_a_form_error_and_changes_nothing(
    admin_client, funded_wallet
):
    response = _adjust(admin_client, funded_wallet, "-8.333333334")

    assert response.status_code == 200
    assert "available balance is too low" in response.text
    assert response.context["form"].non_field_errors()
    assert _balance(funded_wallet) == 8_333_333_333
    assert not LedgerTransaction.objects.filter(kind="adjustment").exists()
    assert_ledger_ok()


def test_a_debit_cannot_take_money_that_is_held(admin_client, funded_wallet):
    holds_orm.wallet_hold_reserve(wallet_id=funded_wallet.pk, amount_nanos=8 * USD)

    refused = _adjust(admin_client, funded_wallet, "-0.333333334")
    allowed = _adjust(admin_client, funded_wallet, "-0.333333333")

    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors()
    assert allowed.status_code == 302
    funded_wallet.refresh_from_db()
    assert (funded_wallet.balance_nanos, funded_wallet.held_nanos) == (8 * USD, 8 * USD)
    assert_ledger_ok()


@pytest.mark.parametrize(
    ("amount", "reason", "field"),
    [
        ("0", "typo", "amount"),
        ("-0.00", "typo", "amount"),
        ("1.0000000001", "typo", "amount"),
        ("ten dollars", "typo", "amount"),
        ("NaN", "typo", "amount"),
        ("", "typo", "amount"),
        ("5", "", "reason"),
        ("5", "   ", "reason"),
    ],
)
def test_an_invalid_adjustment_shows_a_form_error_and_changes_nothing(
    admin_client, funded_wallet, amount, reason, field
):
    response = _adjust(admin_client, funded_wallet, amount, reason=reason)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert _balance(funded_wallet) == 8_333_333_333
    assert not LedgerTransaction.objects.filter(kind="adjustment").exists()
    assert_ledger_ok()


def test_freeze_and_unfreeze_actions(admin_client, funded_wallet, project):
    other = make_wallet(project, external_id="dave")
    changelist = _url(Wallet, "changelist")

    frozen = admin_client.post(
        changelist,
        {"action": "freeze_wallets", "_selected_action": [funded_wallet.pk, other.pk]},
        follow=True,
    )

    assert "2 wallet(s) now frozen." in frozen.text
    assert set(Wallet.objects.values_list("status", flat=True)) == {"frozen"}
    with pytest.raises(WalletFrozen):
        holds_orm.wallet_hold_reserve(wallet_id=funded_wallet.pk, amount_nanos=1)

    admin_client.post(
        changelist, {"action": "unfreeze_wallets", "_selected_action": [funded_wallet.pk]}
    )

    funded_wallet.refresh_from_db()
    other.refresh_from_db()
    assert (funded_wallet.status, other.status) == ("active", "frozen")
    holds_orm.wallet_hold_reserve(wallet_id=funded_wallet.pk, amount_nanos=1)
    assert _balance(funded_wallet) == 8_333_333_333
    assert_ledger_ok()


def test_a_frozen_wallet_can_still_be_adjusted(admin_client, funded_wallet):
    services.wallet_set_status(wallet_id=funded_wallet.pk, status="frozen")

    _adjust(admin_client, funded_wallet, "-8.333333333", reason="fraud clawback")

    assert _balance(funded_wallet) == 0
    assert_ledger_ok()


@pytest.mark.parametrize("model", [LedgerEntry, LedgerTransaction, LedgerAccount, Hold])
def test_ledger_rows_cannot_be_added_changed_or_deleted(admin_client, funded_wallet, model):
    holds_orm.wallet_hold_reserve(wallet_id=funded_wallet.pk, amount_nanos=USD)
    obj = model.objects.order_by("pk").last()

    assert admin_client.get(_url(model, "add")).status_code == 403
    assert admin_client.post(_url(model, "add"), {}).status_code == 403
    assert admin_client.post(_url(model, "change", obj.pk), {}).status_code == 403
    assert admin_client.get(_url(model, "delete", obj.pk)).status_code == 403
    assert admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    bulk_delete = admin_client.post(
        _url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk]}
    )
    assert bulk_delete.status_code == 200  # an unknown action: the list is shown again
    assert model.objects.filter(pk=obj.pk).exists()
    assert_ledger_ok()


def test_ledger_entry_admin_denies_every_write_permission(admin_client, rf, admin_user):
    from django.contrib.admin.sites import site

    request = rf.get("/")
    request.user = admin_user
    entry_admin = site._registry[LedgerEntry]
    assert not entry_admin.has_add_permission(request)
    assert not entry_admin.has_change_permission(request)
    assert not entry_admin.has_delete_permission(request)
    assert entry_admin.has_view_permission(request)


def test_customer_details_can_be_edited_but_not_its_identity(admin_client, funded_wallet):
    customer = funded_wallet.customer

    response = admin_client.post(
        _url(Customer, "change", customer.pk),
        {
            "email": "alice@new.example",
            "name": "Alice",
            "status": "blocked",
            "metadata": "{}",
            "external_id": "mallory",
            "livemode": "on",
        },
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.email, customer.status) == ("alice@new.example", "blocked")
    assert (customer.external_id, customer.livemode) == ("alice", False)
    assert admin_client.get(_url(Customer, "add")).status_code == 403


def test_staff_without_money_permission_cannot_adjust_or_freeze(client, funded_wallet):
    from django.contrib.auth.models import Permission

    staff = get_user_model().objects.create_user("viewer", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_wallet"))
    client.force_login(staff)

    assert client.get(_url(Wallet, "change", funded_wallet.pk)).status_code == 200
    assert "Adjust balance" not in client.get(_url(Wallet, "change", funded_wallet.pk)).text
    assert _adjust(client, funded_wallet, "100").status_code == 403
    client.post(
        _url(Wallet, "changelist"),
        {"action": "freeze_wallets", "_selected_action": [funded_wallet.pk]},
    )

    funded_wallet.refresh_from_db()
    assert (funded_wallet.balance_nanos, funded_wallet.status) == (8_333_333_333, "active")
    assert LedgerTransaction.objects.count() == 1


def test_non_staff_users_are_sent_to_the_login_page(client, funded_wallet):
    user = get_user_model().objects.create_user("enduser", password="pw")
    client.force_login(user)

    for url in [
        _url(Wallet, "changelist"),
        _url(Wallet, "change", funded_wallet.pk),
        _url(Wallet, "adjust", funded_wallet.pk),
        _url(LedgerEntry, "changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    assert _adjust(client, funded_wallet, "100").status_code == 302
    assert _balance(funded_wallet) == 8_333_333_333


def test_adjusting_a_missing_wallet_redirects(admin_client, db):
    response = admin_client.post(
        _url(Wallet, "adjust", "wal_missing"), {"amount": "1", "reason": "x"}
    )
    assert response.status_code == 302
    assert LedgerTransaction.objects.count() == 0


def test_holds_on_organization_credits_are_listed_and_filterable(
    admin_client, funded_wallet, organization
):
    services.organization_credit_grant(
        organization_id=organization.pk, amount_nanos=5 * USD, reason="seed", livemode=False
    )
    org_hold = holds_orm.organization_hold_reserve(
        organization_id=organization.pk, livemode=False, amount_nanos=USD, request_id="req_org"
    )
    wallet_hold = holds_orm.wallet_hold_reserve(wallet_id=funded_wallet.pk, amount_nanos=USD)
    credits = LedgerAccount.objects.get(
        organization=organization, kind="org_credits", livemode=False
    )

    def listed(params):
        response = admin_client.get(_url(Hold, "changelist"), params)
        assert response.status_code == 200
        return list(response.context["cl"].result_list)

    assert listed({"on": "credits"}) == [org_hold]
    assert listed({"on": "wallet"}) == [wallet_hold]
    assert listed({"q": "Acme"}) == [org_hold]
    assert "Acme credits" in admin_client.get(_url(Hold, "changelist")).text
    assert admin_client.get(_url(Hold, "change", org_hold.pk)).status_code == 200
    account_page = admin_client.get(_url(LedgerAccount, "change", credits.pk))
    assert "5.00" in account_page.text  # balance
    assert "1.00" in account_page.text  # held
    assert_ledger_ok()


def test_blocking_a_customer_in_admin_revokes_its_sessions(admin_client, project):
    from sessions_app.models import EmbeddedSession
    from sessions_app.services import session_mint

    session, _ = session_mint(project=project, livemode=False, external_id="admin_block")
    customer = session.customer
    response = admin_client.post(
        f"/admin/wallets/customer/{quote(customer.pk)}/change/",
        {"email": "", "name": "", "status": "blocked", "metadata": "{}"},
    )
    assert response.status_code == 302, response.content[:2000]
    customer.refresh_from_db()
    assert customer.status == "blocked"
    assert EmbeddedSession.objects.get(pk=session.pk).revoked_at is not None


def test_holds_with_uncollected_usage_are_shown_and_filterable(admin_client, project):
    from tests.helpers.factories import make_wallet

    short = make_wallet(project, external_id="short", balance_nanos=1_000)
    covered = make_wallet(project, external_id="covered", balance_nanos=USD)
    short_hold = holds_orm.wallet_hold_reserve(wallet_id=short.pk, amount_nanos=500)
    covered_hold = holds_orm.wallet_hold_reserve(wallet_id=covered.pk, amount_nanos=500)
    holds_orm.wallet_hold_settle(hold_id=short_hold.pk, cost_nanos=4_000)
    holds_orm.wallet_hold_settle(hold_id=covered_hold.pk, cost_nanos=4_000)

    response = admin_client.get(_url(Hold, "changelist"), {"uncollected": "yes"})

    assert list(response.context["cl"].result_list) == [Hold.objects.get(pk=short_hold.pk)]
    page = admin_client.get(_url(Hold, "change", short_hold.pk)).text
    assert "0.000003" in page  # 3,000 nanos of the 4,000 were uncollected
    assert_ledger_ok()
