"""`manage.py stripe_webhook_endpoint --mode test --secret whsec_…`: set up Stripe's webhook URL."""

from django.core.management.base import BaseCommand, CommandError

from billing.stripe_setup import stripe_webhook_endpoint_ensure


class Command(BaseCommand):
    help = (
        "Create or update the local dj-stripe webhook endpoint for a mode from the signing "
        "secret Stripe shows for it, and print the URL path to register in Stripe's dashboard."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mode", choices=["test", "live"], required=True)
        parser.add_argument("--secret", required=True, help="Stripe's signing secret (whsec_…).")
        parser.add_argument("--url", default="", help="The public URL, for the record only.")
        parser.add_argument(
            "--account-id",
            default="",
            help="Your Stripe account id (acct_…); a local placeholder if omitted.",
        )

    def handle(self, *args, mode: str, secret: str, url: str, account_id: str, **options):
        if not secret.startswith("whsec_"):
            raise CommandError("The signing secret starts with whsec_.")
        setup = stripe_webhook_endpoint_ensure(
            livemode=mode == "live", secret=secret, url=url, account_id=account_id
        )
        verb = "Created" if setup.created else "Updated"
        self.stderr.write(f"{verb} the {mode} webhook endpoint; point Stripe at this path:")
        self.stdout.write(setup.path)
