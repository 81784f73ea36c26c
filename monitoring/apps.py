from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from orchestrator.extensions import startup_check_register

        from .health import migrations_problems

        startup_check_register("migrations", migrations_problems)
