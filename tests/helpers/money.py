"""Money in tests: one dollar in nanos (the production constant) and the ledger check every
money test ends with."""

from __future__ import annotations

from django.core.management import call_command

from llmgateway.money import NANOS_PER_USD

USD = NANOS_PER_USD


def assert_ledger_ok() -> None:
    """Run the real `manage.py ledger_check`; it raises CommandError on any difference."""
    call_command("ledger_check")
