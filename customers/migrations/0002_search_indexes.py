"""PostgreSQL search indexes: trigram on names (fragment search), pattern ops on emails and
phones (prefix search). SQLite, the embedded demo database, does without them."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS customer_name_trgm ON customers_customer "
    "USING gin (UPPER(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS customer_ref_upper ON customers_customer (external_ref)",
    "CREATE INDEX IF NOT EXISTS customeremail_prefix ON customers_customeremail "
    "(email varchar_pattern_ops) WHERE is_active",
    "CREATE INDEX IF NOT EXISTS customerphone_prefix ON customers_customerphone "
    "(phone varchar_pattern_ops) WHERE is_active",
]
BACKWARD = [
    "DROP INDEX IF EXISTS customer_name_trgm",
    "DROP INDEX IF EXISTS customer_ref_upper",
    "DROP INDEX IF EXISTS customeremail_prefix",
    "DROP INDEX IF EXISTS customerphone_prefix",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
