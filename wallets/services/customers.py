"""Creating and updating end users (customers) through the API."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from llmgateway.errors import ApiError, InvalidRequest
from wallets.models import Customer
from wallets.services.accounts import customer_get_or_create


class CustomerExists(ApiError):
    status = 409
    code = "resource_already_exists"
    default_message = "A customer with this externalId already exists."
    description = ""


def customer_create(
    *,
    project_id: str,
    livemode: bool,
    external_id: str,
    email: str = "",
    name: str = "",
    metadata: dict | None = None,
) -> Customer:
    if Customer.objects.filter(
        project_id=project_id, livemode=livemode, external_id=external_id
    ).exists():
        raise CustomerExists(param="externalId")
    customer, created = customer_get_or_create(
        project_id=project_id,
        livemode=livemode,
        external_id=external_id,
        email=email,
        name=name,
        metadata=metadata,
    )
    if not created:  # lost a race with another create of the same externalId
        raise CustomerExists(param="externalId")
    return customer


def customer_update(
    *,
    customer: Customer,
    email: str | None = None,
    name: str | None = None,
    metadata: dict | None = None,
) -> Customer:
    """Change a customer's details. Its status (blocking revokes sessions) is changed by
    `sessions_app.services.customer_block` / `customer_unblock`, never here."""
    changed = []
    for field, value in (("email", email), ("name", name)):
        if value is not None and getattr(customer, field) != value:
            setattr(customer, field, value)
            changed.append(field)
    if metadata is not None:
        customer.metadata = {**customer.metadata, **metadata}
        customer.metadata = {k: v for k, v in customer.metadata.items() if v is not None}
        changed.append("metadata")
    if not changed:
        return customer
    try:
        with transaction.atomic():
            customer.save(update_fields=changed)
    except IntegrityError:
        raise InvalidRequest("The customer could not be updated.") from None
    return customer
