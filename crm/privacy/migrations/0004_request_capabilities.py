"""Grant the data subject request capabilities (crm.accounts.roles) to Managers and
Admins; either may approve the other's erasure."""

from django.db import migrations

from crm.accounts.roles import roles_seed


def grant(apps, schema_editor):
    roles_seed(apps)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_data_subject_requests")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
