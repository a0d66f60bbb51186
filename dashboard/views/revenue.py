"""Usage and revenue of a project per day and per model, as SVG charts and CSV."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from dashboard.access import org_page
from dashboard.charts import Point, bar_chart_svg, line_chart_svg
from dashboard.forms import RevenueRangeForm
from dashboard.selectors import RevenueReport, revenue_report
from dashboard.views.common import page
from llmgateway.money import nanos_to_usd, usd_display

DEFAULT_DAYS = 30
PRESET_DAYS = (7, 30, 90)


def _range(request: HttpRequest):
    form = RevenueRangeForm(request.GET or None)
    today = timezone.localdate()
    until = today
    since = today - timedelta(days=DEFAULT_DAYS - 1)
    if request.GET.get("days", "").isdigit():
        days = min(max(int(request.GET["days"]), 1), RevenueRangeForm.MAX_DAYS)
        since = today - timedelta(days=days - 1)
    elif form.is_valid():
        # An invalid range shows the form's message over the default range.
        until = form.cleaned_data["until"] or today
        since = form.cleaned_data["since"] or until - timedelta(days=DEFAULT_DAYS - 1)
    return form, since, until


def _charts(report: RevenueReport) -> list[dict]:
    def points(attribute: str) -> list[Point]:
        return [Point(day.day.strftime("%m-%d"), getattr(day, attribute)) for day in report.days]

    def count(value: int) -> str:
        return f"{value:,}"

    specs: list[tuple[str, str, Callable[[int], str], Callable[..., str]]] = [
        ("requests", "Requests", count, bar_chart_svg),
        ("tokens", "Tokens (input + output)", count, bar_chart_svg),
        ("upstream_cost_nanos", "Upstream cost", usd_display, bar_chart_svg),
        ("topups_nanos", "Top-ups", usd_display, bar_chart_svg),
        ("margin_nanos", "Margin earned", usd_display, line_chart_svg),
    ]
    return [
        {
            "id": attribute,
            "title": title,
            "total": format_value(report.total(attribute)),
            "svg": chart(points(attribute), title=title, format_value=format_value),
        }
        for attribute, title, format_value, chart in specs
    ]


@org_page(with_project=True)
def revenue(request: HttpRequest) -> HttpResponse:
    dashboard = request.dashboard
    form, since, until = _range(request)
    report = revenue_report(
        project=dashboard.project, livemode=dashboard.livemode, since=since, until=until
    )
    context = {
        "form": form,
        "report": report,
        "charts": _charts(report),
        "presets": PRESET_DAYS,
        "query": f"since={since.isoformat()}&until={until.isoformat()}",
    }
    template = (
        "dashboard/_revenue_body.html"
        if request.headers.get("HX-Request") == "true"
        else "dashboard/revenue.html"
    )
    return page(request, template, context)


@org_page(with_project=True)
def revenue_csv(request: HttpRequest) -> HttpResponse:
    """One row per day; money as USD decimal strings, exact (never floats)."""
    dashboard = request.dashboard
    _, since, until = _range(request)
    report = revenue_report(
        project=dashboard.project, livemode=dashboard.livemode, since=since, until=until
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"revenue-{dashboard.project.pk}-{dashboard.mode}-{since}-{until}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "date",
            "mode",
            "requests",
            "input_tokens",
            "output_tokens",
            "upstream_cost_usd",
            "topups",
            "topups_usd",
            "margin_usd",
        ]
    )
    for day in report.days:
        writer.writerow(
            [
                day.day.isoformat(),
                dashboard.mode,
                day.requests,
                day.input_tokens,
                day.output_tokens,
                nanos_to_usd(day.upstream_cost_nanos),
                day.topup_count,
                nanos_to_usd(day.topups_nanos),
                nanos_to_usd(day.margin_nanos),
            ]
        )
    return response
