from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # dj-stripe receivers for the payment events we own (and the re-fetching ones unhooked).
        from billing.payment_events import stripe_receivers  # noqa: F401
