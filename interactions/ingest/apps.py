from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "interactions.ingest"
    label = "ingest"
    verbose_name = "Integrations"
