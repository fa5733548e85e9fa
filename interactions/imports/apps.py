from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "interactions.imports"
    label = "imports"
    verbose_name = "Data imports"
