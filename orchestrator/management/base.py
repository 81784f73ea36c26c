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


def params_parse(items: list[str], workflow: str) -> dict[str, str]:
    """``--param key=value`` options as a dict; a key ``workflow`` does not read is an error
    naming the keys it does."""
    from yooini.choices import choices_text

    from ..core.workflow import registry

    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--param {item!r} must look like key=value")
        params[key] = value
    try:
        definition = registry.get(workflow)
    except KeyError:
        return params  # the caller says which workflows exist
    unknown = definition.params_unknown(params)
    if unknown:
        raise CommandError(
            f"--param {', '.join(unknown)}: workflow {workflow!r} reads no such parameter; "
            f"its parameters: {choices_text(definition.params or {})}"
        )
    return params


def batch_runnable_here(batch_id: str) -> None:
    """Refuse, in one line, to run a batch that does not exist or whose workflow this process
    has not loaded (its cells would wait for ever here): say who could run it."""
    from ..core.clock import get_clock
    from ..core.workflow import registry
    from ..models import Batch
    from ..selectors import unknown_batch
    from ..services.processes import known_workflows, runnable_by

    workflow = Batch.objects.filter(id=batch_id).values_list("workflow", flat=True).first()
    if workflow is None:
        raise CommandError(unknown_batch(batch_id))
    try:
        registry.get(workflow)
    except KeyError:
        known = ", ".join(known_workflows()) or "none"
        raise CommandError(
            f"batch {batch_id} is of workflow {workflow!r}, which this process does not know "
            f"(known: {known}); {runnable_by(workflow, now=get_clock().now())}"
        ) from None


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
