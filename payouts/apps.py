from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "payouts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The dj-stripe receiver for account.updated (and dj-stripe's re-fetching one unhooked).
        from payouts import stripe_webhooks  # noqa: F401
