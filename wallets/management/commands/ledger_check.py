"""`manage.py ledger_check`: prove the books balance; exits non-zero and names each difference.

It also prints what the platform did not collect (usage past a payer's balance) and what it
lost (refunds of spent or paid-out money), per mode: figures to watch, not errors.
"""

from django.core.management.base import BaseCommand, CommandError

from llmgateway.money import nanos_to_usd
from wallets.selectors import ledger_report


def _by_mode(totals: dict[str, int]) -> str:
    return ", ".join(
        f"{mode} {nanos_to_usd(totals[mode])} USD ({totals[mode]} nanos)"
        for mode in ("live", "test")
    )


class Command(BaseCommand):
    help = (
        "Check that every transaction sums to zero and every cached balance and held amount "
        "(wallets, organization accounts, sessions) equals its source; report the uncollected "
        "and platform-loss totals."
    )

    def handle(self, *args, **options):
        report = ledger_report()
        self.stdout.write(f"uncollected usage: {_by_mode(report.uncollected_nanos)}")
        self.stdout.write(f"platform losses: {_by_mode(report.platform_losses_nanos)}")
        for problem in report.problems:
            self.stderr.write(f"LEDGER PROBLEM: {problem}")
        if not report.ok:
            raise CommandError(f"ledger check failed: {len(report.problems)} problem(s)")
        self.stdout.write(
            f"ledger ok: {report.transactions} transactions, {report.entries} entries, "
            f"{report.accounts} accounts, {report.sessions} sessions"
        )
