from django.apps import AppConfig


class ChurnConfig(AppConfig):
    name = "churn"
    verbose_name = "Churn risk and silence"
