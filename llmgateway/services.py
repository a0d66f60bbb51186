"""Tenancy writes: organizations, members, projects and API keys."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from llmgateway import ids
from llmgateway import permissions as key_permissions
from llmgateway.errors import InvalidRequest, NotFound
from llmgateway.models import ApiKey, Membership, Organization, Project
from llmgateway.origins import known_origins_forget, origin_normalize

SECRET_KEY_RANDOM_LENGTH = 40
DISPLAY_PREFIX_RANDOM_LENGTH = 4


def secret_key_prefix(livemode: bool) -> str:
    return "sk_live_" if livemode else "sk_test_"


def organization_create(*, name: str, owner: AbstractBaseUser | None = None) -> Organization:
    with transaction.atomic():
        organization = Organization.objects.create(name=name)
        if owner is not None:
            Membership.objects.create(
                organization=organization, user=owner, role=Membership.Role.OWNER
            )
    return organization


def membership_add(*, organization: Organization, user: AbstractBaseUser, role: str) -> Membership:
    if role not in Membership.Role.values:
        raise InvalidRequest(f"Unknown role {role!r}.", param="role")
    membership, _ = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    return membership


def project_create(
    *,
    organization: Organization,
    name: str,
    markup_percent: Decimal = Decimal("0"),
    allowed_origins: list[str] | None = None,
    default_allowed_models: list[str] | None = None,
) -> Project:
    """Create a project with its two hidden embedded-session keys (test and live)."""
    if markup_percent < 0:
        raise InvalidRequest("Markup cannot be negative.", param="markupPercent")
    allowed_origins = [origin_normalize(origin) for origin in allowed_origins or []]
    with transaction.atomic():
        transaction.on_commit(known_origins_forget)
        project = Project.objects.create(
            organization=organization,
            name=name,
            markup_percent=markup_percent,
            allowed_origins=allowed_origins or [],
            default_allowed_models=default_allowed_models or [],
        )
        for livemode in (False, True):
            # The random secret is thrown away at once: this key can never be presented as a
            # bearer, it only gives browser traffic a key to be logged and aggregated under.
            ApiKey.objects.create(
                project=project,
                kind=ApiKey.Kind.EMBEDDED_SESSION,
                livemode=livemode,
                name="Embedded sessions",
                display_prefix=f"es_{'live' if livemode else 'test'}_",
                key_hash=ids.token_hash(ids.random_string(64)),
            )
    return project


def api_key_create(
    *, project: Project, livemode: bool, name: str = "", permissions=None
) -> tuple[ApiKey, str]:
    """Create a secret key; returns the row and its plaintext, which is never stored or shown.

    `permissions` None makes a full-access key (every permission); otherwise a restricted key.
    Whether the creator's role may hand them out is the caller's check (`role_may_grant`).
    """
    granted = (
        list(key_permissions.ALL_PERMISSIONS)
        if permissions is None
        else key_permissions.permissions_normalize(permissions)
    )
    plaintext = secret_key_prefix(livemode) + ids.random_string(SECRET_KEY_RANDOM_LENGTH)
    api_key = ApiKey.objects.create(
        project=project,
        kind=ApiKey.Kind.SECRET,
        livemode=livemode,
        name=name,
        display_prefix=plaintext[: len(secret_key_prefix(livemode)) + DISPLAY_PREFIX_RANDOM_LENGTH],
        key_hash=ids.token_hash(plaintext),
        permissions=granted,
    )
    return api_key, plaintext


def api_key_revoke(*, api_key_id: str) -> ApiKey:
    api_key = ApiKey.objects.filter(pk=api_key_id, kind=ApiKey.Kind.SECRET).first()
    if api_key is None:
        raise NotFound("No such API key.")
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def project_bootstrap(
    *,
    organization_name: str,
    project_name: str,
    markup_percent: Decimal | None = None,
    allowed_origins: list[str] | None = None,
    livemode: bool = False,
) -> tuple[Organization, Project, str]:
    """Find or create an organization and project by name and mint a fresh secret key for it."""
    with transaction.atomic():
        organization = Organization.objects.filter(name=organization_name).first()
        if organization is None:
            organization = organization_create(name=organization_name)
        project = Project.objects.filter(organization=organization, name=project_name).first()
        if project is None:
            project = project_create(
                organization=organization,
                name=project_name,
                markup_percent=markup_percent or Decimal("0"),
                allowed_origins=allowed_origins,
            )
        else:
            changed = []
            if markup_percent is not None and project.markup_percent != markup_percent:
                project.markup_percent = markup_percent
                changed.append("markup_percent")
            for origin in [origin_normalize(origin) for origin in allowed_origins or []]:
                if origin not in project.allowed_origins:
                    project.allowed_origins.append(origin)
                    changed.append("allowed_origins")
            if changed:
                project.save(update_fields=sorted(set(changed)))
                transaction.on_commit(known_origins_forget)
        _, plaintext = api_key_create(project=project, livemode=livemode, name="bootstrap")
    return organization, project, plaintext
