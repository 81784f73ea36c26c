import json

from django.core.management.base import CommandError

from ...console import console, print_grid, print_summary
from ...models import Batch
from ...selectors import batch_document, batch_get
from ..base import EngineCommand


class Command(EngineCommand):
    help = "Show a batch (default: the newest): its summary and partition x stage grid."

    def add_arguments(self, parser):
        parser.add_argument("batch", nargs="?")
        parser.add_argument("--workflow", help="the newest batch of this workflow")
        parser.add_argument("--json", action="store_true", help="a stable JSON document")
        parser.add_argument("--partitions", type=int, default=30, help="grid rows to show")

    def handle(self, *args, **opts):
        try:
            batch = batch_get(opts["batch"], workflow=opts["workflow"])
        except Batch.DoesNotExist as exc:
            raise CommandError(f"no batch {opts['batch'] or ''}".strip()) from exc
        if opts["json"]:
            self.stdout.write(json.dumps(batch_document(batch.id), ensure_ascii=False, indent=2))
            return
        print_summary(batch)
        print_grid(batch, limit=opts["partitions"])
        console.print(
            f"created {batch.created_at:%Y-%m-%d %H:%M:%S}  finished {batch.finished_at or '-'}"
        )
