from django.core.management.base import BaseCommand, CommandError

from ..executors import EXECUTORS
from ..loading import workflows_load


class EngineCommand(BaseCommand):
    """A command that needs the workflow definitions loaded first."""

    def execute(self, *args, **options):
        try:
            workflows_load()
        except ImportError as exc:
            raise CommandError(str(exc)) from exc
        return super().execute(*args, **options)


def cli_actor() -> str:
    """Who runs this command, as events record it: ``cli:<os user>``."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (a bare container)
        return "cli:unknown"


def add_run_options(parser) -> None:
    parser.add_argument("--executor", choices=EXECUTORS, help="default: YOOINI_EXECUTOR")
    parser.add_argument(
        "--concurrency",
        type=int,
        help="stage runs at once (threads), or queued and running at once (celery)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
