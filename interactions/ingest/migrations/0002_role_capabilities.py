"""Grant the integration capabilities (crm.accounts.roles) to Admin: sending events through
the bulk API and managing webhook sources."""

from django.db import migrations

from crm.accounts.roles import roles_seed


def grant(apps, schema_editor):
    roles_seed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0001_webhooks"),
        ("accounts", "0002_seed_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
