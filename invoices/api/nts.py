"""국세청 즉시 전송 (docs/invoices.md#transmission):
`POST /b2b/tax-invoices/{taxInvoiceKey}/send-to-nts` — the SDK's
TaxInvoiceClient.send_to_nts_b2b_tax_invoice (query brn, taxInvoiceKeyType, test; no body) →
`{taxInvoice}`."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema

from invoices.api.common import KEY_PARAMETERS, ActionView
from invoices.services.transmission import send_to_nts


class SendToNtsView(ActionView):
    """POST /b2b/tax-invoices/{taxInvoiceKey}/send-to-nts"""

    @extend_schema(
        operation_id="send_to_nts_b2b_tax_invoice",
        summary="세금계산서 국세청 즉시 전송",
        description=(
            "발행이 완료된 세금계산서를 기다리지 않고 지금 국세청에 전송합니다. 발행된 "
            "세금계산서는 원래 발행 다음 영업일 NTS_SEND_HOUR시(한국 시간)에 자동으로 "
            "전송됩니다. 발행 완료(ISSUED)이면 전송을 시작해 전송 전(BEFORE_SENDING)이 되고, "
            "이어서 전송 대기(WAITING_SENDING) → 전송 중(SENDING) → 전송 완료"
            "(SENDING_COMPLETED) 또는 전송 실패(SENDING_FAILED, ntsResultCode·ntsResult)로 "
            "진행합니다(샌드박스는 단계마다 NTS_SANDBOX_STEP_SECONDS초). 이미 전송 전·전송 "
            "대기이면 다음 단계를 바로 진행합니다. 요청 본문은 없습니다. 응답은 "
            "`{taxInvoice}`. 오류: 그 밖의 상태이면 B2B_TAX_INVOICE_NOT_ISSUED_STATUS (400), "
            "없으면 B2B_TAX_INVOICE_NOT_FOUND (404), 전송 서비스 장애이면 "
            "B2B_EXTERNAL_SERVICE (502, 아무것도 바뀌지 않음)."
        ),
        request=None,
        parameters=KEY_PARAMETERS,
        responses={200: OpenApiResponse(description="`{taxInvoice: B2bTaxInvoice}`")},
    )
    def post(self, request, key: str):
        return super().post(request, key)

    def act(self, invoice, data, actor):
        return send_to_nts(invoice, actor=actor)


urlpatterns = [
    path("tax-invoices/<str:key>/send-to-nts", SendToNtsView.as_view()),
]
