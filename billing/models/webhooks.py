"""Developer webhooks: endpoints, events (an outbox) and their deliveries and attempts."""

from django.db import models
from django.db.models import Q

from llmgateway import ids
from llmgateway.choices import TextChoices
from llmgateway.models import Project


# Default callables for model fields (migrations need importable names).
def new_webhook_endpoint_id() -> str:
    return ids.prefixed_id("we")


def new_webhook_event_id() -> str:
    return ids.prefixed_id("evt")


def new_webhook_secret() -> str:
    return f"whsec_{ids.random_string(40)}"


class DeveloperWebhookEndpoint(models.Model):
    """A developer's URL that receives signed events (not dj-stripe's WebhookEndpoint)."""

    id = models.CharField(primary_key=True, max_length=40, default=new_webhook_endpoint_id)
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="developer_webhook_endpoints"
    )
    livemode = models.BooleanField()
    url = models.URLField(max_length=2048)
    events = models.JSONField(default=list, blank=True, help_text="Empty: every event type.")
    # Kept in clear: it is the HMAC key every delivery is signed with.
    secret = models.CharField(max_length=100, default=new_webhook_secret)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "developer webhook endpoint"

    def __str__(self) -> str:
        return f"{self.id} {self.url}"

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class WebhookEvent(models.Model):
    """An event for developers, written in the transaction that caused it (an outbox)."""

    id = models.CharField(primary_key=True, max_length=40, default=new_webhook_event_id)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="webhook_events")
    livemode = models.BooleanField()
    type = models.CharField(max_length=50)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.id} {self.type}"


class WebhookDelivery(models.Model):
    """One event to one endpoint, attempted until it succeeds or the retry schedule runs out."""

    class Status(TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        DeveloperWebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhookdelivery_unique")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhookdelivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class WebhookDeliveryAttempt(models.Model):
    """One HTTP attempt of a delivery, kept for the admin (and the developer's debugging)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    succeeded = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"
