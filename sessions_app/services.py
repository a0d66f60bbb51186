"""Minting, refreshing and revoking browser sessions; blocking and unblocking end users.

Blocking lives here, not in wallets: it revokes the customer's sessions in the same transaction,
and sessions_app is the app that may import both (wallets imports no session service).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from llmgateway import ids
from llmgateway.errors import AuthenticationFailed, InvalidRequest, NotFound
from llmgateway.models import Project
from sessions_app.errors import CustomerBlocked, ModelNotAllowed, SessionsDisabled
from sessions_app.models import EmbeddedSession
from wallets.models import Customer
from wallets.services import customer_get_or_create, customer_update

TOKEN_RANDOM_LENGTH = 48
DEFAULT_TTL_SECONDS = 900
MIN_TTL_SECONDS = 60
MAX_TTL_SECONDS = 3600


def _new_token(livemode: bool) -> str:
    return f"es_{'live' if livemode else 'test'}_{ids.random_string(TOKEN_RANDOM_LENGTH)}"


def scope_models_validate(
    *, models: list[str], livemode: bool, providers: list[str] | None = None
) -> list[str]:
    """Every model must be in the catalog (400) and callable in this mode by a project that
    allows `providers` (403)."""
    if not models:
        return []
    from billing.selectors import catalog_model_get, catalog_model_ids

    available = catalog_model_ids(livemode=livemode, providers=providers)
    for index, model_id in enumerate(models):
        param = f"scope.models[{index}]"
        if catalog_model_get(model_id) is None:
            raise InvalidRequest(f"Unknown model {model_id!r}.", param=param)
        if model_id not in available:
            mode = "live" if livemode else "test"
            raise ModelNotAllowed(
                f"Model {model_id!r} cannot be used in {mode} mode"
                + (
                    " by this project (its provider is not configured, or not among the "
                    "project's allowed providers)."
                    if livemode
                    else ": test sessions may use only the local test models."
                ),
                param=param,
            )
    return list(dict.fromkeys(models))


def session_mint(
    *,
    project: Project,
    livemode: bool,
    external_id: str,
    email: str = "",
    name: str = "",
    models: list[str] | None = None,
    max_spend_nanos: int | None = None,
    ttl_seconds: int | None = None,
) -> tuple[EmbeddedSession, str]:
    """A new session for an end user (created with their wallet on first sight) and its token."""
    if not project.sessions_enabled:
        raise SessionsDisabled()
    ttl = DEFAULT_TTL_SECONDS if ttl_seconds is None else ttl_seconds
    if not MIN_TTL_SECONDS <= ttl <= MAX_TTL_SECONDS:
        raise InvalidRequest(
            f"ttlSeconds must be from {MIN_TTL_SECONDS} to {MAX_TTL_SECONDS}.", param="ttlSeconds"
        )
    if max_spend_nanos is not None and max_spend_nanos < 0:
        raise InvalidRequest("scope.maxSpend must not be negative.", param="scope.maxSpend")
    # No list and an empty list both mean the project's default list, never "every model".
    allowed_models = scope_models_validate(
        models=models or project.default_allowed_models,
        livemode=livemode,
        providers=project.allowed_providers,
    )
    customer, _ = customer_get_or_create(
        project_id=project.pk, livemode=livemode, external_id=external_id, email=email, name=name
    )
    token = _new_token(livemode)
    with transaction.atomic():
        # The customer's row lock orders this mint with a block (customer_block takes it too):
        # either the block sees this session and revokes it, or this mint sees the block.
        status = _customer_locked(customer.pk).status
        if status == Customer.Status.BLOCKED:
            raise CustomerBlocked()
        now = timezone.now()
        session = EmbeddedSession.objects.create(
            project=project,
            customer=customer,
            wallet_id=customer.wallet.pk,
            livemode=livemode,
            token_hash=ids.token_hash(token),
            token_prefix=token[:12],
            allowed_models=allowed_models,
            max_spend_nanos=max_spend_nanos,
            ttl_seconds=ttl,
            expires_at=min(
                now + timedelta(seconds=ttl),
                now + timedelta(seconds=project.session_lifetime_seconds),
            ),
        )
    return session, token


def _customer_locked(customer_id: str) -> Customer:
    """The customer's current row, locked until the transaction ends (mint vs. block)."""
    return Customer.objects.select_for_update().only("pk", "status").get(pk=customer_id)


def session_lifetime_end(session: EmbeddedSession):
    """When the session ends for good, refreshes included: minting + the project's lifetime."""
    return session.created_at + timedelta(seconds=session.project.session_lifetime_seconds)


def session_refresh(*, session: EmbeddedSession) -> tuple[EmbeddedSession, str]:
    """A new token for the same session (same scope, same spend counters); the old one dies.

    The swap is conditional on the old token's hash, so two refreshes racing with one token give
    one new token, not two. The new expiry never passes the session's absolute lifetime
    (`session_lifetime_end`): a refresh chain stops there and the end user needs a new session.
    """
    token = _new_token(session.livemode)
    now = timezone.now()
    lifetime_end = session_lifetime_end(session)
    if lifetime_end <= now:
        from sessions_app.errors import SessionExpired

        raise SessionExpired("This session reached its maximum lifetime; mint a new session.")
    expires_at = min(now + timedelta(seconds=session.ttl_seconds), lifetime_end)
    with transaction.atomic():
        swapped = EmbeddedSession.objects.filter(
            pk=session.pk,
            token_hash=session.token_hash,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(
            token_hash=ids.token_hash(token),
            token_prefix=token[:12],
            expires_at=expires_at,
            refreshed_at=now,
        )
    if swapped != 1:
        raise AuthenticationFailed("This session token was already refreshed or revoked.")
    session.refresh_from_db()
    return session, token


def session_revoke(*, project: Project, livemode: bool, session_id: str) -> EmbeddedSession:
    session = EmbeddedSession.objects.filter(
        pk=session_id, project=project, livemode=livemode
    ).first()
    if session is None:
        raise NotFound("No such session.", param="id")
    if session.revoked_at is None:
        EmbeddedSession.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        session.refresh_from_db()
    return session


def sessions_revoke_for_customer(*, customer_id: str) -> int:
    return EmbeddedSession.objects.filter(customer_id=customer_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def customer_block(*, customer: Customer) -> Customer:
    """Block an end user: new sessions are refused, and every session it has is revoked in the
    same transaction, so no token outlives the block.

    The customer's row lock (taken by minting too) means a mint running now either commits first,
    and its session is revoked here, or waits and sees the block.
    """
    with transaction.atomic():
        if _customer_locked(customer.pk).status != Customer.Status.BLOCKED:
            customer.status = Customer.Status.BLOCKED
            customer.save(update_fields=["status"])
        customer.status = Customer.Status.BLOCKED
        sessions_revoke_for_customer(customer_id=customer.pk)
    return customer


def customer_unblock(*, customer: Customer) -> Customer:
    """Let a blocked end user start sessions again (the revoked ones stay revoked)."""
    if customer.status != Customer.Status.ACTIVE:
        customer.status = Customer.Status.ACTIVE
        customer.save(update_fields=["status"])
    return customer


def customer_change(
    *,
    customer: Customer,
    email: str | None = None,
    name: str | None = None,
    status: str | None = None,
    metadata: dict | None = None,
) -> Customer:
    """An edit of a customer's details and status together, in one transaction (PATCH
    /v1/customers/{id}, the admin's customer page): blocking also revokes every session."""
    if status is not None and status not in Customer.Status.values:
        raise InvalidRequest("status must be 'active' or 'blocked'.", param="status")
    with transaction.atomic():
        customer_update(customer=customer, email=email, name=name, metadata=metadata)
        if status == Customer.Status.BLOCKED:
            customer_block(customer=customer)
        elif status == Customer.Status.ACTIVE:
            customer_unblock(customer=customer)
    return customer
