"""Filling the organization key of existing money rows, for the migrations that add it (wallets
0009–0011, billing 0006–0008, proxy 0004–0006; docs/deploy.md, "Past one primary").

A private module (the migration loader skips names starting with "_"), so the migrations share
one batched writer. Each batch is one UPDATE over a primary-key range of rows that still lack
the key, so a large table is filled in short transactions (when the migration is not atomic)
rather than in one that holds its row locks for the whole table.
"""

from __future__ import annotations

from django.db import transaction

BATCH_ROWS = 10_000


def organization_backfill(
    schema_editor,
    *,
    table: str,
    source_sql: str,
    where_sql: str = "TRUE",
    append_only_trigger: str | None = None,
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Set `organization_id` on the rows of `table` that lack it (and match `where_sql`) to
    `source_sql`, a scalar subquery that may name the row's columns as `{table}.<column>`.
    Returns how many rows were filled; a row whose source is NULL stays NULL (the migration
    that makes the column required then names it).

    `append_only_trigger` (PostgreSQL): the trigger that refuses UPDATEs of the table (ledger
    entries are append-only, wallets 0002); it is disabled for each batch's transaction only.
    """
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    filled = 0
    after = None
    while True:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {table} WHERE organization_id IS NULL AND ({where_sql})"
                + ("" if after is None else " AND id > %s")
                + f" ORDER BY id LIMIT {int(batch_rows)}",
                [] if after is None else [after],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return filled
            if postgres and append_only_trigger:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {append_only_trigger}")
            cursor.execute(
                f"UPDATE {table} SET organization_id = ({source_sql}) "
                f"WHERE organization_id IS NULL AND ({where_sql}) AND id >= %s AND id <= %s",
                [ids[0], ids[-1]],
            )
            filled += cursor.rowcount
            if postgres and append_only_trigger:
                # The new key's foreign-key checks are deferred; PostgreSQL refuses to ALTER a
                # table with pending ones, so they run now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {append_only_trigger}")
            after = ids[-1]


def organization_required(
    schema_editor,
    *,
    table: str,
    source_sql: str,
    where_sql: str = "TRUE",
    append_only_trigger: str | None = None,
    what: str = "rows",
) -> None:
    """Fill the rows that old processes wrote since the backfill (a rolling release runs them
    until it restarts them), then refuse to go on while a row still lacks its organization,
    naming a few; then make the deferred foreign-key checks run now (PostgreSQL refuses to ALTER
    a table with pending trigger events in the same transaction)."""
    organization_backfill(
        schema_editor,
        table=table,
        source_sql=source_sql,
        where_sql=where_sql,
        append_only_trigger=append_only_trigger,
    )
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE organization_id IS NULL AND ({where_sql}) "
            "ORDER BY id LIMIT 10"
        )
        missing = [str(row[0]) for row in cursor.fetchall()]
        if missing:
            raise RuntimeError(
                f"{table}: {what} with no organization to derive (first: {', '.join(missing)}); "
                "docs/deploy.md 'Past one primary' says what each must carry"
            )
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
