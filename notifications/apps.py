from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from orchestrator.extensions import background_loop_register

        from .services import notifications_pump

        # Notifications go out from the processes that run the engine (``serve`` in the
        # embedded mode, ``scheduler`` otherwise); a delivery is claimed before it is sent,
        # so several such processes never send one twice.
        background_loop_register(
            "yooini-notifications", lambda stop: notifications_pump(stop, interval=2.0)
        )
