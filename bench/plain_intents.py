"""``yooini`` with the record before each market call committed plainly, not synced to disk:
the baseline ``bench/pipeline.py --plain-intents`` measures the durable intents against
(docs/decisions/0009-durable-record-before-side-effects.md). For benchmarks only: it gives up
the promise that a power cut cannot lose that record.

    python bench/plain_intents.py sample --products 1000 ...
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

# The project, not this folder (whose benchmark scripts would shadow its packages).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from django.db import transaction  # noqa: E402

import yooini.durability  # noqa: E402


@contextlib.contextmanager
def _plain_atomic(using=None):
    with transaction.atomic(using=using, durable=True):
        yield


# Before any module binds the name: the publish records import it from here.
yooini.durability.durable_atomic = _plain_atomic

if __name__ == "__main__":
    from yooini.cli import main

    sys.argv[0] = "yooini"
    sys.exit(main())
