"""The ``collect`` stage: supplier -> connector -> source data, for any workflow to use.

``collect(ctx, partition)`` reads every page of the supplier named ``partition`` and upserts
its products (``source_type`` "supplier_product", ``source_system`` = the supplier's name).
The engine keeps all read state, never the connector:

- mid-run: after each page the stage saves ``{"cursor": next_cursor, ...counts}`` as its
  checkpoint, so an attempt after a crash or a retry continues with the next page and never
  reads a finished page again (a page killed half-way is read again: upserts are idempotent);
- between runs: the cursor of the finished read is stored on the supplier
  (``supplier_cursor_save``) and the next run starts from it ("changed since" for
  incremental kinds; ``None``, read everything, for the others).

Errors: ``TransientError`` propagates, so the stage's retry policy reschedules it; the errors
in ``NOT_RETRIED`` (bad settings or credentials, a source that answers nonsense, a missing
supplier, an unreadable credentials key) fail the cell at once: list them in the stage's
``Retry(no_retry_on=NOT_RETRIED)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from orchestrator.core.items import SET_ASIDE_KEY, set_aside
from source_data.services import UpsertResult
from suppliers.connectors import (
    AuthError,
    ConfigError,
    Connector,
    ReadResult,
    SourceError,
    Unsupported,
)
from yooini.crypto import CredentialsError

from .selectors import SupplierNotFound, supplier_get
from .services import supplier_connector, supplier_cursor_save, supplier_records_upsert

NOT_RETRIED: tuple[type[BaseException], ...] = (
    ConfigError,
    AuthError,
    SourceError,
    Unsupported,
    SupplierNotFound,
    CredentialsError,
)
# Rejected rows kept in the result (and the checkpoint); the count covers all of them.
REJECTED_KEPT = 100
_EVENT_FIELDS = ("items", "created", "changed", "unchanged", "rejected_count")


def supplier_resource(partition: str) -> str:
    """The resource of one supplier's cells: each supplier has its own limits and breaker."""
    return f"supplier:{partition}"


@dataclass
class CollectProgress:
    """Where a collect run is and what it has done so far; its checkpoint, as JSON."""

    cursor: dict[str, Any] | None = None
    done: bool = False
    pages: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected_count: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def resume(cls, checkpoint: Any, *, start: dict[str, Any] | None) -> CollectProgress:
        """From the checkpoint of an earlier attempt, else a new run from ``start``."""
        if isinstance(checkpoint, dict) and "cursor" in checkpoint:
            known = {k: v for k, v in checkpoint.items() if k in cls.__dataclass_fields__}
            return cls(**known)
        return cls(cursor=start)

    @property
    def items(self) -> int:
        return self.created + self.changed + self.unchanged

    def add(self, page: ReadResult, stored: UpsertResult) -> None:
        problems = [r.to_dict() for r in page.rejected] + [
            {"row": r.source_id, "column": r.field, "value": None, "reason": r.reason}
            for r in stored.rejections
        ]
        self.rejected_count += len(problems)
        self.rejected.extend(problems[: max(REJECTED_KEPT - len(self.rejected), 0)])
        self.created += stored.created
        self.changed += stored.changed
        self.unchanged += stored.unchanged
        self.pages += 1
        self.cursor, self.done = page.next_cursor, page.done

    def result(self) -> dict[str, Any]:
        values = asdict(self)
        del values["done"]
        reasons = [f"row rejected: {r.get('reason')}" for r in self.rejected]
        values[SET_ASIDE_KEY] = set_aside(reasons, unexplained=self.rejected_count - len(reasons))
        return {"items": self.items, **values}


def collect(ctx, partition: str) -> dict[str, Any]:
    """Read the supplier ``partition`` to the end into source data; returns the counts
    (``items`` = records stored, ``created``/``changed``/``unchanged``), ``rejected_count``
    and the first ``REJECTED_KEPT`` rejected rows (row, column, value, reason), each once."""
    supplier = supplier_get(name=partition)
    if not supplier.enabled:
        return {"items": 0, "skipped": "supplier is disabled"}
    progress = CollectProgress.resume(ctx.checkpoint, start=supplier.cursor)
    if not progress.done:
        with supplier_connector(supplier) as connector:
            collect_read(ctx, supplier_name=supplier.name, connector=connector, progress=progress)
    supplier_cursor_save(supplier=supplier, cursor=progress.cursor)
    result = progress.result()
    ctx.emit(
        "supplier.collected",
        {"supplier": supplier.name, **{k: result[k] for k in _EVENT_FIELDS}},
    )
    return result


def collect_read(
    ctx,
    *,
    supplier_name: str,
    connector: Connector,
    progress: CollectProgress,
    on_page: Callable[[ReadResult], None] | None = None,
) -> None:
    """Read pages from ``progress.cursor`` to the end into source data, saving the progress as
    the stage's checkpoint after each page. ``on_page`` sees each page once its records are
    stored (in the same attempt; a page read again after a crash is seen again)."""
    while not progress.done:
        before = progress.cursor
        page = connector.read(before)
        stored = supplier_records_upsert(
            supplier_name=supplier_name, records=page.records, batch_id=ctx.batch_id
        )
        if on_page is not None:
            on_page(page)
        progress.add(page, stored)
        if not page.done and progress.cursor == before:
            raise SourceError(
                f"{connector.kind} connector returned the cursor it was given; "
                "the read would never end"
            )
        # Fenced: raises LeaseLost if another runner took this cell over meanwhile.
        ctx.save_checkpoint(asdict(progress))
