from django.core.management.base import CommandError

from ...console import console, run_to_end
from ...core.workflow import DefinitionError
from ...services.batches import BatchConflict, batch_start
from ..base import EngineCommand, add_run_options, params_parse


class Command(EngineCommand):
    help = "Run a workflow: resume its running batch, or start a new one."

    def add_arguments(self, parser):
        parser.add_argument("workflow")
        parser.add_argument(
            "--mode", help="which stages to run (default: the workflow's first mode)"
        )
        parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument(
            "--new", action="store_true", help="start a new batch even if one is running"
        )
        add_run_options(parser)

    def handle(self, *args, **opts):
        params = params_parse(opts["param"], opts["workflow"])
        try:
            started = batch_start(
                opts["workflow"], mode=opts["mode"], params=params, new=opts["new"]
            )
        except (KeyError, DefinitionError, BatchConflict) as exc:
            raise CommandError(str(exc).strip("\"'")) from exc
        batch = started.batch
        verb = "resuming" if started.resumed else "started"
        console.print(f"{verb} batch [bold]{batch.id}[/] of {batch.workflow} in mode {batch.mode}")
        run_to_end(batch.id, opts)
