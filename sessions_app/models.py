"""Embedded sessions: short-lived browser tokens (`es_…`) bound to one wallet, with a scope."""

from django.db import models
from django.db.models import F, Q

from llmgateway import ids
from llmgateway.models import Project
from wallets.models import Customer, Wallet


def new_session_id() -> str:
    return ids.prefixed_id("sess")


class EmbeddedSession(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=new_session_id)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sessions")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="sessions")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="sessions")
    livemode = models.BooleanField()
    # Only the SHA-256 of the current token; a refresh replaces it, so the old token stops working.
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(max_length=16)
    allowed_models = models.JSONField(default=list, blank=True, help_text="Empty: any model.")
    max_spend_nanos = models.BigIntegerField(null=True, blank=True)
    spent_nanos = models.BigIntegerField(default=0)
    held_nanos = models.BigIntegerField(default=0)
    ttl_seconds = models.PositiveIntegerField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(spent_nanos__gte=0), name="session_spent_gte_0"),
            models.CheckConstraint(condition=Q(held_nanos__gte=0), name="session_held_gte_0"),
            # The cap is also a database rule: spent plus held never exceeds it.
            models.CheckConstraint(
                condition=Q(max_spend_nanos__isnull=True)
                | Q(max_spend_nanos__gte=F("spent_nanos") + F("held_nanos")),
                name="session_within_spend_cap",
            ),
        ]

    def __str__(self) -> str:
        return self.id
