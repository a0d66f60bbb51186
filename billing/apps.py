from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Our models are imported by billing/models.py; importing them here too is harmless and
        # keeps them registered however billing.models is loaded.
        # dj-stripe receivers for the payment events we own (and the re-fetching ones unhooked).
        from billing import (
            models_topups,  # noqa: F401
            stripe_webhooks,  # noqa: F401
        )
