from django.apps import AppConfig


class CoupangConfig(AppConfig):
    name = "markets.coupang"
    label = "coupang"
    verbose_name = "Coupang"
    default_auto_field = "django.db.models.BigAutoField"
