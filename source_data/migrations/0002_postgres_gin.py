"""PostgreSQL only: GIN indexes on the JSON columns, and room on each page for updates.

GIN: ``jsonb_ops`` (the default operator class) serves ``has_key`` (``?``) and containment
(``@>``). Partial on ``is_current``: every market query reads current versions only, and
history rows should not make the index bigger. ``raw`` gets none: it is the archive of what
arrived, queried through ``normalized``; a GIN on it would slow every load for no query.

fillfactor 70: every reload marks each unchanged row as seen (``last_seen_at``). With full
pages each such UPDATE writes a new row version elsewhere and an entry in every index; with
free room on the page it is a HOT update (no index touched, the old version pruned in place),
about twice as fast and without the table growing by a copy per reload.

RunPython, not RunSQL, so the check on the vendor happens when the migration runs;
reversible.
"""

from django.db import migrations

TABLE = "yooini_source_data"
COLUMNS = ("normalized", "market_data", "ai_data")


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def forwards(apps, schema_editor):
    if not _postgres(schema_editor):
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = 70)")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS source_data_{column}_gin ON {TABLE} "
            f"USING gin ({column}) WHERE is_current"
        )


def backwards(apps, schema_editor):
    if not _postgres(schema_editor):
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS source_data_{column}_gin")
    schema_editor.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("source_data", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
