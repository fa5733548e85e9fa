"""The default capabilities of each role, and the idempotent function that seeds them.

Model permissions here are *capabilities* (may create customers, may own them, may work
on every visible customer's history). Which customers a user reaches comes from object
permissions held by the user (owner) or a team's groups; a global ``view_customer`` or
``change_customer`` means "every customer of every team", which only Admin has.

Data migrations call ``roles_seed`` with their historical ``apps``; tests that flush the
database call it with the live registry. It only adds: admins' later edits stay.
"""

from typing import Any

from django.apps import apps as live_apps
from django.contrib.auth.management import create_permissions

DEFAULT_ROLE_PERMISSIONS: dict[str, list[str]] = {
    "Admin": [
        "customers.add_customer",
        "customers.view_customer",
        "customers.change_customer",
        "customers.reassign_customer",
        "customers.own_customer",
        "customers.export_customer",
        "customers.merge_customer",
        "interactions.work_on_visible",
        "interactions.manage_service_levels",
        "ingest.ingest_events",
        "ingest.manage_integrations",
        "imports.run_import",
        "imports.view_importjob",
        "accounts.manage_teams",
        "accounts.manage_roles",
        "audit.view_auditentry",
        "audit.view_accesslogentry",
        "churn.view_scoring",
        "churn.manage_scoring",
        "customers.view_consent",
        "customers.change_consent",
        "campaigns.view_segment",
        "campaigns.add_segment",
        "campaigns.change_segment",
        "campaigns.delete_segment",
        "campaigns.view_campaign",
        "campaigns.add_campaign",
        "campaigns.change_campaign",
        "campaigns.launch_campaign",
        "campaigns.view_campaign_results",
        "campaigns.view_messagetemplate",
        "campaigns.add_messagetemplate",
        "campaigns.change_messagetemplate",
        "campaigns.view_coupon",
        "campaigns.change_coupon",
        "campaigns.change_campaignsettings",
        "privacy.manage_retention",
        "privacy.view_datasubjectrequest",
        "privacy.add_datasubjectrequest",
        "privacy.change_datasubjectrequest",
        "privacy.approve_erasure",
    ],
    "Manager": [
        "customers.add_customer",
        "customers.own_customer",
        "customers.export_customer",
        "customers.merge_customer",
        "imports.run_import",
        "audit.view_auditentry",
        "audit.view_accesslogentry",
        "churn.view_scoring",
        "customers.view_consent",
        "customers.change_consent",
        "campaigns.view_segment",
        "campaigns.add_segment",
        "campaigns.change_segment",
        "campaigns.delete_segment",
        "campaigns.view_campaign",
        "campaigns.add_campaign",
        "campaigns.change_campaign",
        "campaigns.launch_campaign",
        "campaigns.view_campaign_results",
        "campaigns.view_messagetemplate",
        "campaigns.add_messagetemplate",
        "campaigns.change_messagetemplate",
        "campaigns.view_coupon",
        "campaigns.change_coupon",
        "privacy.view_datasubjectrequest",
        "privacy.add_datasubjectrequest",
        "privacy.change_datasubjectrequest",
        "privacy.approve_erasure",
    ],
    "Sales": [
        "customers.add_customer",
        "customers.own_customer",
        "customers.export_customer",
        "customers.view_consent",
        "customers.change_consent",
        "campaigns.view_segment",
        "campaigns.add_segment",
        "campaigns.view_campaign",
        "campaigns.view_coupon",
        "campaigns.change_coupon",
    ],
    "Support": [
        "interactions.work_on_visible",
        "customers.view_consent",
        "customers.change_consent",
        "campaigns.view_segment",
        "campaigns.view_coupon",
    ],
}


def roles_seed(apps: Any = live_apps) -> None:
    """Create the four role groups and grant their default permissions that exist yet."""
    for app_config in apps.get_app_configs():
        # Permissions are normally created after all migrations ran; create them now.
        had_models = getattr(app_config, "models_module", None)
        app_config.models_module = had_models or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = had_models
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, dotted_names in DEFAULT_ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        for dotted in dotted_names:
            app_label, codename = dotted.split(".")
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)
