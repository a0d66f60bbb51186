"""The activity page (every model request of a project, filterable) and the ledger's request
details and running balance on a customer's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from llmgateway.models import ApiKey
from proxy.logs import LogEntry, request_logs_write
from tests.helpers import factories
from tests.helpers.dashboard import project_url
from tests.helpers.money import USD
from wallets import services as wallet_services
from wallets.holds import orm as holds_orm

pytestmark = pytest.mark.django_db


def _log(
    project,
    *,
    request_id,
    customer=None,
    model="test/echo",
    outcome="completed",
    cost_nanos=28_000,
    days_ago=0,
    livemode=False,
    status_code=200,
    error_code="",
):
    key = ApiKey.objects.get(project=project, livemode=livemode, kind=ApiKey.Kind.EMBEDDED_SESSION)
    return LogEntry(
        request_id=request_id,
        created_at=timezone.now() - timedelta(days=days_ago),
        project_id=project.pk,
        organization_id=project.organization_id,
        api_key_id=key.pk,
        livemode=livemode,
        session_id="",
        customer_id=customer.pk if customer else "",
        wallet_id=customer.wallet.pk if customer else "",
        endpoint="chat.completions",
        model=model,
        stream=False,
        input_tokens=12,
        output_tokens=7,
        cached_input_tokens=0,
        images=0,
        cost_nanos=cost_nanos,
        latency_ms=43,
        status_code=status_code,
        error_code=error_code,
        outcome=outcome,
    )


@pytest.fixture
def traffic(project):
    ada = factories.make_customer(project, external_id="ada")
    bob = factories.make_customer(project, external_id="bob")
    request_logs_write(
        entries=[
            _log(project, request_id="req_ada_echo", customer=ada),
            _log(project, request_id="req_ada_old", customer=ada, days_ago=3),
            _log(project, request_id="req_bob_upper", customer=bob, model="test/upper"),
            _log(
                project,
                request_id="req_bob_broke",
                customer=bob,
                outcome="failed",
                status_code=402,
                error_code="insufficient_balance",
                cost_nanos=0,
            ),
            _log(project, request_id="req_live_one", livemode=True),
        ]
    )
    return ada, bob


def _shown(response) -> list[str]:
    html = response.content.decode()
    return [part.split('"', 1)[0] for part in html.split('data-request-id="')[1:]]


def test_every_request_of_the_mode_newest_first(developer_client, project, traffic):
    response = developer_client.get(project_url(project, "activity/"))
    assert response.status_code == 200
    assert _shown(response) == ["req_bob_broke", "req_bob_upper", "req_ada_echo", "req_ada_old"]
    html = response.content.decode()
    assert "$0.000028" in html and "43 ms" in html and "insufficient_balance" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("customer=ada", ["req_ada_echo", "req_ada_old"]),
        ("model=test/upper", ["req_bob_upper"]),
        ("status=failed", ["req_bob_broke"]),
        ("customer=bob&status=completed", ["req_bob_upper"]),
        ("since={today}", ["req_bob_broke", "req_bob_upper", "req_ada_echo"]),
        ("until={three_days_ago}", ["req_ada_old"]),
    ],
)
def test_filters(developer_client, project, traffic, query, expected):
    today = timezone.localdate()
    query = query.format(today=today, three_days_ago=today - timedelta(days=3))
    response = developer_client.get(project_url(project, f"activity/?{query}"))
    assert response.status_code == 200
    assert _shown(response) == expected


def test_the_customer_page_links_its_activity(developer_client, project, traffic):
    ada, _ = traffic
    page = developer_client.get(project_url(project, f"customers/{ada.pk}/")).content.decode()
    assert f"activity/?customer={ada.pk}" in page
    response = developer_client.get(project_url(project, f"activity/?customer={ada.pk}"))
    assert _shown(response) == ["req_ada_echo", "req_ada_old"]


def test_an_unknown_customer_shows_nothing_and_says_why(developer_client, project, traffic):
    response = developer_client.get(project_url(project, "activity/?customer=nobody"))
    assert _shown(response) == []
    assert "No customer with this id or externalId here." in response.content.decode()


def test_another_projects_requests_are_not_shown(developer_client, organization, project, traffic):
    other = factories.make_project(organization, name="Other")
    request_logs_write(entries=[_log(other, request_id="req_other")])
    assert "req_other" not in _shown(developer_client.get(project_url(project, "activity/")))
    assert _shown(developer_client.get(project_url(other, "activity/"))) == ["req_other"]


def test_pages_of_fifty(developer_client, project):
    request_logs_write(entries=[_log(project, request_id=f"req_{n:03d}") for n in range(51)])
    first = developer_client.get(project_url(project, "activity/"))
    second = developer_client.get(project_url(project, "activity/?page=2"))
    assert len(_shown(first)) == 50
    assert len(_shown(second)) == 1
    assert "Page 1 of 2" in first.content.decode()


def test_ledger_rows_show_the_request_and_a_running_balance(developer_client, project):
    wallet = factories.make_wallet(project, external_id="cy", balance_nanos=2 * USD)
    for number, cost in ((1, 28_000), (2, 1_000_000_001)):
        hold = holds_orm.wallet_hold_reserve(
            wallet_id=wallet.pk, amount_nanos=USD + 1, request_id=f"req_cy_{number}"
        )
        holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=cost)
    customer = wallet.customer
    request_logs_write(
        entries=[_log(project, request_id="req_cy_2", customer=customer, cost_nanos=1_000_000_001)]
    )

    page = developer_client.get(project_url(project, f"customers/{customer.pk}/")).content.decode()

    ledger = page.split('id="ledger"', 1)[1]
    balances = [part.split("<", 1)[0] for part in ledger.split('balance-after">')[1:]]
    assert balances == ["$0.999971999", "$1.999972", "$2.00"]
    assert "<code>test/echo</code> · 12 in / 7 out" in ledger
    assert '<code class="request-id">req_cy_1</code>' in ledger  # no log row: the id alone
    call_command("ledger_check")


def test_running_balance_is_the_balance_after_each_entry_whatever_the_filter(
    developer_client, project
):
    wallet = factories.make_wallet(project, external_id="dee", balance_nanos=5 * USD)
    hold = holds_orm.wallet_hold_reserve(
        wallet_id=wallet.pk, amount_nanos=USD, request_id="req_dee"
    )
    holds_orm.wallet_hold_settle(hold_id=hold.pk, cost_nanos=300_000_000)
    wallet_services.wallet_credit(wallet_id=wallet.pk, amount_nanos=USD, description="more")

    page = developer_client.get(
        project_url(project, f"customers/{wallet.customer.pk}/?kind=usage")
    ).content.decode()

    ledger = page.split('id="ledger"', 1)[1]
    balances = [part.split("<", 1)[0] for part in ledger.split('balance-after">')[1:]]
    assert balances == ["$4.70"]  # after the usage, before the later credit
    call_command("ledger_check")
