"""Incoming webhooks (mounted under /webhooks/): authenticated by their signature, not by an API
secret."""

from django.urls import path

from settlements.api.webhooks import PortOneWebhookView

urlpatterns = [
    path("portone", PortOneWebhookView.as_view(), name="portone_webhook"),
]
