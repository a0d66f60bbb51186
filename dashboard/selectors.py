"""Reads behind the dashboard: memberships, customers, ledger, activity, usage and revenue,
the providers a project may allow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from billing.models import Deployment, DeveloperWebhookEndpoint, TopUp, WebhookDelivery
from llmgateway.db_aliases import reporting_alias
from llmgateway.models import ApiKey, Membership, Organization, Project
from proxy.models import RequestLog, UsageDaily
from wallets.models import Customer, LedgerEntry, LedgerTransaction


def memberships_for_user(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    return Membership.objects.select_related("organization").filter(user=user)


def membership_for(*, user: AbstractBaseUser, organization_id: str) -> Membership | None:
    return (
        Membership.objects.select_related("organization")
        .filter(user=user, organization_id=organization_id)
        .first()
    )


def organization_projects(*, organization: Organization) -> QuerySet[Project]:
    return Project.objects.filter(organization=organization).order_by("name")


def secret_keys_for_project(*, project: Project, livemode: bool) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(project=project, livemode=livemode, kind=ApiKey.Kind.SECRET)


def customers_search(*, project: Project, livemode: bool, query: str = "") -> QuerySet[Customer]:
    """By externalId or email (contains, any case), or an exact customer or wallet id."""
    customers = Customer.objects.select_related("wallet").filter(project=project, livemode=livemode)
    query = query.strip()
    if query:
        customers = customers.filter(
            Q(external_id__icontains=query)
            | Q(email__icontains=query)
            | Q(pk=query)
            | Q(wallet__pk=query)
        )
    return customers.order_by("-created_at")


def wallet_ledger_filtered(
    *,
    wallet_id: str,
    kind: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[LedgerEntry]:
    """A wallet's ledger entries, newest first, by transaction kind and day range (inclusive)."""
    entries = LedgerEntry.objects.select_related("transaction").filter(account__wallet_id=wallet_id)
    if kind:
        entries = entries.filter(transaction__kind=kind)
    if since:
        entries = entries.filter(created_at__gte=_day_start(since))
    if until:
        entries = entries.filter(created_at__lt=_day_start(until + timedelta(days=1)))
    return entries.order_by("-id")


def request_logs_filtered(
    *,
    project: Project,
    livemode: bool,
    customer_id: str = "",
    model: str = "",
    outcome: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[RequestLog]:
    """A project's model requests in one mode, newest first, by customer, model, outcome and
    day range (inclusive); the index `requestlog_project_mode_recent` serves the unfiltered page."""
    logs = RequestLog.objects.filter(project=project, livemode=livemode)
    if customer_id:
        logs = logs.filter(customer_id=customer_id)
    if model:
        logs = logs.filter(model=model)
    if outcome:
        logs = logs.filter(outcome=outcome)
    if since:
        logs = logs.filter(created_at__gte=_day_start(since))
    if until:
        logs = logs.filter(created_at__lt=_day_start(until + timedelta(days=1)))
    return logs.order_by("-created_at", "-id")


def request_log_models(*, project: Project, livemode: bool) -> list[str]:
    """The models a project used in a mode, from the daily aggregates (small, unlike the logs)."""
    return list(
        UsageDaily.objects.filter(project=project, livemode=livemode)
        .order_by("model")
        .values_list("model", flat=True)
        .distinct()
    )


def customers_by_id(*, ids: set[str]) -> dict[str, Customer]:
    return {customer.pk: customer for customer in Customer.objects.filter(pk__in=ids)}


def ledger_rows_annotate(*, wallet_id: str, entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Add to a page of a wallet's entries (newest first) what the ledger table shows beside the
    amount: `balance_after_nanos`, the wallet's balance just after the entry (whatever filter made
    the page), and `request_log`, the model request a usage entry paid for (or None).

    The running balances come from one statement (one snapshot): the sum of the wallet's entries
    up to each entry on the page.
    """
    if not entries:
        return entries
    totals = LedgerEntry.objects.filter(
        account__wallet_id=wallet_id, id__lte=entries[0].pk
    ).aggregate(
        **{f"upto_{entry.pk}": Sum("amount_nanos", filter=Q(id__lte=entry.pk)) for entry in entries}
    )
    for entry in entries:
        entry.balance_after_nanos = totals[f"upto_{entry.pk}"] or 0
        entry.request_id = _request_of(entry.transaction)
    request_ids = {entry.request_id for entry in entries if entry.request_id}
    logs = {log.request_id: log for log in RequestLog.objects.filter(request_id__in=request_ids)}
    for entry in entries:
        entry.request_log = logs.get(entry.request_id)
    return entries


def _request_of(transaction: LedgerTransaction) -> str:
    """The request id a usage transaction records in its metadata (the hot path writes it)."""
    if transaction.kind != LedgerTransaction.Kind.USAGE or not isinstance(
        transaction.metadata, dict
    ):
        return ""
    return str(transaction.metadata.get("request") or "")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


@dataclass
class DayFigures:
    day: date
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    upstream_cost_nanos: int = 0
    topups_nanos: int = 0
    topup_count: int = 0
    margin_nanos: int = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass
class ModelFigures:
    model: str
    requests: int
    input_tokens: int
    output_tokens: int
    upstream_cost_nanos: int

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass
class RevenueReport:
    since: date
    until: date
    days: list[DayFigures] = field(default_factory=list)
    models: list[ModelFigures] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(day, name) for day in self.days)


def revenue_report(*, project: Project, livemode: bool, since: date, until: date) -> RevenueReport:
    """Per day (every day of the range, zeros included) and per model, for one project and mode.

    Usage comes from the daily aggregates (UsageDaily); top-ups and margin from credited top-ups
    (status succeeded, on the day they were credited). A refunded top-up no longer counts: its
    margin was taken back. Read from the reporting replica when there is one (it may lag).
    """
    database = reporting_alias()
    by_day = {
        since + timedelta(days=offset): DayFigures(day=since + timedelta(days=offset))
        for offset in range((until - since).days + 1)
    }
    usage = UsageDaily.objects.using(database).filter(
        project=project, livemode=livemode, date__gte=since, date__lte=until
    )
    for row in usage.values("date").annotate(
        requests=Sum("requests"),
        input_tokens=Sum("input_tokens"),
        output_tokens=Sum("output_tokens"),
        cost_nanos=Sum("cost_nanos"),
    ):
        figures = by_day[row["date"]]
        figures.requests = row["requests"] or 0
        figures.input_tokens = row["input_tokens"] or 0
        figures.output_tokens = row["output_tokens"] or 0
        figures.upstream_cost_nanos = row["cost_nanos"] or 0

    topups = TopUp.objects.using(database).filter(
        project=project,
        livemode=livemode,
        status=TopUp.Status.SUCCEEDED,
        credited_at__gte=_day_start(since),
        credited_at__lt=_day_start(until + timedelta(days=1)),
    )
    for credited_at, amount_nanos, margin_nanos in topups.values_list(
        "credited_at", "amount_nanos", "margin_nanos"
    ):
        figures = by_day[timezone.localdate(credited_at)]
        figures.topups_nanos += amount_nanos
        figures.topup_count += 1
        figures.margin_nanos += margin_nanos

    models = [
        ModelFigures(
            model=row["model"],
            requests=row["requests"] or 0,
            input_tokens=row["input_tokens"] or 0,
            output_tokens=row["output_tokens"] or 0,
            upstream_cost_nanos=row["cost_nanos"] or 0,
        )
        for row in usage.values("model")
        .annotate(
            requests=Sum("requests"),
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            cost_nanos=Sum("cost_nanos"),
        )
        .order_by("-cost_nanos", "model")
    ]
    return RevenueReport(since=since, until=until, days=list(by_day.values()), models=models)


def webhook_endpoints_for_project(
    *, project: Project, livemode: bool
) -> QuerySet[DeveloperWebhookEndpoint]:
    return DeveloperWebhookEndpoint.objects.filter(
        project=project, livemode=livemode, deleted_at__isnull=True
    )


def webhook_deliveries_recent(
    *, project: Project, livemode: bool, limit: int = 50
) -> list[WebhookDelivery]:
    deliveries = list(
        WebhookDelivery.objects.select_related("event", "endpoint")
        .prefetch_related("attempts")
        .filter(endpoint__project=project, endpoint__livemode=livemode)
        .order_by("-created_at")[:limit]
    )
    for delivery in deliveries:
        attempts = list(delivery.attempts.all())
        delivery.last_attempt = attempts[-1] if attempts else None
    return deliveries


def webhook_delivery_for_project(*, project: Project, livemode: bool, delivery_id: int):
    return (
        WebhookDelivery.objects.filter(
            pk=delivery_id, endpoint__project=project, endpoint__livemode=livemode
        )
        .select_related("event", "endpoint")
        .first()
    )


def deployment_providers() -> set[str]:
    """Every provider some deployment names, enabled or not: what an allow-list may hold."""
    # order_by(): the model's default ordering would put its columns into the DISTINCT.
    return set(Deployment.objects.order_by().values_list("provider", flat=True).distinct())
