from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        # Segments as a filter of every customer list (customers.list_filters): customers
        # may not import campaigns, so campaigns registers it.
        from campaigns.segments.list_filter import SEGMENT_LIST_FILTER
        from customers.list_filters import list_filter_register

        list_filter_register(SEGMENT_LIST_FILTER)
