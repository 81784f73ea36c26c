"""PokerVOD benchmark: ``pokervod_sync`` on the sample archive.

    .venv/bin/python bench/pokervod.py [--databases sqlite,postgres] [--files 1400] [--hands 300]

Per database, on a fresh one, in a child process: ``migrate``; the sample (``--files`` small
video files with realistic names under a temporary NAS root, its catalog file, a sheet of
``--hands`` hands served by the local Sheets API on 127.0.0.1); then, measured:

- ``full_sync_s``: a full ``pokervod_sync`` (scan, catalog, sheet, clips), inline executor;
- ``incremental_s``: one row edited in the sheet, then the ``incremental`` mode until its
  clip has changed (row edit to clip);
- ``event_delivery_ms``: 500 events published (each in its own transaction) to an in-process
  subscriber: from the commit that writes the event to the subscriber's call (median, p99),
  and from the publish call, the durable write included (``publish_to_handler``);
- ``peak_rss_mb``: the child's peak resident memory.

Goals here (the seed's in brackets): full sync < 10 s (< 10 min), incremental < 2 s (< 60 s),
event delivery p99 < 5 ms (< 100 ms), < 150 MB (< 512 MB).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from databases import add_database_options, admin_url, child_main, databases_chosen, run_in_child

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOALS = {"full_sync_s": 10.0, "incremental_s": 2.0, "event_p99_ms": 5.0, "peak_rss_mb": 150.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1400)
    parser.add_argument("--hands", type=int, default=300)
    add_database_options(parser, default="sqlite")
    args = parser.parse_args()
    if args.child:
        return child_main(args, child_run)
    report: dict = {
        "benchmark": "yooini pokervod_sync",
        "parameters": {"files": args.files, "hands": args.hands},
        "goals": GOALS,
        "databases": {},
    }
    for name in databases_chosen(parser, args):
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        child_args = ["--files", str(args.files), "--hands", str(args.hands)]
        result = run_in_child(
            __file__, name, admin_url(args, name), child_args, prefix="yooini_bench_pv"
        )
        if "error" not in result:
            result["met"] = {
                "full_sync_s": result["full_sync_s"] < GOALS["full_sync_s"],
                "incremental_s": result["incremental_s"] < GOALS["incremental_s"],
                "event_p99_ms": result["event_delivery_ms"]["p99"] < GOALS["event_p99_ms"],
                "peak_rss_mb": result["peak_rss_mb"] < GOALS["peak_rss_mb"],
            }
        report["databases"][name] = result
    print(json.dumps(report, indent=2))
    return 1 if any("error" in r for r in report["databases"].values()) else 0


def _run(mode: str, params: dict):
    from orchestrator.executors import executor_create
    from orchestrator.runner import Runner
    from orchestrator.services.batches import batch_start

    batch = batch_start("pokervod_sync", mode=mode, params=params).batch
    engine = executor_create("inline", concurrency=1)
    try:
        return Runner(engine).run(batch.id)
    finally:
        engine.close()


def _event_delivery(count: int = 500) -> dict:
    from django.db import transaction

    from orchestrator.core.bus import subscribe
    from orchestrator.services.events import NewEvent, events_emit

    received: dict[int, float] = {}
    unsubscribe = subscribe(
        "bench.pokervod", lambda e: received.__setitem__(e.payload["n"], time.perf_counter())
    )
    sent: dict[int, float] = {}
    committed: dict[int, float] = {}
    try:
        for n in range(count):
            sent[n] = time.perf_counter()
            with transaction.atomic():
                # Registered first, so it runs right after the commit, before the delivery.
                transaction.on_commit(lambda n=n: committed.__setitem__(n, time.perf_counter()))
                events_emit([NewEvent("bench.pokervod", {"n": n}, "bench")])
    finally:
        unsubscribe()

    def figures(start: dict[int, float]) -> dict:
        ms = sorted((received[n] - start[n]) * 1000 for n in start if n in received)
        return {
            "median": round(statistics.median(ms), 3),
            "p99": round(ms[max(int(len(ms) * 0.99) - 1, 0)], 3),
        }

    # publish_to_handler includes the event's own durable write (its commit); delivery is
    # from that commit to the subscriber (taking the event is one more conditional update).
    return {
        "events": count,
        "delivered": len(received),
        **figures(committed),
        "publish_to_handler": figures(sent),
    }


def child_run(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from orchestrator.loading import workflows_load
    from pokervod.models import HandClip
    from pokervod.sample import build
    from pokervod.sheets.testing import SheetsContractServer

    workflows_load()
    with (
        tempfile.TemporaryDirectory(prefix="pokervod-bench-") as tmp,
        SheetsContractServer() as server,
    ):
        base = Path(tmp)
        sample = build(base, files=args.files, hands=args.hands)
        key = server.service_account()
        (base / "key.json").write_text(json.dumps(key))
        server.spreadsheet("bench", {"Hands": sample.sheet_rows}, share_with=[key["client_email"]])
        params = {
            "roots": str(sample.nas_root),
            "catalog_file": str(sample.catalog_file),
            "spreadsheet_id": "bench",
            "range": "Hands!A1:G",
            "service_account_file": str(base / "key.json"),
            "sheets_base_url": server.base_url,
        }
        started = time.perf_counter()
        full = _run("full", params)
        full_s = time.perf_counter() - started
        clip = HandClip.objects.get(source_key=f"bench!Hands:{sample.sheet_rows[1][0]}")
        started = time.perf_counter()
        server.edit("bench", "Hands", 1, 5, "05:00:00")
        incremental = _run("incremental", params)
        clip.refresh_from_db()
        incremental_s = time.perf_counter() - started
        assert clip.out_seconds == 5 * 3600, "the edited row's clip did not change"
    return {
        "full_sync": full.status,
        "full_sync_s": round(full_s, 3),
        "clips": HandClip.objects.count(),
        "incremental": incremental.status,
        "incremental_s": round(incremental_s, 3),
        "event_delivery_ms": _event_delivery(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


if __name__ == "__main__":
    sys.exit(main())
