from django.urls import path

from settlements.api import partner_settlements, summaries, transfers

app_name = "settlements"

urlpatterns = [
    path("partner-settlements", partner_settlements.PartnerSettlementsView.as_view()),
    path("partner-settlements/delete", partner_settlements.PartnerSettlementsDeleteView.as_view()),
    path("transfer-summaries", summaries.TransferSummariesView.as_view()),
    path("transfer-summaries/sheet-file", summaries.TransferSheetView.as_view()),
    path("transfers/order", transfers.OrderTransferView.as_view()),
    path("transfers/order-cancel", transfers.OrderCancelTransferView.as_view()),
    path("transfers/manual", transfers.ManualTransferView.as_view()),
    path("transfers/<str:id>", transfers.TransferView.as_view()),
]
