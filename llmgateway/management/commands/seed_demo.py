"""`manage.py seed_demo`: a demo org, project and funded test customer for `make run`."""

from decimal import Decimal

from django.core.management.base import BaseCommand

from llmgateway.money import nanos_to_usd
from llmgateway.services import project_bootstrap
from wallets import services
from wallets.models import Wallet

DEMO_CREDIT_NANOS = 5_000_000_000


class Command(BaseCommand):
    help = "Create the demo organization, project and test customer; print a new test key."

    def handle(self, *args, **options):
        organization, project, secret_key = project_bootstrap(
            organization_name="Demo Org",
            project_name="Demo App",
            markup_percent=Decimal("20"),
            # :8001 is `make example` (examples/embeddable_credits), a developer's own backend.
            allowed_origins=[
                "http://127.0.0.1:8000",
                "http://localhost:8000",
                "http://127.0.0.1:8001",
                "http://localhost:8001",
            ],
        )
        customer, created = services.customer_get_or_create(
            project_id=project.pk, livemode=False, external_id="demo_user", name="Demo User"
        )
        if created:
            services.wallet_credit(
                wallet_id=customer.wallet.pk,
                amount_nanos=DEMO_CREDIT_NANOS,
                description="Demo test credits",
                actor="seed_demo",
            )
        wallet = Wallet.objects.get(pk=customer.wallet.pk)
        self.stdout.write(f"Demo organization: {organization.name} ({organization.pk})")
        self.stdout.write(f"Demo project:      {project.name} ({project.pk})")
        self.stdout.write(
            f"Demo customer:     {customer.external_id} wallet {wallet.pk} "
            f"balance ${nanos_to_usd(wallet.balance_nanos)} (test)"
        )
        self.stdout.write(f"Test secret key (shown once): {secret_key}")
