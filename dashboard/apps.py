from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        from pathlib import Path

        from django.conf import settings

        from yooini.translations import catalogs_compile

        catalogs_compile()
        # WhiteNoise serves from the apps (no collectstatic) but expects STATIC_ROOT to exist.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
