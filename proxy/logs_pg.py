"""The request-log writer in plain SQL (PostgreSQL): log rows and their daily aggregates written
on the event loop's connection pool (llmgateway/pgpool.py), with no thread hop and no ORM objects.

proxy/logs.py queues the entries and shapes the rows and buckets; this writes them exactly as
its ORM writer `request_logs_write` does: a log row that is already there (same request id) is
skipped, and every batch adds its totals to each bucket, creating it on first use.
"""

from __future__ import annotations

from llmgateway.pgpool import pool

REQUEST_LOG_INSERT = """
INSERT INTO proxy_requestlog (
    request_id, created_at, organization_id, project_id, api_key_id, livemode, session_id,
    customer_id, wallet_id, endpoint, model, stream, input_tokens, output_tokens,
    cached_input_tokens, images, cost_nanos, latency_ms, status_code, error_code, outcome,
    provider, attempts)
VALUES (
    %(request_id)s, %(created_at)s, %(organization_id)s, %(project_id)s, %(api_key_id)s,
    %(livemode)s, %(session_id)s, %(customer_id)s, %(wallet_id)s, %(endpoint)s, %(model)s,
    %(stream)s, %(input_tokens)s, %(output_tokens)s, %(cached_input_tokens)s, %(images)s,
    %(cost_nanos)s, %(latency_ms)s, %(status_code)s, %(error_code)s, %(outcome)s, %(provider)s,
    %(attempts)s)
ON CONFLICT (request_id) DO NOTHING
"""
USAGE_ADD = """
INSERT INTO proxy_usagedaily (
    date, project_id, api_key_id, model, livemode, organization_id,
    requests, errors, input_tokens, output_tokens, cached_input_tokens, images, cost_nanos)
VALUES (
    %(date)s, %(project_id)s, %(api_key_id)s, %(model)s, %(livemode)s, %(organization_id)s,
    %(requests)s, %(errors)s, %(input_tokens)s, %(output_tokens)s, %(cached_input_tokens)s,
    %(images)s, %(cost_nanos)s)
ON CONFLICT ON CONSTRAINT usagedaily_unique_bucket DO UPDATE SET
    requests = proxy_usagedaily.requests + EXCLUDED.requests,
    errors = proxy_usagedaily.errors + EXCLUDED.errors,
    input_tokens = proxy_usagedaily.input_tokens + EXCLUDED.input_tokens,
    output_tokens = proxy_usagedaily.output_tokens + EXCLUDED.output_tokens,
    cached_input_tokens = proxy_usagedaily.cached_input_tokens + EXCLUDED.cached_input_tokens,
    images = proxy_usagedaily.images + EXCLUDED.images,
    cost_nanos = proxy_usagedaily.cost_nanos + EXCLUDED.cost_nanos
"""


async def request_logs_write(*, rows: list[dict], buckets: list[dict]) -> None:
    """Insert log rows and add to their daily buckets in one transaction (buckets in a fixed
    order, so two processes adding to the same ones can't deadlock)."""
    async with pool().connection() as connection, connection.transaction():
        cursor = connection.cursor()
        await cursor.executemany(REQUEST_LOG_INSERT, rows)
        await cursor.executemany(USAGE_ADD, buckets)
