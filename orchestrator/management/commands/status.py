import json

from django.core.management.base import CommandError

from yooini.choices import one_of
from yooini.timefmt import when

from ...console import console, print_grid, print_summary
from ...core.clock import get_clock
from ...core.workflow import registry
from ...models import Batch, BatchStatus
from ...selectors import batch_document, batch_get, unknown_batch
from ...services.processes import processes_knowing, runnable_by
from ..base import EngineCommand


class Command(EngineCommand):
    help = "Show a batch (default: the newest): its summary and partition x stage grid."

    def add_arguments(self, parser):
        parser.add_argument("batch", nargs="?")
        parser.add_argument("--workflow", help="the newest batch of this workflow")
        parser.add_argument("--json", action="store_true", help="a stable JSON document")
        parser.add_argument("--partitions", type=int, default=30, help="grid rows to show")

    def handle(self, *args, **opts):
        if opts["workflow"]:
            known = {w.name for w in registry.workflows()}
            known |= set(Batch.objects.values_list("workflow", flat=True).distinct())
            one_of("--workflow", opts["workflow"], known)
        try:
            batch = batch_get(opts["batch"], workflow=opts["workflow"])
        except Batch.DoesNotExist as exc:
            if opts["batch"]:
                raise CommandError(unknown_batch(opts["batch"])) from exc
            if opts["workflow"]:
                raise CommandError(f"no batch of {opts['workflow']} yet") from exc
            raise CommandError("no batch yet: start one with `yooini run WORKFLOW`") from exc
        now = get_clock().now()
        if opts["json"]:
            document = batch_document(batch.id)
            document["runnable_by"] = [
                {"process": p.owner, "kind": p.kind}
                for p in processes_knowing(batch.workflow, now=now)
            ]
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            return
        print_summary(batch)
        print_grid(batch, limit=opts["partitions"])
        if batch.status == BatchStatus.RUNNING:
            console.print(runnable_by(batch.workflow, now=now))
        console.print(f"created {when(batch.created_at)}  finished {when(batch.finished_at)}")
