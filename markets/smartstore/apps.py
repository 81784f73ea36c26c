from django.apps import AppConfig


class SmartStoreConfig(AppConfig):
    name = "markets.smartstore"
    label = "smartstore"
    verbose_name = "Naver SmartStore"
    default_auto_field = "django.db.models.BigAutoField"
