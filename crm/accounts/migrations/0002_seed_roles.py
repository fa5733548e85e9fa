"""Seed the four roles (groups) with their default capabilities."""

from django.db import migrations

from crm.accounts.roles import DEFAULT_ROLE_PERMISSIONS, roles_seed


def seed_roles(apps, schema_editor):
    roles_seed(apps)


def unseed_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=DEFAULT_ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("customers", "0001_initial"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed_roles, unseed_roles)]
