import json

from ...console import console
from ...selectors import event_document, events_list
from ..base import EngineCommand


class Command(EngineCommand):
    help = "List events, newest last, by batch (correlation id) and type (``stage.*`` matches a prefix)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", help="correlation id")
        parser.add_argument("--type")
        parser.add_argument("--limit", type=int, default=200)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        events = events_list(batch_id=opts["batch"], event_type=opts["type"], limit=opts["limit"])
        if opts["json"]:
            self.stdout.write(
                json.dumps([event_document(e) for e in events], ensure_ascii=False, indent=2)
            )
            return
        for e in events:
            payload = json.dumps(e.payload, ensure_ascii=False)
            console.print(
                f"{e.id:>7} {e.created_at:%H:%M:%S} [bold]{e.type:<24}[/] {e.correlation_id:<12} {payload[:120]}"
            )
