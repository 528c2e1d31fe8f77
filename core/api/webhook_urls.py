"""Outgoing webhooks' endpoints in the API (ours; core.api.webhook_endpoints)."""

from django.urls import path

from core.api import webhook_endpoints as views

app_name = "outbound_webhooks"

urlpatterns = [
    path("webhook-endpoints", views.WebhookEndpointsView.as_view()),
    path("webhook-endpoints/<str:id>", views.WebhookEndpointView.as_view()),
    path("webhook-endpoints/<str:id>/rotate-secret", views.WebhookEndpointRotateView.as_view()),
    path("webhook-endpoints/<str:id>/ping", views.WebhookEndpointPingView.as_view()),
    path("webhook-endpoints/<str:id>/messages", views.WebhookEndpointMessagesView.as_view()),
    path("webhook-messages/<str:id>/resend", views.WebhookMessageResendView.as_view()),
]
