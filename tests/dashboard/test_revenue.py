"""Usage and revenue per day and model: the figures, the SVG charts and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import TopUp
from billing.payment_events.simulated import topup_simulate
from billing.services.topups import topup_create
from dashboard.charts import Point, bar_chart_svg, line_chart_svg
from llmgateway.models import ApiKey
from proxy.models import UsageDaily
from tests.helpers import factories
from tests.helpers.dashboard import project_url
from tests.helpers.money import USD

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(project, django_capture_on_commit_callbacks):
    """Two days of usage on two models, one credited $10 top-up at 20% markup today, and
    figures in the other mode and out of range that must not count."""
    today = timezone.localdate()
    key = ApiKey.objects.get(project=project, kind="embedded_session", livemode=False)
    live_key = ApiKey.objects.get(project=project, kind="embedded_session", livemode=True)
    rows = [
        (today, "test/echo", key, False, 3, 100, 50, 1_000_000),
        (today, "test/lorem", key, False, 1, 10, 20, 70_000),
        (today - timedelta(days=1), "test/echo", key, False, 2, 40, 40, 120_000),
        (today, "openai/gpt-4o-mini", live_key, True, 9, 999, 999, 9_999_999),
        (today - timedelta(days=40), "test/echo", key, False, 7, 7, 7, 7),
    ]
    for day, model, api_key, livemode, requests, tokens_in, tokens_out, cost in rows:
        UsageDaily.objects.create(
            date=day, organization_id=project.organization_id, project=project,
            api_key=api_key, model=model, livemode=livemode, requests=requests,
            input_tokens=tokens_in, output_tokens=tokens_out, cost_nanos=cost,
        )  # fmt: skip
    wallet = factories.make_wallet(project)
    topup = topup_create(
        project=project, wallet_id=wallet.pk, livemode=False, amount_nanos=10 * USD
    )
    with django_capture_on_commit_callbacks(execute=True):
        topup_simulate(topup=topup, outcome="succeeded")
    topup.refresh_from_db()
    assert topup.status == TopUp.Status.SUCCEEDED
    return today


def test_revenue_page_charts_each_day_of_the_range(developer_client, project, activity):
    page = developer_client.get(project_url(project, "revenue/"), {"days": "7"}).content.decode()
    today_label = activity.strftime("%m-%d")
    requests_chart = page.split('id="chart-requests"')[1].split("</svg>")[0]
    assert requests_chart.count('class="chart-bar"') == 7
    assert f'data-label="{today_label}" data-value="4"' in requests_chart
    topups_chart = page.split('id="chart-topups_nanos"')[1].split("</svg>")[0]
    assert f'data-label="{today_label}" data-value="10000000000"' in topups_chart
    margin_chart = page.split('id="chart-margin_nanos"')[1].split("</svg>")[0]
    assert f'data-label="{today_label}" data-value="1666666667"' in margin_chart
    assert '<span class="chart-total">$1.666666667</span>' in page
    assert '<span class="chart-total">$0.00119</span>' in page  # upstream cost, test mode only
    assert '<span class="chart-total">260</span>' in page  # tokens 150 + 30 + 80
    per_model = page.split('id="per-model"')[1]
    assert per_model.index("test/echo") < per_model.index("test/lorem")
    assert "openai/gpt-4o-mini" not in page


def test_live_mode_shows_only_live_figures(owner_client, project, activity):
    owner_client.post("/dashboard/mode/", {"mode": "live"})
    page = owner_client.get(project_url(project, "revenue/")).content.decode()
    assert "openai/gpt-4o-mini" in page
    assert '<span class="chart-total">$0.00</span>' in page  # no live top-ups


def test_htmx_range_change_swaps_only_the_body(developer_client, project, activity):
    response = developer_client.get(
        project_url(project, "revenue/"), {"days": "2"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body
    assert body.split('id="chart-requests"')[1].split("</svg>")[0].count('class="chart-bar"') == 2


def test_csv_export_has_one_exact_row_per_day(developer_client, project, activity):
    since = (activity - timedelta(days=1)).isoformat()
    response = developer_client.get(
        project_url(project, "revenue.csv"), {"since": since, "until": activity.isoformat()}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["date"] for row in rows] == [since, activity.isoformat()]
    yesterday, today = rows
    assert yesterday["requests"] == "2" and yesterday["upstream_cost_usd"] == "0.00012"
    assert today == {
        "date": activity.isoformat(),
        "mode": "test",
        "requests": "4",
        "input_tokens": "110",
        "output_tokens": "70",
        "upstream_cost_usd": "0.00107",
        "topups": "1",
        "topups_usd": "10.00",
        "margin_usd": "1.666666667",
    }


def test_an_inverted_or_huge_range_is_refused_with_a_message(developer_client, project):
    inverted = developer_client.get(
        project_url(project, "revenue/"), {"since": "2025-02-01", "until": "2025-01-01"}
    )
    assert "The start of the range is after its end." in inverted.content.decode()
    huge = developer_client.get(
        project_url(project, "revenue/"), {"since": "2020-01-01", "until": "2025-01-01"}
    )
    assert "Choose at most 366 days." in huge.content.decode()


def test_bar_chart_scales_to_the_largest_value_and_escapes_labels():
    svg = str(bar_chart_svg([Point("<a>", 50), Point("b", 100), Point("c", 0)], title="T&T"))
    heights = [int(h) for h in re.findall(r'class="chart-bar"[^>]*height="(\d+)"', svg)]
    assert heights == [80, 160, 0]
    assert "<a>" not in svg and "&lt;a&gt;" in svg
    assert "T&amp;T" in svg


def test_charts_of_nothing_draw_no_bars_and_no_division_by_zero():
    svg = str(bar_chart_svg([Point("a", 0), Point("b", 0)], title="empty"))
    assert re.findall(r'height="(\d+)"', svg) == ["0", "0"]
    line = str(line_chart_svg([], title="none"))
    assert 'data-chart-max="0"' in line
