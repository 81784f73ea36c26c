from django.apps import AppConfig


class SourceDataConfig(AppConfig):
    name = "source_data"
    verbose_name = "Source data"
    default_auto_field = "django.db.models.BigAutoField"
