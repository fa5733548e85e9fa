"""Grant the history capabilities (crm.accounts.roles): Support logs contact and handles
complaints of every customer of its teams; Admin also sets service levels."""

from django.db import migrations

from crm.accounts.roles import roles_seed


def grant(apps, schema_editor):
    roles_seed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0001_history"),
        ("accounts", "0002_seed_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
