"""Grant the import capabilities (crm.accounts.roles): Admin and Manager import data;
Admin sees every import job."""

from django.db import migrations

from crm.accounts.roles import roles_seed


def grant(apps, schema_editor):
    roles_seed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_import_jobs"),
        ("accounts", "0002_seed_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
