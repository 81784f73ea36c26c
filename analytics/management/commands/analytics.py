"""``yooini analytics``: the analytics pipeline's commands (docs/analytics.md).

- ``simulate --rate N --seconds S``: generate the store's events through the ingestion path
  (or ``--url`` a running server's ``/collect``).
- ``schemas``: the registered schemas; ``schema-register SUBJECT FILE``: a new version
  (refused with the reasons when not BACKWARD compatible).
- ``stream``: consume the log's clickstream (sessions, popularity, anomaly alerts).
- ``dead-letters``: the latest refused events and why.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from analytics import registry
from analytics.ingest import ingest
from analytics.models import DeadLetter, RegisteredSchema
from analytics.simulate import simulate
from analytics.transports import TransportError, transport_for


class Command(BaseCommand):
    help = "Analytics: simulate load, list and register schemas, show dead letters."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sim = sub.add_parser("simulate", help="send generated events at a steady rate")
        sim.add_argument("--rate", type=int, default=1000, help="events a second")
        sim.add_argument("--seconds", type=float, default=10.0)
        sim.add_argument("--seed", type=int, default=0)
        sim.add_argument("--batch", type=int, default=500, help="events per request")
        sim.add_argument("--invalid", type=float, default=0.0, help="share of broken events")
        sim.add_argument("--url", help="a running server's /collect (default: in this process)")
        sub.add_parser("schemas", help="the registered schemas")
        reg = sub.add_parser("schema-register", help="register a new version of a subject")
        reg.add_argument("subject")
        reg.add_argument("file", type=Path)
        stream = sub.add_parser("stream", help="consume the log: sessions, popularity, alerts")
        stream.add_argument("--name", default="default", help="the consumer (its checkpoint)")
        stream.add_argument("--batch", type=int, default=100, help="log entries per step")
        stream.add_argument("--lateness-ms", type=int, default=5000)
        stream.add_argument("--idle-exit", type=float, help="stop after this many idle seconds")
        dead = sub.add_parser("dead-letters", help="the latest refused events")
        dead.add_argument("--limit", type=int, default=20)

    def handle(self, *args, **opts):
        getattr(self, "_" + opts["action"].replace("-", "_"))(opts)

    def _simulate(self, opts):
        if opts["rate"] <= 0 or opts["seconds"] <= 0:
            raise CommandError("--rate and --seconds must be positive")
        if opts["url"]:
            key = settings.YOOINI_ANALYTICS_COLLECT_KEY
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            client = httpx.Client(headers=headers, timeout=30)

            def send(body: bytes) -> tuple[int, int]:
                answer = client.post(
                    opts["url"], content=body, headers={"Content-Type": "application/json"}
                )
                if answer.status_code != 200:
                    raise CommandError(f"{opts['url']} answered {answer.status_code}")
                result = answer.json()
                return result["accepted"], result["rejected"]
        else:
            try:
                log = transport_for()
            except TransportError as exc:
                raise CommandError(str(exc)) from None

            def send(body: bytes) -> tuple[int, int]:
                result = ingest(body, "application/json", log)
                return result.accepted, len(result.rejected)

        result = simulate(
            send,
            rate=opts["rate"],
            seconds=opts["seconds"],
            seed=opts["seed"],
            batch_size=opts["batch"],
            invalid_share=opts["invalid"],
        )
        self.stdout.write(
            f"sent {result.sent} events in {result.seconds:.1f} s ({result.rate:,.0f}/s): "
            f"{result.accepted} accepted, {result.rejected} to dead letters"
        )

    def _stream(self, opts):
        from analytics.stream import StreamProcessor

        try:
            log = transport_for()
        except TransportError as exc:
            raise CommandError(str(exc)) from None
        processor = StreamProcessor(log, name=opts["name"], lateness_ms=opts["lateness_ms"])
        self.stderr.write(f"stream {opts['name']}: from offset {processor.offset} on {log.name}")
        total = processor.run(batch=opts["batch"], idle_exit=opts["idle_exit"])
        self.stdout.write(
            f"{total.events} events from {total.entries} entries: {total.sessions} sessions, "
            f"{total.windows} product windows, {total.alerts} alerts"
        )

    def _schemas(self, opts):
        registry.register_bundled()
        for row in RegisteredSchema.objects.all():
            self.stdout.write(f"id {row.id:>4}  {row.subject}  v{row.version}")

    def _schema_register(self, opts):
        try:
            schema = registry.register(opts["subject"], opts["file"].read_text())
        except OSError as exc:
            raise CommandError(f"{opts['file']}: {exc.strerror}") from None
        except registry.SchemaError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{schema.subject} v{schema.version}: id {schema.id}")

    def _dead_letters(self, opts):
        for letter in DeadLetter.objects.all()[: opts["limit"]]:
            line = {
                "id": letter.id,
                "at": letter.received_at.isoformat(),
                "topic": letter.topic,
                "position": letter.position,
                "reason": letter.reason,
            }
            self.stdout.write(json.dumps(line, ensure_ascii=False))
