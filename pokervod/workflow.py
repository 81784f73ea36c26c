"""Workflow ``pokervod_sync``: the seed's ``sync_all`` as durable stages on the engine.

One partition; its stages are the blocks, in the seed's phases::

    nas (A) ─┐
             ├─> sheet (D) ─> clips (C) ─> finish (search index, system.sync.completed)
    catalog (B) ┘

Modes: ``full`` (every stage; daily at 03:00), ``incremental`` (sheet, clips, finish; every
5 minutes: what the engine's ``POST /api/orchestrator/sync`` runs for ``incremental``) and
``nas`` (nas, clips, finish; hourly: a file that appears can make a waiting row's clip). A
skipped stage is transparent. Retries are the seed's table (``policies.RETRY_POLICIES``);
configuration errors are not retried. A block whose cell fails is ERROR alone; the stages
after it in the batch are BLOCKED and the batch ends COMPLETED_WITH_ERRORS, and the blocks
that depend on it are told by ``system.error`` (``isolation``).

Where each stage reads its configuration: the batch's params (``--param roots=/a,/b``,
``spreadsheet_id``, ``range``, ``key_column``, ``service_account_file``, ``sheets_base_url``,
``catalog_file``, ``sheet_file`` for an offline import), else the settings
``POKERVOD_NAS_ROOTS``, ``POKERVOD_SHEETS`` (a dict of the same names) and
``POKERVOD_CATALOG_FILE``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from orchestrator import Retry, ScheduleSpec, Workflow
from orchestrator.core.workflow import SINGLE_PARTITION

from . import events
from .nas.scan import scan_nas
from .policies import RETRY_POLICIES
from .sheets.auth import ServiceAccount
from .sheets.client import SheetsClient
from .sheets.sync import SheetSource, SheetsSyncError, sync_sheet


def archive_partitions(params: dict[str, Any]) -> list[str]:
    """The archive, one partition, when anything of it is configured (a NAS root, the sheet,
    the catalog file: in settings or in the run's params); none otherwise, so an installation
    that keeps no video archive never starts a batch from these schedules ("nothing to run")."""
    configured = (
        params.get("roots")
        or params.get("sheet_file")
        or params.get("catalog_file")
        or getattr(settings, "POKERVOD_NAS_ROOTS", None)
        or getattr(settings, "POKERVOD_CATALOG_FILE", None)
        or sheet_config(params).get("spreadsheet_id")
    )
    return [SINGLE_PARTITION] if configured else []


pokervod_sync = Workflow(
    "pokervod_sync",
    partitions=archive_partitions,
    modes={
        "full": ["nas", "catalog", "sheet", "clips", "finish"],
        "incremental": ["sheet", "clips", "finish"],
        "nas": ["nas", "clips", "finish"],
    },
    version="1",
    description="PokerVOD: NAS and catalog, then the editors' sheet, then hand clips.",
    schedules=[
        ScheduleSpec(name="pokervod-full", cron="0 3 * * *", mode="full"),
        ScheduleSpec(name="pokervod-sheet", every_seconds=300, mode="incremental"),
        ScheduleSpec(name="pokervod-nas", every_seconds=3600, mode="nas"),
    ],
)


def sheet_config(params: dict[str, Any]) -> dict[str, Any]:
    configured = dict(getattr(settings, "POKERVOD_SHEETS", None) or {})
    names = ("spreadsheet_id", "range", "key_column", "service_account_file", "sheets_base_url")
    configured.update({k: params[k] for k in names if params.get(k)})
    return configured


@pokervod_sync.stage(retry=RETRY_POLICIES["A"])
def nas(ctx, partition):
    roots = ctx.params.get("roots")
    result = scan_nas(
        roots.split(",") if roots else None,
        full=str(ctx.params.get("rescan", "")).lower() in ("1", "true", "yes"),
        correlation_id=ctx.correlation_id,
    )
    for root, error in result.root_errors.items():
        ctx.item_failed(f"root unreadable: {error}")
        ctx.log.warning("NAS root %s: %s", root, error)
    ctx.emit(events.NAS_SCAN_COMPLETED, result.as_dict())
    return {"items": result.seen, **result.as_dict()}


@pokervod_sync.stage(retry=RETRY_POLICIES["B"])
def catalog(ctx, partition):
    from .flows import catalog_import
    from .models import Episode

    path = ctx.params.get("catalog_file") or getattr(settings, "POKERVOD_CATALOG_FILE", None)
    named = catalog_import(path, correlation_id=ctx.correlation_id) if path else 0
    total = Episode.objects.count()
    ctx.emit("catalog.updated", {"file": str(path or ""), "named": named, "episodes": total})
    return {"items": named, "episodes": total}


@pokervod_sync.stage(
    after=[nas, catalog],
    retry=RETRY_POLICIES["D"],
)
def sheet(ctx, partition):
    config = sheet_config(ctx.params)
    if not config.get("spreadsheet_id"):
        raise SheetsSyncError("spreadsheet_id: not configured (POKERVOD_SHEETS or --param)")
    source = SheetSource(
        config["spreadsheet_id"],
        config.get("range") or "Hands!A1:Z",
        config.get("key_column") or "hand_id",
    )
    offline = ctx.params.get("sheet_file")
    if offline:
        result = sync_sheet(source, from_file=offline, correlation_id=ctx.correlation_id)
    else:
        if not config.get("service_account_file"):
            raise SheetsSyncError("service_account_file: not configured (POKERVOD_SHEETS)")
        account = ServiceAccount.from_file(config["service_account_file"])
        base = config.get("sheets_base_url") or "https://sheets.googleapis.com"
        # One attempt per call: the engine's retry (the seed's 5 from 10 s) is the backoff
        # that survives a restart; the client's own covers only a short 429 burst.
        with SheetsClient(account, base_url=base, attempts=2, base_delay=1.0) as client:
            result = sync_sheet(source, client, correlation_id=ctx.correlation_id)
    for reason, count in result.failures.items():
        ctx.item_failed(reason, count)
    if result.origin == "fallback":
        ctx.log.warning(
            "sheet %s read from its last good export: %s", source.name, result.fallback_reason
        )
    items = result.added + result.changed + result.unchanged
    return {"items": items, **result.as_dict()}


@pokervod_sync.stage(after=sheet, retry=RETRY_POLICIES["C"])
def clips(ctx, partition):
    from .flows import clips_from_rows

    run = clips_from_rows(correlation_id=ctx.correlation_id, on_failure=ctx.item_failed)
    return {
        "items": run.items,
        "created": run.created,
        "changed": run.changed,
        "unchanged": run.unchanged,
        "unmatched_episodes": run.unmatched_episodes,
    }


@pokervod_sync.stage(after=clips, retry=Retry(attempts=3, base_delay=1))
def finish(ctx, partition):
    from .search import search_reindex

    indexed = search_reindex()
    ctx.emit("system.sync.completed", {"mode": ctx.mode, "batch": ctx.batch_id, "search": indexed})
    return {"items": 1, "search": indexed}
