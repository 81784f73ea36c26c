"""Pipeline benchmark: the ``buyma`` workflow end to end on the sample, as a user runs it.

    .venv/bin/python bench/pipeline.py [--databases sqlite,postgres] [--products 10000]
        [--reprice 0.05] [--executor threads[,celery]] [--workers 1,2] [--concurrency 4]
        [--markets 4] [--broker redis://127.0.0.1:6379/0]

Per database, on a fresh one (a temporary SQLite file; a PostgreSQL database created through
``--postgres-url`` and dropped afterwards), in child processes exactly as a user would type
them: ``yooini migrate``, then ``yooini sample --products N`` (full: collect, convert,
translate, image, price, register on a sample mall served on 127.0.0.1, BUYMA in dry run),
then ``yooini sample --reprice 0.05 --mode partial`` (5% of the products change price). For
each run: wall time, peak RSS of the process (``ru_maxrss`` of the child), and per stage the
items, the seconds its cells spent and products/s (items / seconds). Prints one JSON
document; goals: full <= 300 s, partial <= 30 s, RSS <= 300 MB.

``--markets N`` lists on the first N of BUYMA, SmartStore, Coupang and Gmarket instead, every
one live against its local contract server (``yooini sample --markets ...``).
``--plain-intents`` runs the same commands with the record written before each market call
committed plainly instead of synced to disk (``bench/plain_intents.py``), to measure what the
durable record costs.

``--executor threads,celery --workers 1,2`` measures each executor in turn, each on a fresh
database: threads in the command's own process, then Celery with 1 and then 2 ``yooini
worker`` processes (``--worker-concurrency`` pool processes each, default 1), started before
the run on a private queue of ``--broker`` and stopped after it; the report is keyed by
``threads``, ``celery-1``, ``celery-2``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from databases import CREATORS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_MARIADB_ADMIN_URL = "mysql://root@127.0.0.1:3306/mysql"
GOALS = {"full_s": 300, "partial_s": 30, "rss_mb": 300}
MARKETS = ("buyma", "smartstore", "coupang", "gmarket")

FIGURES = """
import json, sys
import django
django.setup()
from orchestrator.models import Batch
from pipelines.summary import stage_figures
batch = Batch.objects.order_by("-created_at").first()
figures = {stage: dict(row) for stage, row in stage_figures(batch).items()}
print(json.dumps({"batch": batch.id, "status": batch.status, "stages": figures}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--reprice", type=float, default=0.05)
    parser.add_argument(
        "--executor", default="threads", help="inline, threads, celery, or several: threads,celery"
    )
    parser.add_argument(
        "--workers", default="1", help="with celery: worker processes per run, e.g. 1,2"
    )
    parser.add_argument("--worker-concurrency", type=int, default=1)
    parser.add_argument(
        "--broker", default=os.environ.get("YOOINI_BROKER_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--markets", type=int, default=0, help="list live on the first N markets (1-4)"
    )
    parser.add_argument(
        "--plain-intents",
        action="store_true",
        help="baseline: the record before each market call not synced to disk",
    )
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL)
    )
    parser.add_argument(
        "--mariadb-url", default=os.environ.get("BENCH_MARIADB_URL", DEFAULT_MARIADB_ADMIN_URL)
    )
    args = parser.parse_args()
    setups = executor_setups(parser, args)
    report = {
        "products": args.products,
        "reprice": args.reprice,
        "markets": list(MARKETS[: args.markets]) or ["buyma (dry run)"],
        "intents": "plain commit" if args.plain_intents else "durable (synced to disk)",
        "goals": GOALS,
        "databases": {},
    }
    for name in [d.strip() for d in args.databases.split(",") if d.strip()]:
        if len(setups) == 1:
            print(f"[pipeline] {name}", file=sys.stderr)
            report["databases"][name] = run_database(name, args, *setups[0][1:])
            continue
        report["databases"][name] = {}
        for label, executor, workers in setups:
            print(f"[pipeline] {name} {label}", file=sys.stderr)
            report["databases"][name][label] = run_database(name, args, executor, workers)
    print(json.dumps(report, indent=2))
    return 0


def executor_setups(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> list[tuple[str, str, int]]:
    """(label, executor, worker processes) per measured setup, in the order asked."""
    setups = []
    for executor in [e.strip() for e in args.executor.split(",") if e.strip()]:
        if executor not in ("inline", "threads", "celery"):
            parser.error(f"--executor: unknown executor {executor!r} (inline, threads, celery)")
        if executor != "celery":
            setups.append((executor, executor, 0))
            continue
        try:
            counts = [int(n) for n in args.workers.split(",") if n.strip()]
        except ValueError:
            parser.error(f"--workers: a list of numbers, e.g. 1,2; not {args.workers!r}")
        if not counts or min(counts) < 1:
            parser.error("--workers: at least one worker process per run")
        setups += [(f"celery-{n}", "celery", n) for n in counts]
    if not setups:
        parser.error("--executor: name at least one executor")
    return setups


def run_database(name: str, args: argparse.Namespace, executor: str, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="yooini-bench-pipeline-") as tmp:
        env = {
            **os.environ,
            "YOOINI_VAR_DIR": tmp,
            "DJANGO_SETTINGS_MODULE": "yooini.settings",
            "YOOINI_LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(ROOT),
        }
        drop = None
        if name == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        else:
            admin = args.postgres_url if name == "postgres" else args.mariadb_url
            env["DATABASE_URL"], drop = CREATORS[name](admin, "yooini_bench_pipeline")
        if executor == "celery":
            # A private queue: workers of anything else on this broker never take our runs.
            env["YOOINI_BROKER_URL"] = args.broker
            env["YOOINI_CELERY_QUEUE"] = f"yooini-bench-{uuid.uuid4().hex[:10]}"
        cli = [sys.executable, "-m", "yooini.cli"]
        if args.plain_intents:  # every process that publishes: the command and its workers
            cli = [sys.executable, str(ROOT / "bench" / "plain_intents.py")]
        started: list[subprocess.Popen] = []
        try:
            run_opts = ["--executor", executor, "--concurrency", str(args.concurrency)]
            if args.markets:
                run_opts += ["--markets", ",".join(MARKETS[: args.markets])]
            measured(cli + ["migrate", "-v", "0"], env)
            started = workers_start(cli, env, Path(tmp), workers, args.worker_concurrency)
            full = measured(
                cli + ["sample", "--products", str(args.products), "--quiet", *run_opts], env
            )
            full["stages"] = figures(env)
            partial = measured(
                cli
                + ["sample", "--reprice", str(args.reprice), "--mode", "partial", "--quiet"]
                + run_opts,
                env,
            )
            partial["stages"] = figures(env)
            report = {"full": full, "partial": partial, "met": met(full, partial)}
            if workers:
                report["workers"] = {"processes": workers, "pool": args.worker_concurrency}
            return report
        finally:
            workers_stop(started)
            if drop is not None:
                drop()


def workers_start(
    cli: list[str], env: dict[str, str], tmp: Path, count: int, concurrency: int
) -> list[subprocess.Popen]:
    """``count`` ``yooini worker`` processes, each ready (consuming) before this returns."""
    started = []
    for n in range(1, count + 1):
        log = tmp / f"worker{n}.log"
        command = cli + ["worker", "--concurrency", str(concurrency), "--hostname", f"bench{n}@%h"]
        with open(log, "w") as out:
            started.append(
                subprocess.Popen(
                    command,
                    env={**env, "YOOINI_LOG_LEVEL": "INFO"},
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    for n, worker in enumerate(started, start=1):
        log = tmp / f"worker{n}.log"
        until = time.monotonic() + 60
        while " ready." not in log.read_text():
            if worker.poll() is not None or time.monotonic() > until:
                workers_stop(started)
                raise RuntimeError(f"worker {n} did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
    return started


def workers_stop(started: list[subprocess.Popen]) -> None:
    """Warm shutdown (SIGTERM to each worker's process group), then SIGKILL if it lingers."""
    for worker in started:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in started:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def measured(command: list[str], env: dict[str, str]) -> dict:
    """Run a command; its wall time, exit code and peak RSS (this child alone)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0,):
        print(f"[pipeline] {' '.join(command[2:])} exited {code}", file=sys.stderr)
    return {"wall_s": round(wall, 2), "exit": code, "rss_mb": round(usage.ru_maxrss / 1024, 1)}


def figures(env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", FIGURES], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode:
        return {"error": out.stderr[-2000:]}
    data = json.loads(out.stdout)
    for row in data["stages"].values():
        seconds = row.get("seconds") or 0
        row["products_per_s"] = round(row.get("items", 0) / seconds, 1) if seconds else None
        row["seconds"] = round(seconds, 2)
    return data


def met(full: dict, partial: dict) -> dict:
    return {
        "full": full["exit"] == 0 and full["wall_s"] <= GOALS["full_s"],
        "partial": partial["exit"] == 0 and partial["wall_s"] <= GOALS["partial_s"],
        "rss": max(full["rss_mb"], partial["rss_mb"]) <= GOALS["rss_mb"],
    }


if __name__ == "__main__":
    sys.exit(main())
