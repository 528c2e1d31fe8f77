"""The payout part of the Platform API: PortOne's (complete-payout and the reads) and our
extension (bulk-payout writes, the payout account)."""

from django.urls import path

from payouts.api import views

app_name = "payouts"

urlpatterns = [
    path("partner-settlements/complete-payout", views.CompletePayoutView.as_view()),
    path("bulk-payouts", views.BulkPayoutsView.as_view()),
    path("bulk-payouts/<str:id>", views.BulkPayoutView.as_view()),
    path("bulk-payouts/<str:id>/start", views.BulkPayoutStartView.as_view()),
    path("bulk-payouts/<str:id>/approve", views.BulkPayoutApproveView.as_view()),
    path("bulk-payouts/<str:id>/cancel", views.BulkPayoutCancelView.as_view()),
    path("bulk-payouts/<str:id>/stop", views.BulkPayoutStopView.as_view()),
    path("payouts", views.PayoutsView.as_view()),
    path("account-transfers", views.AccountTransfersView.as_view()),
    path("bulk-account-transfers", views.BulkAccountTransfersView.as_view()),
    path("payout-account", views.PayoutAccountView.as_view()),
    path("payout-account/deposits", views.PayoutAccountDepositsView.as_view()),
]
