from django.urls import path

from payouts.api import views

app_name = "payouts"

urlpatterns = [
    path("partner-settlements/complete-payout", views.CompletePayoutView.as_view()),
]
