"""`manage.py ledger_check`: prove the books balance; exits non-zero and names each difference."""

from django.core.management.base import BaseCommand, CommandError

from wallets.selectors import ledger_report


class Command(BaseCommand):
    help = "Check that every transaction sums to zero and every cached balance equals its entries."

    def handle(self, *args, **options):
        report = ledger_report()
        for problem in report.problems:
            self.stderr.write(f"LEDGER PROBLEM: {problem}")
        if not report.ok:
            raise CommandError(f"ledger check failed: {len(report.problems)} problem(s)")
        self.stdout.write(
            f"ledger ok: {report.transactions} transactions, {report.entries} entries, "
            f"{report.accounts} accounts"
        )
