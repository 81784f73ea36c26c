"""Source data: every record that enters the system, versioned by content, with lineage.

Writes go through ``source_data.services`` (``source_data_upsert_many``, ``lineage_record``,
``source_data_market_update``); reads through ``source_data.selectors``.
"""
