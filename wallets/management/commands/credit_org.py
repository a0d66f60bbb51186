"""`manage.py credit_org`: an operator grants an organization credits through the ledger."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from llmgateway.errors import ApiError
from llmgateway.models import Organization
from llmgateway.money import nanos_to_usd, usd_to_nanos
from wallets import services


class Command(BaseCommand):
    help = "Grant an organization credits: --live (real upstream usage) or --test, said each time."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization id (org_…) or exact name")
        parser.add_argument("--amount", required=True, help="USD, e.g. 100.00")
        parser.add_argument("--reason", required=True)
        # No default: a grant of live credits is spendable on real upstream usage, so the mode is
        # always said out loud.
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--test", action="store_true", help="Grant test-mode credits")
        mode.add_argument("--live", action="store_true", help="Grant live credits")
        parser.add_argument("--idempotency-key", help="Grant at most once for this key")

    def handle(self, *args, **options):
        organization = (
            Organization.objects.filter(pk=options["org"]).first()
            or Organization.objects.filter(name=options["org"]).first()
        )
        if organization is None:
            raise CommandError(f"No organization {options['org']!r}")
        if not options["reason"].strip():
            raise CommandError("--reason must not be empty")
        try:
            amount_nanos = usd_to_nanos(options["amount"], param="amount")
            txn, created = services.organization_credit_grant(
                organization_id=organization.pk,
                amount_nanos=amount_nanos,
                reason=options["reason"],
                livemode=not options["test"],
                actor=f"cli:{getpass.getuser()}",
                idempotency_key=options["idempotency_key"],
            )
        except ApiError as error:
            raise CommandError(error.message) from None
        verb = "Granted" if created else "Already granted (same idempotency key)"
        mode = "test" if options["test"] else "live"
        self.stdout.write(
            f"{verb} ${nanos_to_usd(amount_nanos)} {mode} credits to {organization.name} "
            f"(txn_{txn.pk})"
        )
