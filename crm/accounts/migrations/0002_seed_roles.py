"""Seed the four roles (groups) with their default capabilities."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DEFAULT_ROLE_PERMISSIONS = {
    "Admin": [
        "customers.add_customer",
        "customers.view_customer",
        "customers.change_customer",
        "customers.reassign_customer",
        "customers.own_customer",
        "accounts.manage_teams",
        "accounts.manage_roles",
        "audit.view_auditentry",
    ],
    "Manager": ["customers.add_customer", "customers.own_customer", "audit.view_auditentry"],
    "Sales": ["customers.add_customer", "customers.own_customer"],
    "Support": [],
}


def seed_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in DEFAULT_ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


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
