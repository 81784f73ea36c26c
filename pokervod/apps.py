from django.apps import AppConfig


class PokervodConfig(AppConfig):
    name = "pokervod"
    verbose_name = "PokerVOD"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .isolation import connect

        connect()
