"""Writes to source data. Import from here; the modules behind it may move."""

from .derived import (
    source_data_ai_update,
    source_data_ai_update_many,
    source_data_market_update,
    source_data_market_update_many,
    source_data_normalized_update,
)
from .lineage import lineage_record
from .upsert import UpsertResult, source_data_upsert_many

__all__ = [
    "UpsertResult",
    "lineage_record",
    "source_data_ai_update",
    "source_data_ai_update_many",
    "source_data_market_update",
    "source_data_market_update_many",
    "source_data_normalized_update",
    "source_data_upsert_many",
]
