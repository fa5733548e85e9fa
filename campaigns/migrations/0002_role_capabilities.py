"""Grant the campaign and consent capabilities (crm.accounts.roles): Managers and Admins
build and launch campaigns; Sales and Support see segments, record consent and redeem
coupons; only Admins change the frequency cap and quiet hours."""

from django.db import migrations

from crm.accounts.roles import roles_seed


def grant(apps, schema_editor):
    roles_seed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("customers", "0006_consent_and_time_zone"),
        ("accounts", "0002_seed_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
