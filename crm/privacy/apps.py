from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "crm.privacy"
    label = "privacy"
    verbose_name = "Privacy and GDPR"
