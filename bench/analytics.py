"""Ingest throughput of the analytics pipeline: decode + validate + append, events a second.

    .venv/bin/python bench/analytics.py [--events 200000] [--batch 1000]
        [--transports embedded,redis,nats]

Prints one JSON document (progress on stderr). Runs in a temporary var directory with its own
SQLite database and embedded log; Redis and NATS use a stream unique to the run, deleted after.
Figures per stage, on pre-generated batches (generation is not timed):

- ``json_validate``: msgspec decode + validation against the type made from the Avro schema;
- ``json_to_avro``: the above plus the Avro encoding and framing (``Codec.from_json``);
- ``ingest_json_<transport>``: the whole ``POST /collect`` path minus HTTP (``ingest``):
  validation, encoding, one append per batch;
- ``ingest_avro_<transport>``: the same for Confluent-framed Avro batches (validated by
  decoding each event with its writer's schema);
- ``stream_<transport>``: ``yooini analytics stream``'s processor reading both back (decode,
  sessions, popularity windows, anomaly rules, one checkpoint transaction per
  ``--stream-batch`` entries).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--transports", default="embedded")
    parser.add_argument("--stream-batch", type=int, default=10, help="log entries per checkpoint")
    args = parser.parse_args()

    var = tempfile.mkdtemp(prefix="yooini-bench-analytics-")
    os.environ["YOOINI_VAR_DIR"] = var
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yooini.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()
    import msgspec
    from django.core.management import call_command

    from analytics import registry, wire
    from analytics.codec import codec_for
    from analytics.ingest import ingest
    from analytics.simulate import EventFactory
    from analytics.stream import StreamProcessor
    from analytics.transports import transport_for

    call_command("migrate", verbosity=0)
    codec = codec_for(registry.latest("user-events"))
    factory = EventFactory(seed=1)
    batches = [
        factory.batch("user-events", args.batch, 1767225600000 + i * 100, span_ms=100)
        for i in range(args.events // args.batch)
    ]
    events = len(batches) * args.batch
    raws = [msgspec.json.decode(b, type=dict)["events"] for b in batches]
    raw_events = [[msgspec.json.encode(e) for e in batch] for batch in raws]
    print(f"{events} events in {len(batches)} batches generated", file=sys.stderr)

    def timed(name: str, work) -> dict:
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
        print(f"{name}: {events / seconds:,.0f} events/s", file=sys.stderr)
        return {
            "events": events,
            "seconds": round(seconds, 3),
            "events_per_s": round(events / seconds),
        }

    figures = {}
    decoder = codec._decoder
    figures["json_validate"] = timed(
        "json_validate", lambda: [decoder.decode(r) for batch in raw_events for r in batch]
    )
    avro_batches = []
    figures["json_to_avro"] = timed(
        "json_to_avro",
        lambda: avro_batches.extend(
            wire.pack([codec.from_json(r) for r in batch]) for batch in raw_events
        ),
    )
    for name in args.transports.split(","):
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        url = {
            "embedded": "embedded",
            "redis": "redis://127.0.0.1:6379/0",
            "nats": "nats://127.0.0.1:4222",
        }[name]
        log = transport_for(url, prefix=prefix)
        try:
            figures[f"ingest_json_{name}"] = timed(
                f"ingest_json_{name}",
                lambda log=log: [ingest(b, "application/json", log) for b in batches],
            )
            figures[f"ingest_avro_{name}"] = timed(
                f"ingest_avro_{name}",
                lambda log=log: [
                    ingest(b, "application/vnd.yooini.avro-batch", log) for b in avro_batches
                ],
            )
            # the stream reads both ingests' entries back: decode, windows, a checkpoint a step
            processor = StreamProcessor(log, name=f"bench-{name}")
            started = time.perf_counter()
            total = processor.run(batch=args.stream_batch, idle_exit=0.5)
            seconds = time.perf_counter() - started - 0.5  # less the idle wait that ends it
            figures[f"stream_{name}"] = {
                "events": total.events,
                "seconds": round(seconds, 3),
                "events_per_s": round(total.events / seconds),
                "checkpoints": -(-total.entries // args.stream_batch),
            }
            print(f"stream_{name}: {total.events / seconds:,.0f} events/s", file=sys.stderr)
        finally:
            if hasattr(log, "delete"):
                log.delete()
            log.close()
    import fastavro

    print(
        json.dumps(
            {
                "figures": figures,
                "batch": args.batch,
                "versions": {
                    "python": sys.version.split()[0],
                    "msgspec": msgspec.__version__,
                    "fastavro": fastavro.__version__,
                },
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    try:
        main()
    finally:  # the temporary var directory (database, embedded log) goes with the run
        import shutil

        var = os.environ.get("YOOINI_VAR_DIR", "")
        if os.path.basename(var).startswith("yooini-bench-analytics-"):  # ours, made by main()
            shutil.rmtree(var, ignore_errors=True)
