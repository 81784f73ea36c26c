"""What every benchmark needs around its measurements: a fresh database of each kind, and a
child process that measures on it (Django reads DATABASE_URL once, when settings load)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
KNOWN_DATABASES = ("sqlite", "postgres", "mariadb")
DEFAULT_POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_MARIADB_ADMIN_URL = "mysql://root@127.0.0.1:3306/mysql"


def add_database_options(parser: argparse.ArgumentParser, *, default: str = "sqlite") -> None:
    """``--databases``, the admin URLs that create and drop the benchmark databases, and the
    hidden options of the child process."""
    parser.add_argument("--databases", default=default, help=",".join(KNOWN_DATABASES))
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL),
        help="admin URL used to create and drop the PostgreSQL benchmark database",
    )
    parser.add_argument(
        "--mariadb-url",
        default=os.environ.get("BENCH_MARIADB_URL", DEFAULT_MARIADB_ADMIN_URL),
        help="admin URL used to create and drop the MariaDB benchmark database",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)


def databases_chosen(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    names = [d.strip() for d in args.databases.split(",") if d.strip()]
    for name in names:
        if name not in KNOWN_DATABASES:
            parser.error(f"unknown database {name!r} (known: {', '.join(KNOWN_DATABASES)})")
    return names


def admin_url(args: argparse.Namespace, name: str) -> str | None:
    return {"postgres": args.postgres_url, "mariadb": args.mariadb_url}.get(name)


def child_main(args: argparse.Namespace, run: Callable[[argparse.Namespace], dict]) -> int:
    """The child's side: ``run(args)`` on the database DATABASE_URL names, its result (or the
    error) written as JSON to ``args.out`` for the parent."""
    result: dict = {}
    try:
        result = run(args)
    except Exception:  # noqa: BLE001 - the parent must hear back
        result["error"] = traceback.format_exc()
    Path(args.out).write_text(json.dumps(result, default=str))
    return 0 if "error" not in result else 1


def run_in_child(
    script: str, name: str, admin_url: str | None, child_args: list[str], *, prefix: str
) -> dict:
    """Run ``script --child --out FILE *child_args`` on a fresh ``name`` database (sqlite,
    postgres or mariadb; dropped afterwards) and return the JSON it wrote, or an error."""
    with tempfile.TemporaryDirectory(prefix="yooini-bench-") as tmp:
        env = {**os.environ, "YOOINI_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "yooini.settings"}
        env.setdefault("YOOINI_LOG_LEVEL", "ERROR")  # nothing lands in the checkout's ./var
        drop = None
        if name == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        else:
            try:
                env["DATABASE_URL"], drop = CREATORS[name](admin_url, prefix)
            except Exception as exc:  # noqa: BLE001 - report, and go on with other databases
                return {"error": f"cannot create the {name} database: {exc!r}"}
        out = Path(tmp) / "result.json"
        cmd = [
            sys.executable,
            str(Path(script).resolve()),
            "--child",
            "--out",
            str(out),
            *child_args,
        ]
        try:
            proc = subprocess.run(cmd, env=env, cwd=ROOT)
            if out.exists():
                return json.loads(out.read_text())
            return {"error": f"child exited with {proc.returncode} and no result"}
        finally:
            if drop is not None:
                drop()


def postgres_create(admin_url: str, prefix: str):
    """Create a fresh database next to ``admin_url``'s; return its URL and a function dropping it."""
    import psycopg

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return _with_database(admin_url, name), drop


def mariadb_create(admin_url: str, prefix: str):
    """As ``postgres_create``, for MariaDB (utf8mb4, as the settings ask for)."""
    import MySQLdb

    parts = urlsplit(admin_url)
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    def admin(sql: str) -> None:
        conn = MySQLdb.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=parts.username or "root",
            password=parts.password or "",
        )
        try:
            conn.cursor().execute(sql)
        finally:
            conn.close()

    admin(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    return _with_database(admin_url, name), lambda: admin(f"DROP DATABASE IF EXISTS `{name}`")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


CREATORS = {"postgres": postgres_create, "mariadb": mariadb_create}


class QueryCounter:
    """``connection.execute_wrapper`` counting the queries of the thread it is installed in."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)
