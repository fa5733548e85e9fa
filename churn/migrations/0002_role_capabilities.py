"""Grant the scoring capabilities (crm.accounts.roles): Managers see models, runs and
backtests; Admins also train, promote, roll back and set thresholds."""

from django.db import migrations

from crm.accounts.roles import roles_seed


def grant(apps, schema_editor):
    roles_seed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("churn", "0001_scoring_and_alerts"),
        ("accounts", "0002_seed_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
