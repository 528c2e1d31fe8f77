from django.urls import path

from partners.api import views as api

app_name = "partners"

urlpatterns = [
    path("partners", api.PartnersView.as_view()),
    path("partners/batch", api.PartnersBatchView.as_view()),
    path("partners/schedule", api.PartnersScheduleView.as_view()),
    path("partners/counterparty-connect", api.BulkCounterpartyView.as_view(connect=True)),
    path("partners/counterparty-disconnect", api.BulkCounterpartyView.as_view(connect=False)),
    path("partners/counterparty-connect/<str:id>", api.CounterpartyConnectView.as_view()),
    path("partners/counterparty-disconnect/<str:id>", api.CounterpartyDisconnectView.as_view()),
    path("partners/<str:id>", api.PartnerView.as_view()),
    path("partners/<str:id>/archive", api.PartnerArchiveView.as_view()),
    path("partners/<str:id>/recover", api.PartnerRecoverView.as_view()),
    path("partners/<str:id>/schedule", api.PartnerScheduleView.as_view()),
    path("partner-filter-options", api.PartnerFilterOptionsView.as_view()),
    path("companies/<str:brn>/state", api.CompanyStateView.as_view()),
    path("bank-accounts/<str:bank>/<str:account_number>/holder", api.AccountHolderView.as_view()),
]
