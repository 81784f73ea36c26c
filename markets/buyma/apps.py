from django.apps import AppConfig


class BuymaConfig(AppConfig):
    name = "markets.buyma"
    label = "buyma"
    verbose_name = "BUYMA"
    default_auto_field = "django.db.models.BigAutoField"
