"""`manage.py ledger_check`: prove the books balance; exits non-zero and names each difference.

Since the last sealed checkpoint by default (reading only newer entries), the whole ledger and
every checkpoint with `--full`; `--seal` seals a new checkpoint when the books are clean. Each
run is recorded for admin ("Ledger check runs"). It also prints what the platform did not
collect (usage past a payer's balance) and what it lost (refunds of spent or paid-out money),
per mode: figures to watch, not errors.
"""

from django.core.management.base import BaseCommand, CommandError

from llmgateway.money import nanos_to_usd
from wallets.services.checkpoints import ledger_check_run


def _by_mode(totals: dict[str, int]) -> str:
    return ", ".join(
        f"{mode} {nanos_to_usd(totals[mode])} USD ({totals[mode]} nanos)"
        for mode in ("live", "test")
    )


class Command(BaseCommand):
    help = (
        "Check that every transaction sums to zero and every cached balance and held amount "
        "(wallets, organization accounts, sessions) equals its source, since the last "
        "checkpoint (or everything, with --full); report the uncollected and platform-loss "
        "totals."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read the whole ledger and recompute every checkpoint and its seal.",
        )
        parser.add_argument(
            "--seal",
            action="store_true",
            help="When the books are clean, seal a checkpoint so later checks start from it.",
        )

    def handle(self, *args, full: bool, seal: bool, **options):
        run, report = ledger_check_run(full=full, seal=seal)
        problems = run.problems
        self.stdout.write(f"uncollected usage: {_by_mode(report.uncollected_nanos)}")
        self.stdout.write(f"platform losses: {_by_mode(report.platform_losses_nanos)}")
        for problem in problems:
            self.stderr.write(f"LEDGER PROBLEM: {problem}")
        if problems:
            raise CommandError(f"ledger check failed: {len(problems)} problem(s)")
        since = (
            f"since {report.checkpoint}, {report.entries_read} entries read"
            if report.scope == "incremental"
            else "whole ledger"
        )
        self.stdout.write(
            f"ledger ok: {report.transactions} transactions, {report.entries} entries, "
            f"{report.accounts} accounts, {report.sessions} sessions ({since})"
        )
        if seal and run.checkpoint is not None:
            self.stdout.write(f"sealed: {run.checkpoint} digest {run.checkpoint.digest}")
