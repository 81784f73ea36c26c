from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "suppliers"
    verbose_name = "Suppliers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The push-only kind lives beside the endpoint that feeds it (it needs Django);
        # registering it here makes it a kind like the built-ins for connector_for and kinds().
        from .connectors import register
        from .webhooks import WebhookConnector

        register(WebhookConnector.kind, WebhookConnector, replace=True)
