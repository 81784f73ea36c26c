"""Workflow ``supplier_collect``: every enabled supplier's products into source data.

One partition per enabled supplier (read from the database when a batch starts; ``--param
suppliers=a,b`` runs a subset), one stage, ``collect`` (``suppliers.stages``). Each supplier
is its own resource, ``supplier:<name>``, declared with concurrency 1: two batches never read
one supplier at once (the stored cursor has one writer), while different suppliers run side
by side. The connector's ``capabilities.rate_limit`` is not turned into the resource's rate:
the engine's rate limits stage starts, one per supplier and batch, while the hint is about
requests within a read, which the connector paces itself.

Retries: ``TransientError`` (and any unexpected error) three attempts in all, exponential
from 30 s; bad settings or credentials, a source answering nonsense and a missing supplier
fail at once (``NOT_RETRIED``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrator import Retry, Workflow, resource
from suppliers.selectors import supplier_names_enabled
from suppliers.stages import NOT_RETRIED, collect, supplier_resource


def supplier_partitions(params: Mapping[str, Any]) -> list[str]:
    """The enabled suppliers (those named in ``params["suppliers"]`` when given), each with
    its resource declared before the batch writes the resource rows."""
    only = params.get("suppliers")
    if isinstance(only, str):
        only = [name.strip() for name in only.split(",") if name.strip()]
    names = supplier_names_enabled(only=only)
    for name in names:
        resource(supplier_resource(name), concurrency=1)
    return names


supplier_collect = Workflow(
    "supplier_collect",
    partitions=supplier_partitions,
    version="1",
    description="Read every enabled supplier into source data (one partition per supplier).",
)
supplier_collect.stage(
    collect,
    name="collect",
    resource=supplier_resource,
    retry=Retry(
        attempts=3, backoff="exponential", base_delay=30, max_delay=600, no_retry_on=NOT_RETRIED
    ),
)
