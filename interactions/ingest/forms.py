from django import forms

from interactions.ingest.models import WebhookSource


class WebhookSourceForm(forms.ModelForm[WebhookSource]):
    class Meta:
        model = WebhookSource
        fields = ["name", "slug", "kind"]
