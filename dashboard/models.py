"""Invitations to join an organization (memberships themselves live in llmgateway.models)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from llmgateway.models import Membership, Organization


class Invitation(models.Model):
    """An emailed link that adds its holder to an organization with a role, once.

    Only the SHA-256 of the link's token is stored, like API keys: the link is shown to the
    inviter once and emailed; a leaked database does not leak working invitations.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(
        max_length=20, choices=Membership.Role.choices, default=Membership.Role.DEVELOPER
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization} ({self.role})"
