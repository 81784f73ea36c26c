from django.core.management.base import CommandError

from ...console import console, run_to_end
from ...models import Batch
from ...services.batches import BatchConflict, batch_retry
from ..base import EngineCommand, add_run_options, batch_runnable_here, cli_actor


class Command(EngineCommand):
    help = "Run a batch's failed and blocked cells again; every DONE cell is kept."

    def add_arguments(self, parser):
        parser.add_argument("batch")
        parser.add_argument("--stage", help="only this stage (and what it blocked)")
        parser.add_argument("--partition", help="only this partition")
        parser.add_argument(
            "--no-run", action="store_true", help="reset the cells but do not run them now"
        )
        add_run_options(parser)

    def handle(self, *args, **opts):
        batch_runnable_here(opts["batch"])
        try:
            count = batch_retry(
                opts["batch"], stage=opts["stage"], partition=opts["partition"], actor=cli_actor()
            )
        except Batch.DoesNotExist as exc:
            raise CommandError(f"no batch {opts['batch']!r}") from exc
        except BatchConflict as exc:
            raise CommandError(str(exc)) from exc
        console.print(f"{count} cell(s) of batch [bold]{opts['batch']}[/] will run again")
        if opts["no_run"]:
            return
        run_to_end(opts["batch"], opts)
