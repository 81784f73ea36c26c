from django.core.management.base import CommandError

from ...console import console
from ...models import Batch
from ...services.batches import batch_cancel
from ..base import EngineCommand, cli_actor


class Command(EngineCommand):
    help = "Cancel a batch: nothing new starts; it ends CANCELLED when its running cells finish."

    def add_arguments(self, parser):
        parser.add_argument("batch")

    def handle(self, *args, **opts):
        try:
            batch = batch_cancel(opts["batch"], actor=cli_actor())
        except Batch.DoesNotExist as exc:
            raise CommandError(f"no batch {opts['batch']!r}") from exc
        state = (
            batch.status
            if batch.status != "RUNNING"
            else "cancelling (running cells are finishing)"
        )
        console.print(f"batch [bold]{batch.id}[/]: {state}")
