"""Writes behind the dashboard: sign-up, invitations, members, project settings (routing included),
test credits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import ProjectBillingSettings
from dashboard.models import Invitation
from dashboard.selectors import deployment_providers
from llmgateway import ids
from llmgateway.errors import InvalidRequest, NotFound
from llmgateway.models import Membership, Organization, Project, RoutingPreference
from llmgateway.origins import known_origins_forget, origin_normalize
from llmgateway.services import membership_add, organization_create
from wallets.models import LedgerTransaction
from wallets.services import organization_credit_grant

# Neutral: it must not confirm that an account with this email exists (issue 19). Together with
# the sign-up throttle (dashboard/throttle.py) this stops cheap enumeration through the form.
SIGNUP_REFUSED = (
    "We could not create an account with these details. If you already have an account, "
    "log in or reset your password."
)
INVITATION_TOKEN_LENGTH = 43
INVITATION_TTL = timedelta(days=7)


def user_signup(*, email: str, password: str, organization_name: str) -> AbstractBaseUser:
    """A new developer account (the email is the username) owning a new organization."""
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email).strip()
    if user_model.objects.filter(username__iexact=email).exists():
        raise InvalidRequest(SIGNUP_REFUSED)
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(username=email, email=email, password=password)
            if organization_name:
                organization_create(name=organization_name, owner=user)
    except IntegrityError:  # lost a race with the same sign-up
        raise InvalidRequest(SIGNUP_REFUSED) from None
    return user


def organization_create_for_user(*, user: AbstractBaseUser, name: str) -> Organization:
    return organization_create(name=name, owner=user)


@dataclass(frozen=True)
class CreatedInvitation:
    invitation: Invitation
    token: str


def invitation_create(
    *,
    organization: Organization,
    email: str,
    role: str,
    invited_by: AbstractBaseUser,
    accept_url_for: object = None,
) -> CreatedInvitation:
    """An invitation with a fresh token; `accept_url_for(token)` builds the emailed link."""
    if role not in Membership.Role.values:
        raise InvalidRequest(f"Unknown role {role!r}.", param="role")
    email = get_user_model().objects.normalize_email(email).strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise InvalidRequest("This person is already a member.", param="email")
    token = ids.random_string(INVITATION_TOKEN_LENGTH)
    with transaction.atomic():
        # A new invitation to the same address replaces the open one (its link stops working).
        Invitation.objects.filter(
            organization=organization, email=email, accepted_at=None, revoked_at=None
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            token_hash=ids.token_hash(token),
            invited_by=invited_by,
            expires_at=timezone.now() + INVITATION_TTL,
        )
    if callable(accept_url_for):
        # After the commit above; a mail server that is down must not lose the invitation
        # (the inviter sees the link on the page too).
        send_mail(
            subject=f"You are invited to {organization.name} on LLM Gateway",
            message=(
                f"{invited_by.get_username()} invited you to join {organization.name} as "
                f"{role}.\n\nAccept the invitation: {accept_url_for(token)}\n\n"
                f"The link works once and expires in {INVITATION_TTL.days} days."
            ),
            from_email=None,
            recipient_list=[email],
            fail_silently=True,
        )
    return CreatedInvitation(invitation=invitation, token=token)


def invitation_for_token(*, token: str) -> Invitation:
    """The open, unexpired invitation behind a link (NotFound otherwise)."""
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(token_hash=ids.token_hash(token), accepted_at=None, revoked_at=None)
        .first()
    )
    if invitation is None or invitation.expires_at <= timezone.now():
        raise NotFound("This invitation is not valid: it was used, withdrawn or has expired.")
    return invitation


def invitation_accept(*, token: str, user: AbstractBaseUser) -> Membership:
    """Add the user to the invitation's organization; the link then stops working."""
    with transaction.atomic():
        invitation = invitation_for_token(token=token)
        if (user.email or "").lower() != invitation.email.lower():
            raise InvalidRequest(
                f"This invitation was sent to {invitation.email}: log in with that address."
            )
        claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at=None).update(
            accepted_at=timezone.now()
        )
        if not claimed:
            raise NotFound("This invitation was already used.")
        existing = Membership.objects.filter(
            organization=invitation.organization, user=user
        ).first()
        if existing is not None:
            return existing
        return membership_add(organization=invitation.organization, user=user, role=invitation.role)


def invitation_revoke(*, organization: Organization, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.filter(
        pk=invitation_id, organization=organization, accepted_at=None, revoked_at=None
    ).first()
    if invitation is None:
        raise NotFound("No such open invitation.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def _owners_left_after(membership: Membership) -> int:
    return (
        Membership.objects.filter(
            organization_id=membership.organization_id, role=Membership.Role.OWNER
        )
        .exclude(pk=membership.pk)
        .count()
    )


def membership_role_change(*, membership: Membership, role: str, actor: Membership) -> Membership:
    """Owners may set any role; admins may not touch owners nor make anyone an owner."""
    if role not in Membership.Role.values:
        raise InvalidRequest(f"Unknown role {role!r}.", param="role")
    if actor.role != Membership.Role.OWNER and (
        membership.role == Membership.Role.OWNER or role == Membership.Role.OWNER
    ):
        raise InvalidRequest("Only an owner can change who is an owner.", param="role")
    with transaction.atomic():
        if (
            membership.role == Membership.Role.OWNER
            and role != Membership.Role.OWNER
            and _owners_left_after(membership) == 0
        ):
            raise InvalidRequest("An organization needs at least one owner.", param="role")
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def membership_remove(*, membership: Membership, actor: Membership) -> None:
    if actor.role != Membership.Role.OWNER and membership.role == Membership.Role.OWNER:
        raise InvalidRequest("Only an owner can remove an owner.")
    with transaction.atomic():
        if membership.role == Membership.Role.OWNER and _owners_left_after(membership) == 0:
            raise InvalidRequest("An organization needs at least one owner.")
        membership.delete()


def organization_test_credits_add(
    *, organization_id: str, amount_nanos: int, actor: str, reason: str, idempotency_key: str | None
) -> tuple[LedgerTransaction, bool]:
    """Test-mode credits for an organization, from the same ledger grant as `credit_org --test`.

    Test credits buy only the local test models (DESIGN.md §4), so the roles that grant credits
    to wallets (admin, owner) may add them; live credits stay an operator's grant. Returns
    `(transaction, created)`: a reused idempotency key adds nothing.
    """
    return organization_credit_grant(
        organization_id=organization_id,
        amount_nanos=amount_nanos,
        reason=reason or "Test credits added in the dashboard",
        livemode=False,
        actor=actor,
        idempotency_key=idempotency_key,
    )


def project_update(
    *,
    project: Project,
    name: str,
    markup_percent: Decimal,
    allowed_origins: list[str],
    sessions_enabled: bool,
    default_allowed_models: list[str],
) -> Project:
    """Change a project's settings; origins are normalized (and refused) like the API does."""
    if markup_percent < 0:
        raise InvalidRequest("Markup cannot be negative.", param="markup_percent")
    origins = list(
        dict.fromkeys(
            origin_normalize(origin, param="allowed_origins") for origin in allowed_origins
        )
    )
    project.name = name
    project.markup_percent = markup_percent
    project.allowed_origins = origins
    project.sessions_enabled = sessions_enabled
    project.default_allowed_models = list(dict.fromkeys(default_allowed_models))
    try:
        with transaction.atomic():
            project.save(
                update_fields=[
                    "name",
                    "markup_percent",
                    "allowed_origins",
                    "sessions_enabled",
                    "default_allowed_models",
                ]
            )
            transaction.on_commit(known_origins_forget)
    except IntegrityError:
        raise InvalidRequest("Another project has this name.", param="name") from None
    return project


def project_billing_settings_update(
    *,
    project: Project,
    topup_min_nanos: int | None,
    topup_max_nanos: int | None,
    low_balance_threshold_nanos: int | None,
) -> ProjectBillingSettings:
    """Top-up limits and the low-balance threshold; None means "the operator's default"."""
    if (
        topup_min_nanos is not None
        and topup_max_nanos is not None
        and topup_min_nanos > topup_max_nanos
    ):
        raise InvalidRequest("The minimum top-up is more than the maximum.", param="topup_min_usd")
    row, _ = ProjectBillingSettings.objects.update_or_create(
        project=project,
        defaults={
            "topup_min_nanos": topup_min_nanos,
            "topup_max_nanos": topup_max_nanos,
            "low_balance_threshold_nanos": low_balance_threshold_nanos,
        },
    )
    return row


def allowed_providers_normalize(providers: Iterable[str]) -> list[str]:
    """A provider allow-list as stored: trimmed, lower-case, each name once, in the order given.

    A name no deployment uses is refused rather than kept: a typo ("opneai") would otherwise
    silently leave the project with fewer providers than its admin meant.
    """
    names = list(dict.fromkeys(name.strip().lower() for name in providers if name.strip()))
    known = deployment_providers()
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InvalidRequest(
            f"Unknown provider(s): {', '.join(unknown)}. "
            f"Providers with deployments: {', '.join(sorted(known))}.",
            param="allowed_providers",
        )
    return names


def project_routing_update(
    *, project: Project, routing_preference: str, allowed_providers: Iterable[str]
) -> Project:
    """How the project's requests are routed (proxy/routing/): the order of the deployments
    within one priority, and the providers that may serve them (empty: every provider).

    Gateway processes may keep serving the old settings for PRINCIPAL_CACHE_SECONDS (they
    remember the authenticated project that long, proxy/auth.py).
    """
    if routing_preference not in RoutingPreference.values:
        raise InvalidRequest(
            f"Unknown routing preference {routing_preference!r}.", param="routing_preference"
        )
    project.routing_preference = routing_preference
    project.allowed_providers = allowed_providers_normalize(allowed_providers)
    project.save(update_fields=["routing_preference", "allowed_providers"])
    return project
