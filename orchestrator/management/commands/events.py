import json

from django.core.management.base import CommandError

from yooini.timefmt import when

from ...console import console
from ...models import Batch
from ...selectors import event_document, events_list, unknown_batch
from ..base import EngineCommand


class Command(EngineCommand):
    help = "List events, newest last, by batch (correlation id) and type (``stage.*`` matches a prefix)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", help="correlation id")
        parser.add_argument("--type")
        parser.add_argument("--limit", type=int, default=200)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        if opts["batch"] and not Batch.objects.filter(id=opts["batch"]).exists():
            raise CommandError(unknown_batch(opts["batch"]))
        events = events_list(batch_id=opts["batch"], event_type=opts["type"], limit=opts["limit"])
        if opts["json"]:
            self.stdout.write(
                json.dumps([event_document(e) for e in events], ensure_ascii=False, indent=2)
            )
            return
        for e in events:
            payload = json.dumps(e.payload, ensure_ascii=False)
            console.print(
                f"{e.id:>7} {when(e.created_at)} [bold]{e.type:<24}[/] {e.correlation_id:<12} {payload[:120]}"
            )
