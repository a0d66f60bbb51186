"""Admin for the books check: its runs (a failed one is the alert an operator looks for) and the
sealed checkpoints. Both read-only: runs are written by the check, checkpoints by the seal."""

from __future__ import annotations

from django.contrib import admin

from llmgateway.admin import ReadOnlyAdminMixin
from wallets.models import LedgerCheckpoint, LedgerCheckRun


@admin.register(LedgerCheckRun)
class LedgerCheckRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "scope", "ok", "first_problem", "entries_read", "seconds"]
    list_filter = ["ok", "scope"]
    fields = ["created_at", "scope", "ok", "problems", "entries_read", "seconds", "checkpoint"]
    readonly_fields = fields

    @admin.display(description="First problem")
    def first_problem(self, run) -> str:
        return run.problems[0] if run.problems else "—"


@admin.register(LedgerCheckpoint)
class LedgerCheckpointAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sequence", "created_at", "cutoff_entry_id", "transactions", "entries"]
    fields = [
        "sequence",
        "created_at",
        "cutoff_entry_id",
        "cutoff_transaction_id",
        "transactions",
        "entries",
        "digest",
    ]
    readonly_fields = fields
