"""What ``durable_atomic`` costs: one small record committed with a plain ``atomic`` and with
``durable_atomic`` (synced to disk before it returns), per database.

    .venv/bin/python bench/durable_commit.py [--databases sqlite,postgres,mariadb] [--commits 300]

Each database is fresh (a temporary SQLite file; PostgreSQL and MariaDB databases created
and dropped through the admin URLs of ``databases.py``). The child writes ``--commits`` rows
each way, alternating blocks of 50 so both see the same disk, and reports the median ms per
commit. The record is one row of the engine's lock table: what matters is the commit.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from databases import add_database_options, admin_url, child_main, databases_chosen, run_in_child

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BLOCK = 50


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=300, help="per kind of commit")
    add_database_options(parser, default="sqlite,postgres,mariadb")
    args = parser.parse_args()
    if args.child:
        return child_main(args, child_run)
    report = {"benchmark": "yooini durable_atomic", "commits": args.commits, "databases": {}}
    for name in databases_chosen(parser, args):
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        report["databases"][name] = run_in_child(
            __file__,
            name,
            admin_url(args, name),
            ["--commits", str(args.commits)],
            prefix="yooini_bench_durable",
        )
    print(json.dumps(report, indent=2))
    return 1 if any("error" in r for r in report["databases"].values()) else 0


def child_run(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from orchestrator.models import EngineLock
    from yooini.durability import durable_atomic

    call_command("migrate", "orchestrator", verbosity=0)
    timings: dict[str, list[float]] = {"atomic": [], "durable_atomic": []}
    blocks = {"atomic": lambda: transaction.atomic(durable=True), "durable_atomic": durable_atomic}
    n = 0
    while len(timings["atomic"]) < args.commits:
        for kind, block in blocks.items():
            for _ in range(BLOCK):
                n += 1
                started = time.perf_counter()
                with block():
                    EngineLock.objects.create(name=f"bench-{n}")
                timings[kind].append(time.perf_counter() - started)
    result = {
        kind: {
            "ms_per_commit_median": round(statistics.median(values) * 1000, 3),
            "ms_per_commit_p90": round(statistics.quantiles(values, n=10)[-1] * 1000, 3),
        }
        for kind, values in timings.items()
    }
    result["vendor"] = connection.vendor
    return result


if __name__ == "__main__":
    sys.exit(main())
