"""Our extension of the B2B API around the e-mailed link of a reverse request
(docs/invoices.md#the-partner-page): `POST /b2b/tax-invoices/{taxInvoiceKey}/resend-request`
sends the request message again with a renewed link."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema

from invoices.api.common import KEY_PARAMETERS, ActionView
from invoices.services import notifications


class ResendRequestView(ActionView):
    """POST /b2b/tax-invoices/{taxInvoiceKey}/resend-request"""

    lock = True  # resend_request expects the caller to hold the row

    @extend_schema(
        operation_id="resend_b2b_tax_invoice_request",
        summary="역발행 요청 재발송",
        description=(
            "역발행 요청(REQUESTED) 상태의 세금계산서를 공급자에게 다시 알립니다 (확장 기능). "
            "링크를 새로 서명해 유효 기간을 다시 두 달(INVOICE_LINK_MAX_AGE_DAYS)로 늘리고, "
            "이전에 보낸 링크는 더 이상 쓸 수 없게 됩니다. 이메일과, 공급자 담당자에게 휴대전화 "
            "번호가 있으면 알림톡을 보냅니다. 이력에 RESEND_REQUEST가 남고 TaxInvoice.Manual "
            "웹훅이 발송됩니다. 응답은 `{taxInvoice}`. 오류: REQUESTED가 아니면 "
            "B2B_TAX_INVOICE_NOT_REQUESTED_STATUS (400), 없으면 B2B_TAX_INVOICE_NOT_FOUND (404)."
        ),
        request=None,
        parameters=KEY_PARAMETERS,
        # the same answer as the SDK's request (`{taxInvoice: B2bTaxInvoice}`)
        responses={200: {"$ref": "#/components/schemas/RequestB2bTaxInvoiceResponse"}},
    )
    def post(self, request, key: str):
        return super().post(request, key)

    def act(self, invoice, data, actor):
        return notifications.resend_request(invoice, actor=actor)


urlpatterns = [
    path("tax-invoices/<str:key>/resend-request", ResendRequestView.as_view()),
]
