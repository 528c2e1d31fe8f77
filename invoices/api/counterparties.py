"""Counterparties (거래처), their certificates (공동인증서) and the business-information lookup of
the B2B API (SDK 0.21.0 `b2b.counterparty.*`, `platform.company.get_b2b_business_infos`).
Thin: validate (invoices.inputs.counterparties) -> service -> output.

Paths (mounted at `/b2b/`): `counterparties/<brn>/certificate…` are longer than
`counterparties/<id>`, so they never meet; `companies/business-info`.
"""

from __future__ import annotations

from django.urls import path
from rest_framework.response import Response

from core.api.views import PortOneApiView, body_dict, is_for_test, paginate, request_body
from core.inputs import validated
from invoices.api.counterparty_outputs import (
    business_info_result_json,
    certificate_json,
    counterparty_json,
)
from invoices.inputs import counterparties as inputs
from invoices.services import business_info, counterparties


class CounterpartiesView(PortOneApiView):
    """GET (search) and POST (create) /b2b/counterparties"""

    def get(self, request):
        body = request_body(request)
        data = validated(inputs.CounterpartiesInput, body)
        qs = counterparties.counterparties_search(
            is_for_test=is_for_test(request, body),
            f=inputs.counterparty_filter(data.get("filter")),
        )
        items, page = paginate(qs, data.get("page"))
        return Response({"page": page, "items": [counterparty_json(cp) for cp in items]})

    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.CreateCounterpartyInput, body)
        cp = counterparties.counterparty_create(
            fields=inputs.counterparty_fields(data["counterparty"]),
            counterparty_id=data.get("counterpartyId"),
            options=inputs.create_options(data.get("options")),
            is_for_test=is_for_test(request, body),
        )
        return Response({"counterparty": counterparty_json(cp)})


class CounterpartyView(PortOneApiView):
    """GET, PATCH, DELETE /b2b/counterparties/<id>"""

    def get(self, request, id: str):
        cp = counterparties.counterparty_get(public_id=id, is_for_test=is_for_test(request))
        return Response(counterparty_json(cp))

    def patch(self, request, id: str):
        body = body_dict(request)
        data = validated(inputs.UpdateCounterpartyInput, body)
        test = is_for_test(request, body)
        counterparties.counterparty_update(
            public_id=id,
            fields=inputs.counterparty_fields(data["counterparty"]),
            options=inputs.create_options(data.get("options")),
            is_for_test=test,
        )
        cp = counterparties.counterparty_get(public_id=id, is_for_test=test)
        return Response({"counterparty": counterparty_json(cp)})

    def delete(self, request, id: str):
        request_body(request)  # `requestBody={}`: read (a malformed one is refused), unused
        counterparties.counterparty_delete(public_id=id, is_for_test=is_for_test(request))
        return Response({})


class CertificateView(PortOneApiView):
    """GET /b2b/counterparties/<brn>/certificate"""

    def get(self, request, brn: str):
        cp = counterparties.certificate_get(brn=brn, is_for_test=is_for_test(request))
        return Response(certificate_json(cp))


class CertificateRegistrationUrlView(PortOneApiView):
    """GET /b2b/counterparties/<brn>/certificate/registration-url"""

    def get(self, request, brn: str):
        url = counterparties.certificate_registration_url(brn=brn, is_for_test=is_for_test(request))
        return Response({"url": url})


class CertificateValidateView(PortOneApiView):
    """POST /b2b/counterparties/<brn>/certificate/validate (no body)"""

    def post(self, request, brn: str):
        valid = counterparties.certificate_validate(brn=brn, is_for_test=is_for_test(request))
        return Response({"isValid": valid})


class BusinessInfosView(PortOneApiView):
    """POST /b2b/companies/business-info {brnList}"""

    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.BusinessInfosInput, body)
        results = business_info.lookup_many(data["brnList"], is_for_test=is_for_test(request, body))
        return Response({"result": [business_info_result_json(r) for r in results]})


urlpatterns = [
    path("counterparties", CounterpartiesView.as_view()),
    path("counterparties/<str:brn>/certificate", CertificateView.as_view()),
    path(
        "counterparties/<str:brn>/certificate/registration-url",
        CertificateRegistrationUrlView.as_view(),
    ),
    path("counterparties/<str:brn>/certificate/validate", CertificateValidateView.as_view()),
    path("counterparties/<str:id>", CounterpartyView.as_view()),
    path("companies/business-info", BusinessInfosView.as_view()),
]
