"""Grant the retention capability (crm.accounts.roles) to Admins."""

from django.db import migrations

from crm.accounts.roles import roles_seed


def grant(apps, schema_editor):
    roles_seed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_retention"),
        ("accounts", "0002_seed_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
