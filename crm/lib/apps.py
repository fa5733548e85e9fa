from django.apps import AppConfig


class LibConfig(AppConfig):
    """Installed only so its template filters (money) load in templates."""

    name = "crm.lib"
    label = "crm_lib"
