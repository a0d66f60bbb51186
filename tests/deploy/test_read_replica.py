"""A read replica for reporting: a process started with DATABASE_REPLICA_URL reads the dashboard's
usage and revenue figures from the replica and balances from the primary.

The "replica" is a real second PostgreSQL database holding a snapshot of the primary (pg_dump),
which then lags: the primary changes after the snapshot, exactly as a replica behind on
replication would look.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from django.conf import settings
from django.db import connection

from llmgateway.models import ApiKey
from proxy.models import UsageDaily
from sessions_app.services import session_mint
from tests.helpers.money import USD, assert_ledger_ok
from wallets import services as wallet_services
from wallets.models import Wallet

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPORT_AND_BALANCE = """
import json, sys
from datetime import date
import django
django.setup()
from django.conf import settings
from dashboard.selectors import revenue_report
from llmgateway.models import Project
from wallets.models import Wallet
project_id, wallet_id, day = sys.argv[1:4]
day = date.fromisoformat(day)
report = revenue_report(
    project=Project.objects.get(pk=project_id), livemode=False, since=day, until=day
)
print(json.dumps({
    "aliases": sorted(settings.DATABASES),
    "requests": report.total("requests"),
    "balance_nanos": Wallet.objects.get(pk=wallet_id).balance_nanos,
}))
"""


def _url(name: str) -> str:
    params = connection.settings_dict
    user = params.get("USER") or "postgres"
    return (
        f"postgres://{user}@{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{name}"
    )


def _psql_args() -> list[str]:
    params = connection.settings_dict
    return [
        "-h",
        params.get("HOST") or "127.0.0.1",
        "-p",
        str(params.get("PORT") or 5432),
        "-U",
        params.get("USER") or "postgres",
    ]


@pytest.fixture
def replica_snapshot():
    """Returns a function that copies the primary, as it is now, into a second database."""
    primary = connection.settings_dict["NAME"]
    replica = f"{primary}_replica"[:63]

    def drop():
        subprocess.run(["dropdb", *_psql_args(), "--if-exists", replica], check=True)

    def snapshot() -> str:
        drop()
        subprocess.run(["createdb", *_psql_args(), replica], check=True)
        dump = subprocess.run(
            ["pg_dump", *_psql_args(), "--no-owner", primary], check=True, capture_output=True
        )
        subprocess.run(
            ["psql", *_psql_args(), "-q", "-v", "ON_ERROR_STOP=1", replica],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )
        return replica

    yield snapshot
    drop()


def test_reporting_reads_the_lagging_replica_and_balances_the_primary(project, replica_snapshot):
    session, _ = session_mint(project=project, livemode=False, external_id="reader")
    wallet_services.wallet_credit(wallet_id=session.wallet_id, amount_nanos=1 * USD)
    key = ApiKey.objects.filter(project=project).first()
    today = date.today()
    usage = UsageDaily.objects.create(
        date=today,
        organization_id=project.organization_id,
        project=project,
        api_key=key,
        model="test/echo",
        livemode=False,
        requests=5,
    )
    replica = replica_snapshot()

    # The primary moves on; the replica doesn't see it yet.
    UsageDaily.objects.filter(pk=usage.pk).update(requests=7)
    wallet_services.wallet_credit(wallet_id=session.wallet_id, amount_nanos=2 * USD)
    assert Wallet.objects.get(pk=session.wallet_id).balance_nanos == 3 * USD

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "llmgateway.settings",
        "DATABASE_URL": _url(connection.settings_dict["NAME"]),
        "DATABASE_REPLICA_URL": _url(replica),
    }
    result = subprocess.run(
        [sys.executable, "-c", REPORT_AND_BALANCE, project.pk, session.wallet_id, str(today)],
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    read = json.loads(result.stdout.strip().splitlines()[-1])

    assert read["aliases"] == ["default", "replica"]
    assert read["requests"] == 5  # the replica's (lagging) figure, not the primary's 7
    assert read["balance_nanos"] == 3 * USD  # money from the primary, never the replica

    # Without a replica the same process reads everything from the primary.
    del env["DATABASE_REPLICA_URL"]
    result = subprocess.run(
        [sys.executable, "-c", REPORT_AND_BALANCE, project.pk, session.wallet_id, str(today)],
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    read = json.loads(result.stdout.strip().splitlines()[-1])
    assert (read["aliases"], read["requests"]) == (["default"], 7)
    assert_ledger_ok()
