from django.apps import AppConfig


class LlmgatewayConfig(AppConfig):
    name = "llmgateway"
    verbose_name = "Tenancy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from llmgateway import checks  # noqa: F401 (registers the deploy checks)
