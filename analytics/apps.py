from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "E-commerce analytics: events, schemas, the event log"
    default_auto_field = "django.db.models.BigAutoField"
