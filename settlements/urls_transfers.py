from django.urls import path

from settlements import api_transfers as api

urlpatterns = [
    path("transfers/order", api.OrderTransferView.as_view()),
    path("transfers/order-cancel", api.OrderCancelTransferView.as_view()),
    path("transfers/manual", api.ManualTransferView.as_view()),
    path("transfers/<str:id>", api.TransferView.as_view()),
]
