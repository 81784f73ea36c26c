"""Source data benchmark: how fast ``source_data_upsert_many`` stores supplier records.

    .venv/bin/python bench/source_data.py [--databases sqlite,postgres] [--records 100000]
    .venv/bin/python bench/source_data.py --databases sqlite --profile   # + cProfile top

Per database: a first load of ``--records`` new records, then a reload of the same records
with ``--changed`` (5%) of them changed (a new price), then a reload with nothing changed.
Records are built before the clock starts; validation, hashing and every query are inside.
The parent process creates each database (a temporary SQLite file; a fresh PostgreSQL
database it drops afterwards) and re-invokes itself with ``--child`` and ``DATABASE_URL`` set,
because Django reads the database from the environment when its settings load. Each child
migrates its database, measures, and writes JSON; the parent prints one JSON document with
the median of ``--repeat`` runs (each on a fresh database) next to the goal. ``queries``
counts the statements sent through Django's ``execute`` (PostgreSQL's COPY is not one of
them). ``--databases mariadb`` measures MariaDB too (not part of the goal).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

from databases import (
    QueryCounter,
    add_database_options,
    admin_url,
    child_main,
    databases_chosen,
    run_in_child,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_RECORDS_PER_S = 20_000


# ------------------------------------------------------------------------------------------
# parent: databases, child processes, the combined report
# ------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.05, help="share changed on reload")
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per database, each on a fresh one (median)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the first load")
    parser.add_argument("--top", type=int, default=25, help="profile rows to report")
    add_database_options(parser, default="sqlite,postgres")
    args = parser.parse_args()
    if args.child:
        return child_main(args, child_run)

    databases = databases_chosen(parser, args)
    report: dict = {
        "benchmark": "yooini source_data upsert_many",
        "parameters": {
            "records": args.records,
            "changed_share": args.changed,
            "chunk_size": args.chunk_size,
            "repeat": args.repeat,
        },
        "goal_records_per_s": GOAL_RECORDS_PER_S,
        "databases": {},
    }
    for name in databases:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        report["databases"][name] = run_database(name, args)
    report["summary"] = summarize(report)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    failed = [n for n, r in report["databases"].items() if "error" in r]
    return 1 if failed else 0


def run_database(name: str, args: argparse.Namespace) -> dict:
    """``--repeat`` runs, each on a fresh database; per phase the median and every figure
    (the machine may be shared: the load average is reported with each run)."""
    runs = []
    for _ in range(max(1, args.repeat)):
        load_before = os.getloadavg()[0]
        run = run_once(name, args)
        if "error" in run:
            return run
        run["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        runs.append(run)
    phases = {}
    for phase in runs[0]["phases"]:
        figures = [r["phases"][phase] for r in runs]
        rates = [f["records_per_s"] for f in figures]
        phases[phase] = {
            "records_per_s": round(statistics.median(rates)),
            "records_per_s_all": rates,
            "seconds_median": round(statistics.median(f["seconds"] for f in figures), 3),
            "queries": figures[0]["queries"],
            "result": figures[0]["result"],
        }
        if "profile_top" in figures[0]:
            phases[phase]["profile_top"] = figures[0]["profile_top"]
    return {
        "versions": runs[0]["versions"],
        "migrate_s": runs[0]["migrate_s"],
        "record_raw_bytes_avg": runs[0]["record_raw_bytes_avg"],
        "rows_after": runs[0]["rows"],
        "load_average_1min": [r["load_average_1min"] for r in runs],
        "phases": phases,
    }


def run_once(name: str, args: argparse.Namespace) -> dict:
    child_args = [
        "--records",
        str(args.records),
        "--changed",
        str(args.changed),
        "--chunk-size",
        str(args.chunk_size),
        "--top",
        str(args.top),
    ]
    if args.profile:
        child_args.append("--profile")
    return run_in_child(__file__, name, admin_url(args, name), child_args, prefix="yooini_bench_sd")


def summarize(report: dict) -> dict:
    out: dict = {}
    for db, result in report["databases"].items():
        if "error" in result:
            out[db] = {"error": result["error"]}
            continue
        out[db] = {
            f"{phase} records/s": {
                "value": fig["records_per_s"],
                "goal": f">= {GOAL_RECORDS_PER_S}",
                "met": fig["records_per_s"] >= GOAL_RECORDS_PER_S,
            }
            for phase, fig in result["phases"].items()
        }
    return out


# ------------------------------------------------------------------------------------------
# child: one database, already named by DATABASE_URL
# ------------------------------------------------------------------------------------------
def child_run(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    result: dict = {"versions": versions(), "migrate_s": round(time.perf_counter() - started, 3)}

    rng = random.Random(20260127)
    first = [supplier_record(i, rng) for i in range(args.records)]
    changed_idx = set(rng.sample(range(args.records), int(args.records * args.changed)))
    reload = [with_new_price(r) if i in changed_idx else r for i, r in enumerate(first)]
    raw_bytes = sum(len(json.dumps(r.raw, ensure_ascii=False).encode()) for r in first[:1000])

    result["record_raw_bytes_avg"] = round(raw_bytes / min(1000, len(first)))
    phases = {}
    phases["first_load"] = measure(first, "bench-1", args, profile=args.profile)
    phases["reload_5pct_changed"] = measure(reload, "bench-2", args)
    phases["reload_unchanged"] = measure(reload, "bench-3", args)
    result["phases"] = phases
    result["rows"] = table_rows()
    expected = {
        "first_load": (args.records, 0, 0),
        "reload_5pct_changed": (0, len(changed_idx), args.records - len(changed_idx)),
        "reload_unchanged": (0, 0, args.records),
    }
    for phase, (created, changed, unchanged) in expected.items():
        got = phases[phase]["result"]
        if (got["created"], got["changed"], got["unchanged"]) != (created, changed, unchanged):
            raise RuntimeError(f"{phase}: unexpected counts {got}")
    return result


def measure(records: list, batch_id: str, args: argparse.Namespace, *, profile=False) -> dict:
    from django.db import connection

    from source_data.services import source_data_upsert_many

    counter = QueryCounter()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    with connection.execute_wrapper(counter):
        t0 = time.perf_counter()
        outcome = source_data_upsert_many(records, batch_id=batch_id, chunk_size=args.chunk_size)
        seconds = time.perf_counter() - t0
    out = {
        "records": len(records),
        "seconds": round(seconds, 3),
        "records_per_s": round(len(records) / seconds),
        "queries": counter.n,
        "result": {k: v for k, v in outcome.as_dict().items() if k != "rejections"},
    }
    if profiler is not None:
        profiler.disable()
        out["profile_top"] = profile_rows(profiler, args.top)
    return out


def supplier_record(i: int, rng: random.Random):
    """A supplier product of a realistic size (~700 bytes of JSON, Korean text, options)."""
    from source_data.records import SourceRecord

    price = rng.randrange(5_000, 300_000, 100)
    raw = {
        "goods_no": f"OC{i:08d}",
        "name": f"[브랜드{i % 97}] 남성 캐주얼 셔츠 모델 {i} 오버핏 코튼",
        "brand": f"BRAND-{i % 97}",
        "category": ["패션의류", "남성의류", "셔츠"],
        "price": price,
        "consumer_price": price + 10_000,
        "stock": rng.randrange(0, 500),
        "options": [
            {"name": f"{color}/{size}", "stock": rng.randrange(0, 50), "extra_price": 0}
            for color in ("블랙", "화이트")
            for size in ("M", "L", "XL")
        ],
        "images": [f"https://img.example.com/goods/{i}/{n}.jpg" for n in range(3)],
        "origin": "국내산",
        "delivery": {"fee": 3000, "free_over": 50000, "days": 2},
        "updated": "2026-01-27T03:00:00Z",
    }
    return SourceRecord("supplier_product", "ownerclan", f"OC{i:08d}", raw)


def with_new_price(record):
    from dataclasses import replace

    raw = dict(record.raw, price=record.raw["price"] + 100)
    return replace(record, raw=raw)


def table_rows() -> dict:
    from source_data.models import SourceData

    return {
        "total": SourceData.objects.count(),
        "current": SourceData.objects.filter(is_current=True).count(),
    }


def versions() -> dict:
    import django
    from django.db import connection

    info = {
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "db_vendor": connection.vendor,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            info["db_version"] = f"SQLite {cursor.fetchone()[0]}"
            cursor.execute("PRAGMA journal_mode")
            info["sqlite_journal_mode"] = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            info["sqlite_synchronous"] = cursor.fetchone()[0]
        else:
            cursor.execute("select version()")
            info["db_version"] = cursor.fetchone()[0]
            if connection.vendor == "postgresql":
                cursor.execute("show synchronous_commit")
                info["pg_synchronous_commit"] = cursor.fetchone()[0]
    return info


def profile_rows(profiler, top: int) -> list[str]:
    import io
    import pstats

    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(top)
    return [line for line in buf.getvalue().splitlines() if line.strip()][: top + 8]


if __name__ == "__main__":
    sys.exit(main())
