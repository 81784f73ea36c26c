"""``yooini pokervod sample``: generate an archive, serve its sheet on a local Sheets API,
run a full ``pokervod_sync``, edit one hand in the sheet and run the sheet mode, reporting
times and the block statuses as it goes."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from orchestrator.executors import executor_create
from orchestrator.loading import workflows_load
from orchestrator.models import StageRun
from orchestrator.runner import Runner
from orchestrator.services.batches import batch_start

from .models import HandClip, VideoFile
from .sample import Sample, build
from .sheets.testing import SheetsContractServer
from .status import block_statuses, overall_status

SHEET = "pokervod-sample"


def _run(mode: str, params: dict) -> tuple[str, str, float]:
    started = time.perf_counter()
    batch = batch_start("pokervod_sync", mode=mode, params=params).batch
    engine = executor_create("inline", concurrency=1)
    try:
        done = Runner(engine).run(batch.id)
    finally:
        engine.close()
    return done.id, done.status, time.perf_counter() - started


def _cells(batch_id: str) -> Iterator[str]:
    for cell in StageRun.objects.filter(batch=batch_id).order_by("id"):
        result = {k: v for k, v in (cell.result or {}).items() if isinstance(v, int | str)}
        shown = ", ".join(f"{k}={v}" for k, v in result.items() if k not in ("source", "export"))
        if cell.error:
            shown = f"{shown}  {cell.error.splitlines()[-1][:200]}".strip()
        yield f"  {cell.stage:<8} {cell.status:<8} {shown}"


@contextmanager
def archive_served(
    base: Path, *, files: int, hands: int, sheet: str = SHEET
) -> Iterator[tuple[Sample, SheetsContractServer, dict]]:
    """A generated archive under ``base``, its sheet served by a local Sheets API, and the
    params a ``pokervod_sync`` run reads them with."""
    sample = build(base, files=files, hands=hands)
    with SheetsContractServer() as server:
        key = server.service_account()
        key_file = base / "service-account.json"
        key_file.write_text(json.dumps(key))
        server.spreadsheet(sheet, {"Hands": sample.sheet_rows}, share_with=[key["client_email"]])
        yield (
            sample,
            server,
            {
                "roots": str(sample.nas_root),
                "catalog_file": str(sample.catalog_file),
                "spreadsheet_id": sheet,
                "range": "Hands!A1:G",
                "service_account_file": str(key_file),
                "sheets_base_url": server.base_url,
            },
        )


def run_sample(base: Path | None, *, files: int, hands: int) -> Iterator[str]:
    workflows_load()
    base = base or Path(settings.VAR_DIR) / "pokervod-sample"
    if base.exists():
        shutil.rmtree(base)
    started = time.perf_counter()
    with archive_served(base, files=files, hands=hands) as (sample, server, params):
        yield (
            f"generated {len(sample.files)} files under {sample.nas_root} "
            f"in {time.perf_counter() - started:.1f}s"
        )
        yield f"sheet of {hands} hands served by a local Sheets API at {server.base_url}"
        batch, status, seconds = _run("full", params)
        yield f"full sync {batch}: {status} in {seconds:.2f}s"
        yield from _cells(batch)
        server.edit(SHEET, "Hands", 1, 6, "bluff, edited in the sheet")
        batch, status, seconds = _run("incremental", params)
        yield f"one edited row, sheet sync {batch}: {status} in {seconds:.2f}s"
        yield from _cells(batch)
    yield (
        f"{VideoFile.objects.filter(present=True).count()} files, "
        f"{HandClip.objects.count()} clips; block status:"
    )
    blocks = block_statuses()
    for block in blocks.values():
        yield f"  {block.block_id} {block.stage:<8} {block.status:<10} {block.items_processed}/{block.items_total}"
    yield f"  overall: {overall_status(blocks)}"
