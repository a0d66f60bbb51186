"""Small builders for test data; they go through the services so tests see real rows."""

from __future__ import annotations

from decimal import Decimal

from llmgateway import services as tenancy
from llmgateway.models import Organization, Project
from wallets import services as wallet_services
from wallets.models import Customer, Wallet


def make_organization(name: str = "Acme") -> Organization:
    return tenancy.organization_create(name=name)


def make_project(
    organization: Organization | None = None,
    *,
    name: str = "Shop",
    markup_percent: str = "20",
    allowed_origins: list[str] | None = None,
) -> Project:
    return tenancy.project_create(
        organization=organization or make_organization(),
        name=name,
        markup_percent=Decimal(markup_percent),
        allowed_origins=allowed_origins if allowed_origins is not None else ["https://app.example"],
    )


def make_customer(
    project: Project, *, external_id: str = "user_1", livemode: bool = False
) -> Customer:
    customer, _ = wallet_services.customer_get_or_create(
        project_id=project.pk, livemode=livemode, external_id=external_id
    )
    return customer


def make_wallet(
    project: Project,
    *,
    external_id: str = "user_1",
    livemode: bool = False,
    balance_nanos: int = 0,
) -> Wallet:
    customer = make_customer(project, external_id=external_id, livemode=livemode)
    if balance_nanos:
        wallet_services.wallet_credit(
            wallet_id=customer.wallet.pk, amount_nanos=balance_nanos, description="test funds"
        )
    return Wallet.objects.get(pk=customer.wallet.pk)
