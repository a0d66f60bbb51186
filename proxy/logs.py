"""Request logs: queued in process by the hot path, written to the database in batches.

The response never waits for its log row: entries go into an in-memory buffer that a background
task flushes every REQUEST_LOG_FLUSH_SECONDS (or at once when that is 0, as tests set). Logs are
not money — the ledger is — so a crash loses at most one flush interval of log rows, never a cent.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from proxy import logs_pg
from proxy.models import RequestLog, UsageDaily

logger = logging.getLogger(__name__)
MAX_BATCH = 500


@dataclass
class LogEntry:
    request_id: str
    created_at: datetime
    project_id: str
    api_key_id: str
    livemode: bool
    session_id: str
    customer_id: str
    wallet_id: str
    endpoint: str
    model: str
    stream: bool
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    images: int
    cost_nanos: int
    latency_ms: int
    status_code: int
    error_code: str
    outcome: str
    organization_id: str  # the project's (docs/deploy.md, "Past one primary")
    provider: str = ""  # the deployment's provider that served (or last failed)
    attempts: int = 1  # deployments tried (proxy/routing/)


BUCKET_FIELDS = ("date", "project_id", "api_key_id", "model", "livemode", "organization_id")
USAGE_TOTALS = (
    "requests",
    "errors",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "images",
    "cost_nanos",
)
_TOKEN_TOTALS = ("input_tokens", "output_tokens", "cached_input_tokens", "images")


def usage_buckets(entries: list[LogEntry]) -> list[tuple[dict, dict[str, int]]]:
    """(bucket, totals) per day, project, key, model and mode, in a fixed order (so two writers
    adding to the same buckets take their row locks in the same order)."""
    buckets: dict[tuple, dict[str, int]] = {}
    for entry in entries:
        key = (
            entry.created_at.date(),
            entry.project_id,
            entry.api_key_id,
            entry.model,
            entry.livemode,
            entry.organization_id,
        )
        totals = buckets.setdefault(key, dict.fromkeys(USAGE_TOTALS, 0))
        totals["requests"] += 1
        totals["errors"] += 1 if entry.status_code >= 400 else 0
        for field in _TOKEN_TOTALS:
            totals[field] += getattr(entry, field)
        totals["cost_nanos"] += entry.cost_nanos
    return [
        (dict(zip(BUCKET_FIELDS, key, strict=True)), buckets[key])
        for key in sorted(buckets, key=str)
    ]


def request_logs_write(*, entries: list[LogEntry]) -> None:
    """Insert log rows and add them to the daily aggregates, in one transaction (the ORM path:
    SQLite; proxy/logs_pg.py writes the same rows on PostgreSQL)."""
    if not entries:
        return
    with transaction.atomic():
        RequestLog.objects.bulk_create(
            [RequestLog(**vars(entry)) for entry in entries], ignore_conflicts=True
        )
        for bucket, totals in usage_buckets(entries):
            _usage_add(bucket, totals)


async def _request_logs_write_pg(entries: list[LogEntry]) -> None:
    await logs_pg.request_logs_write(
        rows=[vars(entry) for entry in entries],
        buckets=[bucket | totals for bucket, totals in usage_buckets(entries)],
    )


def _usage_add(bucket: dict, totals: dict[str, int]) -> None:
    increments = {field: F(field) + value for field, value in totals.items()}
    if UsageDaily.objects.filter(**bucket).update(**increments):
        return
    try:
        with transaction.atomic():
            UsageDaily.objects.create(**bucket, **totals)
    except IntegrityError:  # another process created the bucket first
        UsageDaily.objects.filter(**bucket).update(**increments)


class RequestLogQueue:
    def __init__(self) -> None:
        self._buffer: list[LogEntry] = []
        self._flusher: asyncio.Task | None = None

    def add(self, entry: LogEntry) -> None:
        self._buffer.append(entry)
        interval = settings.REQUEST_LOG_FLUSH_SECONDS
        if interval <= 0:
            return
        loop = asyncio.get_running_loop()
        if self._flusher is None or self._flusher.done() or self._flusher.get_loop() is not loop:
            self._flusher = loop.create_task(self._flush_periodically(interval))

    async def flush(self) -> None:
        while self._buffer:
            batch, self._buffer = self._buffer[:MAX_BATCH], self._buffer[MAX_BATCH:]
            try:
                if settings.HOTPATH_PG:  # no thread hop, no ORM objects: plain SQL
                    await _request_logs_write_pg(batch)
                else:
                    await sync_to_async(request_logs_write, thread_sensitive=False)(entries=batch)
            except Exception:
                logger.exception("could not write %d request log rows", len(batch))

    async def _flush_periodically(self, interval: float) -> None:
        while self._buffer:
            await asyncio.sleep(interval)
            await self.flush()


request_log_queue = RequestLogQueue()


async def request_log(entry: LogEntry) -> None:
    request_log_queue.add(entry)
    if settings.REQUEST_LOG_FLUSH_SECONDS <= 0:
        await request_log_queue.flush()
