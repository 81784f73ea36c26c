"""On SQLite, the record written in ``durable_atomic`` is synced to disk before the side
effect that follows it, and a plain commit is not (``synchronous=NORMAL``).

A power cut cannot be staged in a test; what it would lose can be: a commit whose WAL frames
were written but never synced. ``strace`` records, in order, every ``fdatasync``/``fsync`` of
a real process, with the file each one syncs, and the marker the process writes where its
external call would be: the WAL must be synced between the INSERT and the marker.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import os
    import django
    django.setup()
    from django.db import connection, transaction
    from yooini.durability import durable_atomic

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS call_record (id INTEGER PRIMARY KEY)")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO call_record DEFAULT VALUES")  # before any marker
    os.write(2, b"DURABLE-START\\n")
    with durable_atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO call_record DEFAULT VALUES")
    os.write(2, b"THE-CALL\\n")  # where the market call would be made
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO call_record DEFAULT VALUES")
    os.write(2, b"PLAIN-DONE\\n")
    """
)


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (.ci/run installs it)")
def test_the_wal_is_synced_before_the_call_and_a_plain_commit_is_not(tmp_path):
    database = tmp_path / "durable.sqlite3"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "YOOINI_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "yooini.settings",
    }
    trace = tmp_path / "trace"
    subprocess.run(
        ["strace", "-f", "-y", "-e", "trace=fsync,fdatasync,write", "-o", str(trace)]
        + [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=tmp_path,
        check=True,
        timeout=120,
        capture_output=True,
    )
    lines = trace.read_text().splitlines()

    def at(marker: str) -> int:
        return next(i for i, line in enumerate(lines) if f'"{marker}\\n"' in line)

    wal_syncs = [
        i
        for i, line in enumerate(lines)
        if re.search(rf"f(data)?sync\(\d+<{database}-wal>\)", line)
    ]
    start, call, plain = at("DURABLE-START"), at("THE-CALL"), at("PLAIN-DONE")
    assert any(start < i < call for i in wal_syncs), "the durable commit did not sync the WAL"
    assert not any(call < i < plain for i in wal_syncs), "a plain commit synced: test is blind"
