"""Request logs and daily usage aggregates of the OpenAI-compatible endpoints."""

from django.db import models

from llmgateway.models import ApiKey, Project
from wallets.models import organization_key


class RequestLog(models.Model):
    """One row per model request, written off the response path in batches."""

    request_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(db_index=True)
    # The project's organization (proxy/logs.py fills it in from the project).
    organization = organization_key(index=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="request_logs")
    # The secret key, or the project's hidden embedded-session key for browser traffic.
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="request_logs")
    livemode = models.BooleanField()
    session_id = models.CharField(max_length=40, blank=True, db_index=True)
    customer_id = models.CharField(max_length=40, blank=True, db_index=True)
    wallet_id = models.CharField(max_length=40, blank=True)
    endpoint = models.CharField(max_length=40)
    model = models.CharField(max_length=200)
    stream = models.BooleanField(default=False)
    input_tokens = models.IntegerField(default=0)
    output_tokens = models.IntegerField(default=0)
    cached_input_tokens = models.IntegerField(default=0)
    images = models.IntegerField(default=0)
    cost_nanos = models.BigIntegerField(default=0)
    latency_ms = models.IntegerField(default=0)
    status_code = models.IntegerField()
    error_code = models.CharField(max_length=50, blank=True)
    outcome = models.CharField(
        max_length=20, help_text="completed, cancelled (client left), failed, refused"
    )
    provider = models.CharField(
        max_length=50, blank=True, help_text="The provider that served (or last failed)."
    )
    attempts = models.PositiveSmallIntegerField(
        default=1, help_text="Deployments tried; more than 1: it failed over."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="requestlog_project_recent"),
            # The dashboard's activity page: one project and mode, newest first.
            models.Index(
                fields=["project", "livemode", "-created_at"], name="requestlog_project_mode_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.model} {self.status_code}"


class UsageDaily(models.Model):
    """Per day, project, key (the embedded key for browser traffic), model and mode."""

    date = models.DateField()
    # The project's organization; part of the bucket's key, as a distributed table's unique
    # key must be (docs/deploy.md, "Past one primary"); it adds no split (a project has one).
    organization = organization_key(index=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="usage_daily")
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage_daily")
    model = models.CharField(max_length=200)
    livemode = models.BooleanField()
    requests = models.BigIntegerField(default=0)
    errors = models.BigIntegerField(default=0)
    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    cached_input_tokens = models.BigIntegerField(default=0)
    images = models.BigIntegerField(default=0)
    cost_nanos = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-date", "model"]
        verbose_name_plural = "usage (daily)"
        constraints = [
            models.UniqueConstraint(
                fields=["date", "project", "api_key", "model", "livemode", "organization"],
                name="usagedaily_unique_bucket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.model}"
