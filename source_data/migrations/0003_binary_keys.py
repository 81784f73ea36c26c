"""Compare the natural key (source_system, source_id) byte for byte on every database.

SQLite already does. MariaDB's default utf8mb4_unicode_ci would make ``SKU-1``, ``sku-1``
and ``sku-1 `` one key in the unique constraints: it gets ``utf8mb4_nopad_bin`` (binary, and
trailing spaces count). PostgreSQL compares equal strings equal under any deterministic
collation, but orders them by the database's locale, and locale comparisons are slow in
indexes: it gets ``"C"``. Reversible (back to the default collation). Note for later
migrations: an AlterField on these two columns rewrites them and drops this collation;
repeat it there.
"""

from django.db import migrations

TABLE = "yooini_source_data"
COLUMNS = (("source_system", 50), ("source_id", 200))


def binary_keys(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "mysql":
        changes = ", ".join(
            f"MODIFY {name} VARCHAR({size}) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL"
            for name, size in COLUMNS
        )
        schema_editor.execute(f"ALTER TABLE {TABLE} {changes}")
    elif vendor == "postgresql":
        changes = ", ".join(
            f'ALTER COLUMN {name} TYPE varchar({size}) COLLATE "C"' for name, size in COLUMNS
        )
        schema_editor.execute(f"ALTER TABLE {TABLE} {changes}")


def default_keys(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "mysql":
        changes = ", ".join(f"MODIFY {name} VARCHAR({size}) NOT NULL" for name, size in COLUMNS)
        schema_editor.execute(f"ALTER TABLE {TABLE} {changes}")
    elif vendor == "postgresql":
        changes = ", ".join(
            f'ALTER COLUMN {name} TYPE varchar({size}) COLLATE "default"' for name, size in COLUMNS
        )
        schema_editor.execute(f"ALTER TABLE {TABLE} {changes}")


class Migration(migrations.Migration):
    # MySQL cannot roll DDL back, and Django refuses DDL inside a transaction there.
    atomic = False
    dependencies = [("source_data", "0002_postgres_gin")]
    operations = [migrations.RunPython(binary_keys, default_keys, atomic=False)]
