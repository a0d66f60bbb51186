"""Every money row carries its organization, and no transaction moves two organizations' money:
the keying that lets the books be split by organization (docs/deploy.md, "Past one primary").

- the schema: each money model has a required `organization` (ledger accounts: all but the
  platform's), and every model of the money apps is either keyed or listed here with the reason
  it is not, so a new money table cannot arrive unkeyed;
- the normal flows of two organizations side by side (customers and wallets, grants, holds on
  both backends, top-ups and their refunds, payouts, request logs and usage) leave every row
  keyed to the organization its relations say;
- the ledger refuses a transaction of two organizations, or of none;
- the migrations fill the key of rows written before it existed, from their relations.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ForeignKey
from django.utils import timezone

from billing.services.reversals import topup_reverse
from billing.services.topups import topup_create, topup_credit_from_payment_intent
from llmgateway.models import Organization
from llmgateway.services import api_key_create
from payouts.services import payout_request
from payouts.services.simulated import simulated_account_get_or_create
from proxy.auth import principal_cache_clear
from proxy.logs import LogEntry, request_logs_write
from sessions_app.services import session_mint
from tests.helpers import factories
from tests.helpers.gateway import post_json
from tests.helpers.money import USD, assert_ledger_ok
from wallets import services
from wallets.errors import UnbalancedTransaction
from wallets.holds import orm as holds_orm
from wallets.models import ORGANIZATION_BOOK_KINDS, LedgerAccount
from wallets.services.accounts import SYSTEM_KINDS

# The money rows: each carries a required `organization` (LedgerAccount: all but the platform's).
KEYED = {
    "wallets.Customer",
    "wallets.Wallet",
    "wallets.LedgerAccount",
    "wallets.LedgerTransaction",
    "wallets.LedgerEntry",
    "wallets.Hold",
    "billing.TopUp",
    "billing.TopUpCredit",
    "billing.TopUpReversal",
    "payouts.ConnectedAccount",
    "payouts.PayoutSettings",
    "payouts.Payout",
    "proxy.RequestLog",
    "proxy.UsageDaily",
}
# Every other model of the apps that hold money, and why it carries no organization.
NOT_KEYED = {
    "wallets.LedgerCheckpoint": "a seal of the whole ledger (platform-wide)",
    "wallets.LedgerCheckpointBalance": "an account's figure in a whole-ledger seal",
    "wallets.LedgerCheckRun": "a run of the whole-ledger check",
    "billing.CatalogModel": "the model catalog: a reference table",
    "billing.Deployment": "the model catalog: a reference table",
    "billing.ProviderCredential": "operator's upstream keys: a reference table",
    "billing.ProjectBillingSettings": "a project's settings, with the projects",
    "billing.DeveloperWebhookEndpoint": "a project's settings, with the projects",
    # Not money, but written inside money transactions: keyed before the move, or those
    # transactions span shards (docs/deploy.md, "Past one primary").
    "billing.WalletLowBalanceState": "not money; to key before the move",
    "billing.WebhookEvent": "not money (an outbox row); to key before the move",
    "billing.WebhookDelivery": "not money (an outbox row); to key before the move",
    "billing.WebhookDeliveryAttempt": "not money (a delivery's log)",
    "sessions_app.EmbeddedSession": "spend caps, locked by the hot path; to key before the move",
}
MONEY_APPS = ("wallets", "billing", "payouts", "proxy", "sessions_app")


def _label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def test_every_model_of_the_money_apps_is_keyed_or_says_why_not():
    models = {
        _label(model) for label in MONEY_APPS for model in apps.get_app_config(label).get_models()
    }
    assert models == KEYED | NOT_KEYED.keys()
    assert not KEYED & NOT_KEYED.keys()


def test_the_account_kinds_in_an_organizations_books_are_the_wallet_and_its_own():
    assert set(ORGANIZATION_BOOK_KINDS) == {
        LedgerAccount.Kind.WALLET,
        *LedgerAccount.ORGANIZATION_KINDS,
    }
    assert set(SYSTEM_KINDS) == set(LedgerAccount.Kind.values) - set(ORGANIZATION_BOOK_KINDS)


@pytest.mark.parametrize("label", sorted(KEYED))
def test_each_money_model_has_a_required_organization(label):
    field = apps.get_model(label)._meta.get_field("organization")
    assert isinstance(field, ForeignKey) and field.related_model is Organization
    assert field.null is (label == "wallets.LedgerAccount")  # the platform's accounts: none


# --- Each row's organization against the one its relations give it ------------------------

# A row whose organization is missing or differs from what its relations say (a query for each
# money table; both PostgreSQL and SQLite).
MISKEYED = {
    "wallets_customer": """
        SELECT c.id FROM wallets_customer c JOIN llmgateway_project p ON p.id = c.project_id
        WHERE c.organization_id IS NULL OR c.organization_id <> p.organization_id""",
    "wallets_wallet": """
        SELECT w.id FROM wallets_wallet w JOIN wallets_customer c ON c.id = w.customer_id
        WHERE w.organization_id IS NULL OR w.organization_id <> c.organization_id""",
    "wallets_ledgeraccount": """
        SELECT a.id FROM wallets_ledgeraccount a LEFT JOIN wallets_wallet w ON w.id = a.wallet_id
        WHERE (a.wallet_id IS NOT NULL AND (a.organization_id IS NULL
                                            OR a.organization_id <> w.organization_id))
           OR (a.kind IN ('org_credits', 'org_margin', 'org_margin_reserved')
               AND a.organization_id IS NULL)""",
    # An entry is its transaction's; an account in an organization's books is that one's.
    "wallets_ledgertransaction": """
        SELECT t.id FROM wallets_ledgertransaction t
        JOIN wallets_ledgerentry e ON e.transaction_id = t.id
        JOIN wallets_ledgeraccount a ON a.id = e.account_id
        WHERE t.organization_id IS NULL OR e.organization_id IS NULL
           OR e.organization_id <> t.organization_id
           OR (a.organization_id IS NOT NULL AND a.organization_id <> t.organization_id)""",
    "wallets_hold": """
        SELECT h.id FROM wallets_hold h
        LEFT JOIN wallets_wallet w ON w.id = h.wallet_id
        LEFT JOIN wallets_ledgeraccount a ON a.id = h.account_id
        WHERE h.organization_id IS NULL
           OR h.organization_id <> COALESCE(w.organization_id, a.organization_id)""",
    "billing_topup": """
        SELECT t.id FROM billing_topup t
        JOIN llmgateway_project p ON p.id = t.project_id
        JOIN wallets_wallet w ON w.id = t.wallet_id
        WHERE t.organization_id IS NULL OR t.organization_id <> p.organization_id
           OR t.organization_id <> w.organization_id""",
    "billing_topupcredit": """
        SELECT c.id FROM billing_topupcredit c
        JOIN billing_topup t ON t.id = c.topup_id
        JOIN wallets_ledgertransaction l ON l.id = c.ledger_transaction_id
        WHERE c.organization_id IS NULL OR c.organization_id <> t.organization_id
           OR c.organization_id <> l.organization_id""",
    "billing_topupreversal": """
        SELECT r.id FROM billing_topupreversal r
        JOIN billing_topup t ON t.id = r.topup_id
        LEFT JOIN wallets_ledgertransaction l ON l.id = r.ledger_transaction_id
        WHERE r.organization_id IS NULL OR r.organization_id <> t.organization_id
           OR r.organization_id <> COALESCE(l.organization_id, r.organization_id)""",
    "payouts_payout": """
        SELECT p.id FROM payouts_payout p
        JOIN payouts_connectedaccount a ON a.id = p.connected_account_id
        WHERE p.organization_id <> a.organization_id""",
    "proxy_requestlog": """
        SELECT r.id FROM proxy_requestlog r
        JOIN llmgateway_project p ON p.id = r.project_id
        LEFT JOIN wallets_wallet w ON w.id = r.wallet_id
        WHERE r.organization_id IS NULL OR r.organization_id <> p.organization_id
           OR r.organization_id <> COALESCE(w.organization_id, r.organization_id)""",
    "proxy_usagedaily": """
        SELECT u.id FROM proxy_usagedaily u JOIN llmgateway_project p ON p.id = u.project_id
        WHERE u.organization_id IS NULL OR u.organization_id <> p.organization_id""",
}


def assert_every_money_row_keyed(*, organizations: int, tables: set[str]) -> None:
    """No row of any money table is miskeyed, and each of `tables` holds rows of
    `organizations` different organizations (so the check had something to find)."""
    with connection.cursor() as cursor:
        miskeyed = {}
        for table, query in MISKEYED.items():
            cursor.execute(query)
            rows = cursor.fetchall()
            if rows:
                miskeyed[table] = [row[0] for row in rows[:5]]
        spread = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(DISTINCT organization_id) FROM {table}")
            spread[table] = cursor.fetchone()[0]
    assert miskeyed == {}
    assert spread == dict.fromkeys(tables, organizations)


@pytest.fixture
def simulated_payments(settings):
    """Test-mode top-ups and payouts through the simulated providers (no Stripe key)."""
    settings.STRIPE_TEST_SECRET_KEY = ""


def _log_entry(session, cost_nanos: int) -> LogEntry:
    return LogEntry(
        request_id=f"req_log_{session.pk}",
        created_at=timezone.now(),
        project_id=session.project_id,
        organization_id=session.project.organization_id,
        api_key_id=session.project.api_keys.get(kind="embedded_session", livemode=False).pk,
        livemode=False,
        session_id=session.pk,
        customer_id=session.customer_id,
        wallet_id=session.wallet_id,
        endpoint="chat.completions",
        model="test/echo",
        stream=False,
        input_tokens=3,
        output_tokens=5,
        cached_input_tokens=0,
        images=0,
        cost_nanos=cost_nanos,
        latency_ms=7,
        status_code=200,
        error_code="",
        outcome="completed",
    )


def _orm_flows(project, django_capture_on_commit_callbacks) -> None:
    """What an organization's money goes through, on the ORM services (SQLite's path too)."""
    organization_id = project.organization_id
    session, _ = session_mint(project=project, livemode=False, external_id="shopper")
    wallet_id = session.wallet_id
    services.wallet_credit(wallet_id=wallet_id, amount_nanos=5 * USD)
    services.organization_credit_grant(
        organization_id=organization_id, amount_nanos=5 * USD, reason="seed", livemode=False
    )
    services.wallet_grant_from_organization(wallet_id=wallet_id, amount_nanos=USD, reason="gift")
    services.wallet_adjust(wallet_id=wallet_id, amount_nanos=-1_000, reason="fix", actor="ops")
    services.wallet_debit(wallet_id=wallet_id, amount_nanos=2_000)

    settled = holds_orm.wallet_hold_reserve(
        wallet_id=wallet_id,
        amount_nanos=50_000,
        request_id=f"r1_{wallet_id}",
        session_id=session.pk,
    )
    holds_orm.wallet_hold_settle(hold_id=settled.pk, cost_nanos=30_000)
    released = holds_orm.wallet_hold_reserve(wallet_id=wallet_id, amount_nanos=10_000)
    holds_orm.wallet_hold_release(hold_id=released.pk)
    on_credits = holds_orm.organization_hold_reserve(
        organization_id=organization_id, livemode=False, amount_nanos=40_000
    )
    holds_orm.wallet_hold_settle(hold_id=on_credits.pk, cost_nanos=25_000)

    with django_capture_on_commit_callbacks(execute=True):
        kept = topup_create(
            project=project, wallet_id=wallet_id, livemode=False, amount_nanos=10 * USD
        )
        refunded = topup_create(
            project=project, wallet_id=wallet_id, livemode=False, amount_nanos=5 * USD
        )
        for topup in (kept, refunded):
            topup_credit_from_payment_intent(
                payment_intent_id=topup.payment_intent_id,
                livemode=False,
                amount_received_cents=topup.total_nanos // 10_000_000,
            )
        topup_reverse(livemode=False, reason="refund", payment_intent_id=refunded.payment_intent_id)
        # Refunded before its payment landed: recorded unposted, posted with its credit.
        early = topup_create(
            project=project, wallet_id=wallet_id, livemode=False, amount_nanos=5 * USD
        )
        topup_reverse(livemode=False, reason="refund", payment_intent_id=early.payment_intent_id)
        topup_credit_from_payment_intent(payment_intent_id=early.payment_intent_id, livemode=False)

        simulated_account_get_or_create(organization_id=organization_id)
        payout_request(organization_id=organization_id, livemode=False)

    request_logs_write(entries=[_log_entry(session, cost_nanos=30_000)])


@pytest.mark.django_db
def test_two_organizations_flows_leave_every_money_row_keyed_to_its_own(
    simulated_payments, django_capture_on_commit_callbacks
):
    first = factories.make_project(factories.make_organization("First"), name="one")
    second = factories.make_project(factories.make_organization("Second"), name="two")
    for project in (first, second):
        _orm_flows(project, django_capture_on_commit_callbacks)
    # One batch of request logs from both organizations, as a process's flush writes them.
    sessions = [
        session_mint(project=p, livemode=False, external_id="batch")[0] for p in (first, second)
    ]
    request_logs_write(entries=[_log_entry(session, cost_nanos=1_000) for session in sessions])

    assert_every_money_row_keyed(organizations=2, tables=set(MISKEYED))
    assert_ledger_ok()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_hot_path_sql_keys_holds_usage_and_logs_to_the_payers_organization(client, settings):
    """Browser and secret-key requests through the PostgreSQL statements (wallets/holds/pg.py,
    proxy/logs_pg.py): holds, usage transactions, their entries, request logs and buckets."""
    settings.HOTPATH_PG = True
    settings.REQUEST_LOG_FLUSH_SECONDS = 0
    principal_cache_clear()
    body = {"model": "test/echo", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}
    for name in ("First", "Second"):
        project = factories.make_project(factories.make_organization(name), name=name)
        session, token = session_mint(project=project, livemode=False, external_id="buyer")
        services.wallet_credit(wallet_id=session.wallet_id, amount_nanos=USD)
        services.organization_credit_grant(
            organization_id=project.organization_id, amount_nanos=USD, reason="t", livemode=False
        )
        secret = api_key_create(project=project, livemode=False)[1]
        for key in (token, token, secret):
            response = post_json(client, "/v1/chat/completions", body, key)
            assert response.status_code == 200, response.content

    tables = {
        "wallets_customer",
        "wallets_wallet",
        "wallets_hold",
        "wallets_ledgertransaction",
        "proxy_requestlog",
        "proxy_usagedaily",
    }
    assert_every_money_row_keyed(organizations=2, tables=tables)
    assert_ledger_ok()
    principal_cache_clear()


# --- The ledger's one rule: one organization per transaction -------------------------------


@pytest.mark.django_db
def test_a_transaction_of_two_organizations_or_of_none_is_refused():
    first = factories.make_wallet(factories.make_project(factories.make_organization("A")))
    second = factories.make_wallet(factories.make_project(factories.make_organization("B")))
    first_account = LedgerAccount.objects.get(wallet=first)
    second_account = LedgerAccount.objects.get(wallet=second)
    grants = services.account_for_system(kind="platform_grants", livemode=False)
    fees = services.account_for_system(kind="platform_fees", livemode=False)

    for lines, organization_id in (
        ([services.Line(first_account, -1), services.Line(second_account, 1)], None),
        ([services.Line(grants, -1), services.Line(fees, 1)], None),
        ([services.Line(grants, -1), services.Line(first_account, 1)], second.organization_id),
    ):
        with (
            pytest.raises(UnbalancedTransaction, match="exactly one organization"),
            transaction.atomic(),
        ):
            services.ledger_post(
                kind="transfer", livemode=False, lines=lines, organization_id=organization_id
            )
    # Platform accounts only, for a named organization: a settle that collected nothing.
    with transaction.atomic():
        txn, _ = services.ledger_post(
            kind="usage",
            livemode=False,
            lines=[services.Line(grants, -1), services.Line(fees, 1)],
            organization_id=first.organization_id,
        )
    assert txn.organization_id == first.organization_id
    assert set(txn.entries.values_list("organization_id", flat=True)) == {first.organization_id}


# --- The migrations: rows written before the key existed -----------------------------------

BEFORE = [
    ("llmgateway", "0005_project_routing"),
    ("wallets", "0008_ledger_checkpoints"),
    ("billing", "0005_deployments"),
    ("proxy", "0003_request_log_provider"),
]


FILLED = [
    ("llmgateway", "0005_project_routing"),
    ("wallets", "0010_organization_keys_backfill"),
    ("billing", "0007_organization_keys_backfill"),
    ("proxy", "0005_organization_keys_backfill"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _rows_before_the_key(old, name: str) -> dict:
    """One organization's money as it was written before the key: a customer and wallet, a
    grant, a hold, a top-up with its credit and reversal, a request log and its bucket."""
    model = old.get_model
    organization = model("llmgateway", "Organization").objects.create(id=f"org_{name}", name=name)
    project = model("llmgateway", "Project").objects.create(
        id=f"proj_{name}", organization=organization, name=name
    )
    key = model("llmgateway", "ApiKey").objects.create(
        id=f"key_{name}", project=project, livemode=False, display_prefix="sk", key_hash=name
    )
    customer = model("wallets", "Customer").objects.create(
        id=f"cus_{name}", project=project, livemode=False, external_id=name
    )
    wallet = model("wallets", "Wallet").objects.create(
        id=f"wal_{name}", customer=customer, livemode=False
    )
    Account = model("wallets", "LedgerAccount")
    account = Account.objects.create(kind="wallet", livemode=False, wallet=wallet)
    credits = Account.objects.create(
        kind="org_credits", livemode=False, organization=organization, balance_nanos=0
    )
    grants = Account.objects.get(kind="platform_grants", livemode=False, organization=None)
    txn = model("wallets", "LedgerTransaction").objects.create(kind="grant", livemode=False)
    Entry = model("wallets", "LedgerEntry")
    Entry.objects.create(transaction=txn, account=grants, amount_nanos=-5)
    Entry.objects.create(transaction=txn, account=account, amount_nanos=5)
    hold = model("wallets", "Hold").objects.create(
        id=f"hold_{name}", account=credits, amount_nanos=1, expires_at=timezone.now()
    )
    topup = model("billing", "TopUp").objects.create(
        id=f"tu_{name}", project=project, wallet=wallet, livemode=False, provider="simulated",
        amount_nanos=5, fee_nanos=0, total_nanos=5, net_nanos=5, margin_nanos=0,
    )  # fmt: skip
    credit = model("billing", "TopUpCredit").objects.create(
        payment_intent_id=f"pi_{name}", topup=topup, ledger_transaction=txn
    )
    reversal = model("billing", "TopUpReversal").objects.create(topup=topup, reason="refund")
    log = model("proxy", "RequestLog").objects.create(
        request_id=f"req_{name}", created_at=datetime(2026, 12, 1, tzinfo=UTC), project=project,
        api_key=key, livemode=False, wallet_id=wallet.pk, endpoint="chat", model="m",
        status_code=200, outcome="completed",
    )  # fmt: skip
    usage = model("proxy", "UsageDaily").objects.create(
        date=log.created_at.date(), project=project, api_key=key, model="m", livemode=False
    )
    return {
        "organization": organization.pk,
        "wallets.Customer": customer.pk,
        "wallets.Wallet": wallet.pk,
        "wallets.LedgerAccount": account.pk,
        "wallets.LedgerTransaction": txn.pk,
        "wallets.Hold": hold.pk,
        "billing.TopUp": topup.pk,
        "billing.TopUpCredit": credit.pk,
        "billing.TopUpReversal": reversal.pk,
        "proxy.RequestLog": log.pk,
        "proxy.UsageDaily": usage.pk,
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_migrations_key_existing_rows_from_their_relations():
    old = _migrate(BEFORE)
    written = [_rows_before_the_key(old, name) for name in ("east", "west")]
    # A rolling release: old processes still write rows without the key after the fill step;
    # the step that makes it required fills them first.
    filling = _migrate(FILLED)
    written.append(_rows_before_the_key(filling, "late"))

    new = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    for rows in written:
        organization = rows.pop("organization")
        for label, pk in rows.items():
            assert new.get_model(label).objects.get(pk=pk).organization_id == organization, label
        entries = new.get_model("wallets", "LedgerEntry").objects.filter(
            transaction_id=rows["wallets.LedgerTransaction"]
        )
        assert set(entries.values_list("organization_id", flat=True)) == {organization}
    platform = new.get_model("wallets", "LedgerAccount").objects.filter(
        wallet=None, organization=None
    )
    assert set(platform.values_list("kind", flat=True)) == set(SYSTEM_KINDS)
    if connection.vendor == "postgresql":  # each batch of the fill gave the append-only rule back
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = 'ledgerentry_append_only'"
            )
            assert cursor.fetchall() == [("O",)]
