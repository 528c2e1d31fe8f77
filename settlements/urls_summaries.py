from django.urls import path

from settlements import api_summaries as api

urlpatterns = [
    path("transfer-summaries", api.TransferSummariesView.as_view()),
    path("transfer-summaries/sheet-file", api.TransferSheetView.as_view()),
]
