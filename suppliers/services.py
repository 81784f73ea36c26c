"""Writes of suppliers: create and save, credentials in and out, the cursor, their products.

Credentials are a ``{name: value}`` object of strings (``token``, ``username``/``password``,
``api_key``, ``webhook_secret`` ...). They are encrypted before any write
(``yooini.crypto.credentials_encrypt``) and decrypted only to build a connector or check a webhook
signature; logs name the keys that were set, never a value.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError

from orchestrator.core.clock import get_clock
from source_data.models import SourceType
from source_data.records import SourceRecord
from source_data.services import UpsertResult, source_data_upsert_many
from suppliers.connectors import Connector, SupplierRecord, connector_for, kinds
from yooini.crypto import (
    credentials_checked,
    credentials_decrypt,
    credentials_encrypt,
    credentials_rotate,
)

from .models import Supplier, SupplierBrand

log = logging.getLogger("yooini.suppliers")

SOURCE_TYPE = SourceType.SUPPLIER_PRODUCT.value
_EDITABLE = ("name", "kind", "settings", "enabled")


def supplier_create(
    *,
    name: str,
    kind: str,
    settings: Mapping[str, Any] | None = None,
    credentials: Mapping[str, str] | None = None,
    enabled: bool = True,
) -> Supplier:
    """A new supplier. ``ValidationError`` for a bad or taken name, an unknown kind or
    credentials that are not an object of strings; ``CredentialsKeyMissing`` when there are
    credentials and no ``YOOINI_CREDENTIALS_KEY`` (nothing is written then)."""
    supplier = Supplier(name=name, kind=kind, settings=dict(settings or {}), enabled=enabled)
    # Encrypt first: a missing key must fail before a supplier without its credentials exists.
    supplier.credentials_encrypted = credentials_encrypt(credentials_checked(credentials or {}))
    supplier_save(supplier=supplier)
    if credentials:
        log.info("supplier %s created with credentials (keys: %s)", name, sorted(credentials))
    return supplier


_LATIN_IN_BRACKETS = re.compile(r"\(([^()]*[A-Za-z][^()]*)\)\s*$")
_NOT_LABEL = re.compile(r"[^\w.-]+")


def brand_label(brand: str) -> str:
    """A short, stable name for a brand unit: the Latin name okmall puts in brackets
    ("나이키(NIKE)" -> "NIKE"), else the brand itself, with spaces as "_" ("NEW_BALANCE");
    "all" for the whole supplier."""
    found = _LATIN_IN_BRACKETS.search(brand)
    text = (found.group(1) if found else brand).strip()
    return _NOT_LABEL.sub("_", text).strip("_")[:100] or "all"


def supplier_brand_add(
    *, supplier: Supplier | str, brand: str = "", label: str | None = None, enabled: bool = True
) -> SupplierBrand:
    """Collect ``brand`` of ``supplier`` as its own unit (idempotent by label; an existing
    unit gets the brand and enabled flag given). ``brand=""`` is the whole supplier."""
    if isinstance(supplier, str):
        supplier = Supplier.objects.get(name=supplier)
    unit, _ = SupplierBrand.objects.update_or_create(
        supplier=supplier,
        label=label or brand_label(brand),
        defaults={"brand": brand, "enabled": enabled},
        create_defaults={"brand": brand, "enabled": enabled, "created_at": get_clock().now()},
    )
    unit.full_clean()
    return unit


def supplier_save(*, supplier: Supplier) -> Supplier:
    """Validate and write a new supplier, or the editable fields (name, kind, settings,
    enabled) of an existing one. The credentials and the cursor have their own services, so
    a form loaded before a collect run cannot write an old cursor back."""
    if supplier.kind not in kinds():
        raise ValidationError(
            {"kind": f"unknown connector kind {supplier.kind!r}; known: {', '.join(kinds())}"}
        )
    now = get_clock().now()
    adding = supplier.pk is None
    if adding:
        supplier.created_at = now
    supplier.updated_at = now
    supplier.full_clean()
    if adding:
        supplier.save(force_insert=True)
    else:
        supplier.save(update_fields=[*_EDITABLE, "updated_at"])
    return supplier


def supplier_set_credentials(*, supplier: Supplier, credentials: Mapping[str, str]) -> None:
    """Replace the supplier's credentials (``{}`` removes them)."""
    token = credentials_encrypt(credentials_checked(credentials))
    now = get_clock().now()
    Supplier.objects.filter(pk=supplier.pk).update(credentials_encrypted=token, updated_at=now)
    supplier.credentials_encrypted, supplier.updated_at = token, now
    log.info("credentials of supplier %s set (keys: %s)", supplier.name, sorted(credentials))


def supplier_credentials(supplier: Supplier) -> dict[str, str]:
    """The supplier's credentials in clear (``{}`` when it has none, which needs no key).

    ``CredentialsKeyMissing`` without ``YOOINI_CREDENTIALS_KEY``, ``CredentialsUnreadable``
    when the key is not the one they were stored with.
    """
    return credentials_decrypt(supplier.credentials_encrypted)


def supplier_credentials_reencrypt() -> int:
    """Encrypt every supplier's credentials again with the first configured key (after a key
    was added in front of ``YOOINI_CREDENTIALS_KEY``); returns how many were rewritten."""
    rewritten = 0
    for pk, token in Supplier.objects.exclude(credentials_encrypted="").values_list(
        "pk", "credentials_encrypted"
    ):
        rewritten += Supplier.objects.filter(pk=pk, credentials_encrypted=token).update(
            credentials_encrypted=credentials_rotate(token)
        )
    return rewritten


def supplier_cursor_save(*, supplier: Supplier, cursor: dict[str, Any] | None) -> None:
    """Remember where the last finished read ended; the next run starts from there."""
    now = get_clock().now()
    Supplier.objects.filter(pk=supplier.pk).update(cursor=cursor, cursor_updated_at=now)
    supplier.cursor, supplier.cursor_updated_at = cursor, now


def supplier_cursor_reset(*, supplier: Supplier) -> None:
    """Forget the cursor: the next run reads everything again."""
    supplier_cursor_save(supplier=supplier, cursor=None)


def supplier_connector(
    supplier: Supplier, *, settings: Mapping[str, Any] | None = None
) -> Connector:
    """The supplier's connector, built with its decrypted credentials (close it after use);
    ``settings`` override some of the supplier's for this connector only (one brand of a
    mall). Raises ``ConfigError`` for bad settings and the ``yooini.crypto`` errors for unreadable
    credentials."""
    merged = {**supplier.settings, **(settings or {})}
    return connector_for(supplier.kind, merged, supplier_credentials(supplier))


def source_record_of(supplier_name: str, record: SupplierRecord) -> SourceRecord:
    """A supplier product as a source-data record: the normalized fields with the supplier's
    own row under ``raw``, so a price or stock change is a new version."""
    return SourceRecord(
        source_type=SOURCE_TYPE,
        source_system=supplier_name,
        source_id=record.source_id,
        raw=record.to_dict(),
    )


def supplier_records_upsert(
    *, supplier_name: str, records: Iterable[SupplierRecord], batch_id: str = ""
) -> UpsertResult:
    """Store supplier products in source data (a new version only for changed content)."""
    return source_data_upsert_many(
        (source_record_of(supplier_name, r) for r in records), batch_id=batch_id
    )
