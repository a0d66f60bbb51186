"""`manage.py seed_demo`: a demo org, project, owner and funded test customer for `make run`,
ending with where to go: the dashboard and its login, admin, the API docs, the example.

The dashboard's, the top app: the demo spans tenancy, a wallet and a dashboard login."""

import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from llmgateway.models import Membership
from llmgateway.money import nanos_to_usd
from llmgateway.services import membership_add, project_bootstrap
from wallets import services
from wallets.models import Wallet

DEMO_CREDIT_NANOS = 5_000_000_000
DEMO_OWNER_EMAIL = "demo@example.com"


class Command(BaseCommand):
    help = (
        "Create the demo organization, project, owner and test customer; print a new test key "
        "and the demo owner's login (a new password each run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

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
        password = _demo_owner_reset(organization)
        base = options["base_url"].rstrip("/")
        self.stdout.write("")
        self.stdout.write(
            f"Dashboard: {base}/dashboard/o/{organization.pk}/p/{project.pk}/customers/"
        )
        self.stdout.write(f"  email: {DEMO_OWNER_EMAIL}")
        self.stdout.write(f"  password: {password}")
        self.stdout.write(f"Admin (same login): {base}/admin/")
        self.stdout.write(f"API reference: {base}/v1/docs")
        self.stdout.write("The embeddable example: `make example` in another terminal")


def _demo_owner_reset(organization) -> str:
    """The demo owner (created on first run, its password made anew on each): an owner of the
    demo organization and, for this local demo only, an operator in admin."""
    user_model = get_user_model()
    user = user_model.objects.filter(email=DEMO_OWNER_EMAIL).first()
    if user is None:
        user = user_model(username=DEMO_OWNER_EMAIL, email=DEMO_OWNER_EMAIL)
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.is_staff = user.is_superuser = True
    user.save()
    membership_add(organization=organization, user=user, role=Membership.Role.OWNER)
    return password
