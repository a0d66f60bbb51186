"""`manage.py stripe_connect_webhook_endpoint --mode live --secret whsec_…`: the Connect webhook
endpoint (events of connected accounts: `account.updated`), next to the account's own one."""

from django.core.management.base import BaseCommand, CommandError

from billing.stripe_setup import stripe_webhook_endpoint_ensure

CONNECT_EVENTS = ["account.updated"]


class Command(BaseCommand):
    help = (
        "Create or update the local dj-stripe endpoint for Stripe Connect events from the "
        "signing secret of a Connect webhook endpoint in Stripe's dashboard (listening to "
        "events on connected accounts), and print the URL path to register there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mode", choices=["test", "live"], default="live")
        parser.add_argument("--secret", required=True, help="Stripe's signing secret (whsec_…).")
        parser.add_argument("--url", default="", help="The public URL, for the record only.")
        parser.add_argument(
            "--account-id",
            default="",
            help="Your platform's Stripe account id (acct_…); a local placeholder if omitted.",
        )

    def handle(self, *args, mode: str, secret: str, url: str, account_id: str, **options):
        if not secret.startswith("whsec_"):
            raise CommandError("The signing secret starts with whsec_.")
        setup = stripe_webhook_endpoint_ensure(
            livemode=mode == "live",
            secret=secret,
            url=url,
            account_id=account_id,
            endpoint_id=f"we_local_connect_{mode}",
            events=CONNECT_EVENTS,
        )
        verb = "Created" if setup.created else "Updated"
        self.stderr.write(f"{verb} the {mode} Connect webhook endpoint; point Stripe at this path:")
        self.stdout.write(setup.path)
