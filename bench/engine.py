"""Engine micro-benchmarks: what one durable stage run costs, and how fast a fan-out drains.

    .venv/bin/python bench/engine.py [--databases sqlite,postgres] [--executor inline,threads]
    .venv/bin/python bench/engine.py --databases sqlite --profile   # + cProfile and SQL per stage run
    .venv/bin/python bench/engine.py --databases postgres --executor threads,celery --workers 1,2

``celery`` starts real ``yooini worker`` processes (one prefork process each) on Redis
(``--broker``) for each count in ``--workers``, and runs its own no-op workflows
(``bench/celery_workflows.py``, which the workers import) from this process.

The parent process creates each database (a temporary SQLite file; a fresh PostgreSQL
database it drops afterwards), then re-invokes itself with ``--child`` and ``DATABASE_URL``
set, because Django reads the database from the environment when its settings load. Each
child migrates its database, runs the measurements and writes JSON; the parent prints one
JSON document with every figure next to its goal and the reference figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

from databases import QueryCounter, child_main, run_in_child

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

GOALS = {
    "chain_ms_per_stage_run": {"sqlite": 0.5, "postgres": 2.0},
    "fanout_stage_runs_per_s": 2000,
}

REFERENCE = {
    "note": (
        "measured on this machine by others: 200-step sequential chain (ms per step) and "
        "500-task fan-out (tasks/s)"
    ),
    "DBOS (SQLite)": {"chain_ms_per_step": 3.0, "fanout_tasks_per_s": 67, "durable": True},
    "Celery+Redis": {"chain_ms_per_step": 4.7, "fanout_tasks_per_s": 289, "durable": False},
    "Dagster": {"chain_ms_per_step": 9.6},
    "Prefect": {"chain_ms_per_step": 20.0},
}


# ------------------------------------------------------------------------------------------
# parent: databases, child processes, the combined report
# ------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--executor", default="inline,threads", help="inline,threads,celery")
    parser.add_argument("--workers", default="1,2", help="celery: worker process counts")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0", help="celery broker")
    parser.add_argument(
        "--in-flight", type=int, default=32, help="celery: stage runs queued or running at once"
    )
    parser.add_argument("--chain", type=int, default=1000, help="stages in the chain workflow")
    parser.add_argument("--fanout", type=int, default=2000, help="partitions in the fan-out")
    parser.add_argument("--concurrency", type=int, default=8, help="threads executor size")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median kept)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL),
        help="admin URL used to create and drop the benchmark database",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile one chain run (cProfile, SQL queries per stage run) on each database",
    )
    parser.add_argument("--profile-out", help="write the raw cProfile stats to this path")
    parser.add_argument("--top", type=int, default=30, help="profile rows to report")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--db-label", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        return child_main(args, child_run)

    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    for name in databases:
        if name not in ("sqlite", "postgres"):
            parser.error(f"unknown database {name!r} (known: sqlite, postgres)")
    report: dict = {
        "benchmark": "yooini engine",
        "parameters": {
            "chain_stages": args.chain,
            "fanout_partitions": args.fanout,
            "threads_concurrency": args.concurrency,
            "celery_workers": args.workers,
            "celery_in_flight": args.in_flight,
            "celery_broker": args.broker,
            "executors": args.executor.split(","),
            "repeat": args.repeat,
        },
        "goals": GOALS,
        "reference": REFERENCE,
        "databases": {},
    }
    for name in databases:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        report["databases"][name] = run_database(name, args)
    report["summary"] = summarize(report)
    print(json.dumps(report, indent=2))
    failed = [n for n, r in report["databases"].items() if "error" in r]
    return 1 if failed else 0


def run_database(name: str, args: argparse.Namespace) -> dict:
    child_args = [
        "--db-label",
        name,
        "--executor",
        args.executor,
        "--chain",
        str(args.chain),
        "--fanout",
        str(args.fanout),
        "--concurrency",
        str(args.concurrency),
        "--repeat",
        str(args.repeat),
        "--workers",
        args.workers,
        "--broker",
        args.broker,
        "--in-flight",
        str(args.in_flight),
        "--top",
        str(args.top),
    ]
    if args.profile:
        child_args.append("--profile")
        if args.profile_out:
            path = Path(args.profile_out)
            child_args += ["--profile-out", str(path.with_name(f"{path.stem}-{name}{path.suffix}"))]
    return run_in_child(__file__, name, args.postgres_url, child_args, prefix="yooini_bench")


def summarize(report: dict) -> dict:
    """One line per figure: value, goal, met."""
    out: dict = {}
    for db, result in report["databases"].items():
        if "error" in result:
            out[db] = {"error": result["error"]}
            continue
        goal_chain = GOALS["chain_ms_per_stage_run"][db]
        goal_fan = GOALS["fanout_stage_runs_per_s"]
        rows = {}
        for executor, fig in result.get("chain", {}).items():
            ms = fig["ms_per_stage_run"]
            rows[f"chain/{executor} ms per stage run"] = {
                "value": ms,
                "goal": f"<= {goal_chain}",
                "met": ms <= goal_chain,
                "x_goal": round(ms / goal_chain, 1),
            }
        for executor, fig in result.get("fanout", {}).items():
            rate = fig["stage_runs_per_s"]
            rows[f"fanout/{executor} stage runs per s"] = {
                "value": rate,
                "goal": f">= {goal_fan}",
                "met": rate >= goal_fan,
                "x_goal": round(goal_fan / rate, 1) if rate else None,
            }
        for workers, fig in result.get("celery", {}).items():
            rows[f"fanout/celery, {workers} stage runs per s"] = {
                "value": fig["fanout_stage_runs_per_s"]
            }
            rows[f"chain/celery, {workers} ms per stage run"] = {
                "value": fig["chain_ms_per_stage_run"]
            }
        out[db] = rows
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
    migrate_s = time.perf_counter() - started

    executors = [e.strip() for e in args.executor.split(",") if e.strip()]
    result: dict = {
        "versions": versions(),
        "migrate_s": round(migrate_s, 3),
        "baseline": baseline(args.chain, args.fanout, args.concurrency),
        "chain": {},
        "fanout": {},
    }
    run_workflow(chain_workflow(20), "inline", args.concurrency)  # warm-up: connection, caches
    if "celery" in executors:
        executors.remove("celery")
        result["celery"] = celery_figures(args)
    # Timed runs watch nothing (a query counter would slow the engine's statements down);
    # one more run per figure counts the queries.
    for executor in executors:
        runs = [
            run_workflow(chain_workflow(args.chain), executor, args.concurrency)
            for _ in range(args.repeat)
        ]
        counted = run_workflow(chain_workflow(args.chain), executor, args.concurrency, count=True)
        result["chain"][executor] = figures(runs, counted, args.chain, per="chain")
    for executor in executors:
        runs = [
            run_workflow(fanout_workflow(args.fanout), executor, args.concurrency)
            for _ in range(args.repeat)
        ]
        counted = run_workflow(fanout_workflow(args.fanout), executor, args.concurrency, count=True)
        result["fanout"][executor] = figures(runs, counted, args.fanout, per="fanout")
    if args.profile:
        result["profile"] = profile_chain(args.chain, args.top, args.profile_out)
    return result


def versions() -> dict:
    import django
    from django.db import connection

    info = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "django": django.get_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "db_vendor": connection.vendor,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            import sqlite3

            cursor.execute("select sqlite_version()")
            info["db_version"] = f"SQLite {cursor.fetchone()[0]}"
            info["python_sqlite3_module"] = sqlite3.sqlite_version
            cursor.execute("PRAGMA journal_mode")
            info["sqlite_journal_mode"] = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            info["sqlite_synchronous"] = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                cursor.fetchone()[0]
            )
            info["sqlite_transaction_mode"] = connection.settings_dict["OPTIONS"].get(
                "transaction_mode"
            )
        elif connection.vendor == "postgresql":
            import psycopg

            cursor.execute("select version()")
            info["db_version"] = cursor.fetchone()[0]
            info["psycopg"] = psycopg.__version__
            cursor.execute("show synchronous_commit")
            info["pg_synchronous_commit"] = cursor.fetchone()[0]
        else:
            cursor.execute("select version()")
            info["db_version"] = cursor.fetchone()[0]
    info["conn_max_age"] = connection.settings_dict.get("CONN_MAX_AGE")
    return info


# -- workflows -----------------------------------------------------------------------------
def noop(ctx, partition) -> None:
    return None


_names = iter(range(1, 1 << 30))


def chain_workflow(stages: int):
    from orchestrator import Workflow

    wf = Workflow(f"bench_chain_{stages}_{next(_names)}")
    previous = None
    for i in range(stages):
        wf.stage(noop, name=f"s{i}", after=previous)
        previous = f"s{i}"
    return wf


def fanout_workflow(partitions: int):
    from orchestrator import Workflow

    wf = Workflow(
        f"bench_fanout_{partitions}_{next(_names)}",
        partitions=[f"p{i:05d}" for i in range(partitions)],
    )
    wf.stage(noop, name="s0")
    return wf


def run_workflow(wf, executor_name: str, concurrency: int, *, hooks=None, count=False) -> dict:
    """Start a batch of ``wf`` and run it to the end; time both, count cells (and queries
    when ``count``: the counter is itself a cost on every statement)."""
    from django.db import connection

    from orchestrator import registry
    from orchestrator.executors import executor_create
    from orchestrator.models import CellStatus, StageRun
    from orchestrator.runner import Runner
    from orchestrator.services.batches import batch_start

    counter = QueryCounter()
    try:
        with connection.execute_wrapper(counter) if count else contextlib.nullcontext():
            t0 = time.perf_counter()
            batch = batch_start(wf.name).batch
            t1 = time.perf_counter()
            start_queries = counter.n
            engine = executor_create(executor_name, concurrency=concurrency)
            try:
                t2 = time.perf_counter()
                if hooks:
                    hooks[0]()
                try:
                    finished = Runner(engine).run(batch.id)
                finally:
                    if hooks:
                        hooks[1]()
                t3 = time.perf_counter()
            finally:
                engine.close()
        cells = StageRun.objects.filter(batch_id=batch.id)
        done = cells.filter(status=CellStatus.DONE).count()
        total = cells.count()
    finally:
        registry.remove(wf.name)
    if finished.status != "COMPLETED" or done != total:
        raise RuntimeError(f"batch {batch.id} ended {finished.status} with {done}/{total} done")
    return {
        "batch_create_s": t1 - t0,
        "run_s": t3 - t2,
        "cells": total,
        "batch_create_queries": start_queries,
        "run_queries": counter.n - start_queries,
    }


def celery_figures(args: argparse.Namespace) -> dict:
    """Fan-out and chain of no-op stage runs through real worker processes, per worker count."""
    import uuid

    from bench import celery_workflows
    from orchestrator.tests.chaos import WorkerProcess

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "YOOINI_BROKER_URL": args.broker,
        "YOOINI_CELERY_QUEUE": queue,
        "YOOINI_WORKFLOW_MODULES": "bench.celery_workflows",
        "PYTHONPATH": str(ROOT),
    }
    out: dict = {}
    for count in [int(n) for n in args.workers.split(",") if n.strip()]:
        with tempfile.TemporaryDirectory(prefix="yooini-bench-workers-") as logs:
            workers = [WorkerProcess(f"bench{i}", env, Path(logs), 1) for i in range(count)]
            try:
                for worker in workers:
                    worker.wait_ready()
                celery_run("bench_celery_chain", {}, args, queue)  # warm-up
                fan = [
                    celery_run("bench_celery_fanout", {"n": args.fanout}, args, queue)
                    for _ in range(args.repeat)
                ]
                chain = [
                    celery_run("bench_celery_chain", {}, args, queue) for _ in range(args.repeat)
                ]
            finally:
                for worker in workers:
                    worker.stop()
        out[f"{count} worker process{'es' if count > 1 else ''}"] = {
            "fanout_stage_runs": args.fanout,
            "fanout_stage_runs_per_s": round(args.fanout / statistics.median(fan), 1),
            "fanout_run_s_all": [round(s, 3) for s in fan],
            "chain_stage_runs": celery_workflows.CHAIN_STAGES,
            "chain_ms_per_stage_run": round(
                statistics.median(chain) * 1000 / celery_workflows.CHAIN_STAGES, 3
            ),
        }
    return out


def celery_run(workflow: str, params: dict, args: argparse.Namespace, queue: str) -> float:
    """Run one batch through the workers; the seconds from its first claim to its end."""
    from orchestrator.executors import CeleryExecutor
    from orchestrator.runner import Runner
    from orchestrator.services.batches import batch_start

    batch = batch_start(workflow, params=params, new=True).batch
    engine = CeleryExecutor(args.in_flight, queue=queue)
    started = time.perf_counter()
    try:
        finished = Runner(engine).run(batch.id)
    finally:
        engine.close()
    if finished.status != "COMPLETED":
        raise RuntimeError(f"batch {batch.id} of {workflow} ended {finished.status}")
    return time.perf_counter() - started


def figures(runs: list[dict], counted: dict, cells: int, *, per: str) -> dict:
    run_s = statistics.median(r["run_s"] for r in runs)
    create_s = statistics.median(r["batch_create_s"] for r in runs)
    out = {
        "stage_runs": cells,
        "run_s_median": round(run_s, 4),
        "run_s_all": [round(r["run_s"], 4) for r in runs],
        "batch_create_s_median": round(create_s, 4),
        "batch_create_ms_per_cell": round(create_s * 1000 / cells, 4),
        "queries_per_stage_run": round(counted["run_queries"] / cells, 2),
        "batch_create_queries": counted["batch_create_queries"],
        "ms_per_stage_run": round(run_s * 1000 / cells, 3),
        "stage_runs_per_s": round(cells / run_s, 1),
    }
    if per == "chain":
        out["ms_per_stage_run_incl_batch_create"] = round((run_s + create_s) * 1000 / cells, 3)
    else:
        out["stage_runs_per_s_incl_batch_create"] = round(cells / (run_s + create_s), 1)
    return out


# -- baseline ------------------------------------------------------------------------------
def baseline(chain: int, fanout: int, concurrency: int) -> dict:
    """The same work without the engine: plain calls, a thread pool, and the engine's
    in-memory part of a stage run (``execute_claim``: context, lookup, outcome; no database)."""
    from concurrent.futures import ThreadPoolExecutor

    from orchestrator import registry
    from orchestrator.execution import Claim, execute_claim

    ctx = types.SimpleNamespace()  # the no-op stage never reads its context

    def plain(n: int) -> float:
        best = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            for _ in range(n):
                noop(ctx, "-")
            best = min(best, time.perf_counter() - t)
        return best

    def pool(n: int) -> float:
        with ThreadPoolExecutor(max_workers=concurrency) as ex:
            list(ex.map(lambda _: noop(ctx, "-"), range(concurrency)))  # threads started
            t = time.perf_counter()
            for f in [ex.submit(noop, ctx, "-") for _ in range(n)]:
                f.result()
            return time.perf_counter() - t

    wf = chain_workflow(1)
    claim = Claim(
        stage_run_id=1,
        attempt=1,
        failures=0,
        batch_id="b",
        workflow=wf.name,
        mode="full",
        params={},
        partition="-",
        stage="s0",
        resource="",
    )
    t = time.perf_counter()
    for _ in range(chain):
        execute_claim(claim)
    exec_s = time.perf_counter() - t
    registry.remove(wf.name)

    chain_s, fan_s, pool_s = plain(chain), plain(fanout), pool(fanout)
    return {
        "plain_call": {
            f"{chain}_calls_s": chain_s,
            f"{fanout}_calls_s": fan_s,
            "us_per_call": round(fan_s * 1e6 / fanout, 4),
        },
        "threadpool_submit": {
            f"{fanout}_tasks_s": round(pool_s, 4),
            "us_per_task": round(pool_s * 1e6 / fanout, 2),
            "tasks_per_s": round(fanout / pool_s, 1),
        },
        "engine_execute_claim_no_db": {"us_per_call": round(exec_s * 1e6 / chain, 2)},
    }


# -- profile -------------------------------------------------------------------------------
class QueryLog:
    """``execute_wrapper`` recording each query's time under its engine caller and shape."""

    IN_LIST = re.compile(r"IN \((?:%s, )*%s\)")

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], list] = {}
        self.total = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - t
            key = (self._caller(), self.IN_LIST.sub("IN (...)", sql))
            row = self.rows.setdefault(key, [0, 0.0])
            row[0] += 1
            row[1] += spent
            self.total += 1
            self.seconds += spent

    @staticmethod
    def _caller() -> str:
        frame = sys._getframe(2)
        chain = []
        while frame is not None and len(chain) < 3:
            name = frame.f_code.co_filename
            if "/orchestrator/" in name and "/site-packages/" not in name:
                chain.append(f"{name.rsplit('/orchestrator/', 1)[1]}:{frame.f_code.co_name}")
            frame = frame.f_back
        return " <- ".join(chain) or "?"

    def report(self, cells: int) -> list[dict]:
        out = []
        for (caller, sql), (n, spent) in sorted(self.rows.items(), key=lambda kv: -kv[1][1]):
            out.append(
                {
                    "per_stage_run": round(n / cells, 3),
                    "count": n,
                    "ms_total": round(spent * 1000, 2),
                    "us_per_query": round(spent * 1e6 / n, 1),
                    "caller": caller,
                    "sql": sql if len(sql) <= 240 else sql[:240] + " ...",
                }
            )
        return out


def profile_chain(stages: int, top: int, profile_out: str | None) -> dict:
    """One chain run under a query log (SQL per stage run, time in the driver), one under
    cProfile (Python hot spots), and the chain's cost per stage run at several lengths."""
    import cProfile
    import pstats

    from django.db import connection

    log = QueryLog()
    with connection.execute_wrapper(log):
        timing = run_workflow(chain_workflow(stages), "inline", 1, count=True)
    queries = {
        "stage_runs": stages,
        "run_s": round(timing["run_s"], 4),
        "queries_total_incl_batch_create": log.total,
        "queries_per_stage_run_in_run": round(timing["run_queries"] / stages, 2),
        "sql_driver_ms_total": round(log.seconds * 1000, 1),
        "by_caller_and_sql": log.report(stages),
    }

    profiler = cProfile.Profile()
    timing = run_workflow(
        chain_workflow(stages), "inline", 1, hooks=(profiler.enable, profiler.disable)
    )
    if profile_out:
        profiler.dump_stats(profile_out)
    stats = pstats.Stats(profiler)
    cprofile = {
        "run_s_under_profiler": round(timing["run_s"], 3),
        "by_cumulative": stat_rows(stats, "cumulative", top, stages),
        "by_self_time": stat_rows(stats, "tottime", top, stages),
    }

    scaling = {}
    for n in sorted({10, 100, 300, stages}):
        best = min(run_workflow(chain_workflow(n), "inline", 1)["run_s"] for _ in range(2))
        scaling[str(n)] = round(best * 1000 / n, 3)
    return {
        "queries": queries,
        "cprofile": cprofile,
        "chain_ms_per_stage_run_by_length": scaling,
    }


def stat_rows(stats, key: str, top: int, cells: int) -> list[dict]:
    entries = []
    for (filename, line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():
        entries.append((filename, line, func, cc, nc, tt, ct))
    index = {"cumulative": 6, "tottime": 5}[key]
    entries.sort(key=lambda e: -e[index])
    rows = []
    for filename, line, func, _cc, nc, tt, ct in entries[:top]:
        rows.append(
            {
                "function": f"{short_path(filename)}:{line}({func})",
                "calls": nc,
                "calls_per_stage_run": round(nc / cells, 2),
                "self_s": round(tt, 4),
                "cum_s": round(ct, 4),
                "cum_us_per_stage_run": round(ct * 1e6 / cells, 1),
            }
        )
    return rows


def short_path(filename: str) -> str:
    for marker in ("/site-packages/", str(ROOT) + "/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


if __name__ == "__main__":
    sys.exit(main())
