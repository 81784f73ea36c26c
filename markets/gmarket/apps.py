from django.apps import AppConfig


class GmarketConfig(AppConfig):
    name = "markets.gmarket"
    label = "gmarket"
    verbose_name = "Gmarket / Auction"
    default_auto_field = "django.db.models.BigAutoField"
