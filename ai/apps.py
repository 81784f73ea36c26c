from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "ai"
    label = "ai"
    verbose_name = "AI"
    default_auto_field = "django.db.models.BigAutoField"
