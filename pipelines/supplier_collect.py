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


def names_param(params: Mapping[str, Any], key: str) -> list[str] | None:
    """A comma-separated ``--param key=a,b`` (or a list) as names; None when not given."""
    value = params.get(key)
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return list(value) if value else None


def enabled_supplier_partitions(only: list[str] | None = None) -> list[str]:
    """The enabled suppliers (those in ``only`` when given), each with its resource declared
    before the batch writes the resource rows."""
    names = supplier_names_enabled(only=only)
    for name in names:
        resource(supplier_resource(name), concurrency=1)
    return names


def supplier_partitions(params: Mapping[str, Any]) -> list[str]:
    """The enabled suppliers, or those named in ``params["suppliers"]``."""
    return enabled_supplier_partitions(names_param(params, "suppliers"))


supplier_collect = Workflow(
    "supplier_collect",
    partitions=supplier_partitions,
    version="1",
    description="Read every enabled supplier into source data (one partition per supplier).",
    params={"suppliers": "only these suppliers (name[,name])"},
)
supplier_collect.stage(
    collect,
    name="collect",
    resource=supplier_resource,
    retry=Retry(
        attempts=3, backoff="exponential", base_delay=30, max_delay=600, no_retry_on=NOT_RETRIED
    ),
)
