from django.core.management.base import CommandError

from ...console import console, run_to_end
from ...models import Batch
from ...services.batches import BatchConflict, batch_resume
from ..base import EngineCommand, add_run_options, batch_runnable_here, cli_actor


class Command(EngineCommand):
    help = "Resume a batch (a running one after a crash, or a cancelled one) and run it to its end."

    def add_arguments(self, parser):
        parser.add_argument("batch")
        add_run_options(parser)

    def handle(self, *args, **opts):
        batch_runnable_here(opts["batch"])
        try:
            batch = batch_resume(opts["batch"], actor=cli_actor())
        except Batch.DoesNotExist as exc:
            raise CommandError(f"no batch {opts['batch']!r}") from exc
        except BatchConflict as exc:
            raise CommandError(str(exc)) from exc
        console.print(f"resuming batch [bold]{batch.id}[/] of {batch.workflow}")
        run_to_end(batch.id, opts)
