from django.urls import path

from settlements import api_partner_settlements as ps_api

app_name = "settlements"

partner_settlement_urlpatterns = [
    path("partner-settlements", ps_api.PartnerSettlementsView.as_view()),
    path("partner-settlements/delete", ps_api.PartnerSettlementsDeleteView.as_view()),
    path("partner-settlements/complete-payout", ps_api.CompletePayoutView.as_view()),
]

urlpatterns = [*partner_settlement_urlpatterns]
