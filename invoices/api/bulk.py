"""Bulk tax invoices in the B2B API:

* `GET /b2b/bulk-tax-invoices/{id}` — the SDK's get_b2b_bulk_tax_invoice: B2bBulkTaxInvoice with
  its counts and amounts by status (404 B2B_BULK_TAX_INVOICE_NOT_FOUND).
* `POST /b2b/bulk-tax-invoices` — ours: reverse-issuance requests for every eligible payout of a
  bulk payout, a list of payouts or a payout filter (docs/invoices.md#bulk-requests-from-payouts).
  `Idempotency-Key` makes it happen once.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from core.api.views import PortOneApiView, body_dict, is_for_test
from core.inputs import validated
from invoices.api.outputs import bulk_tax_invoice_json
from invoices.inputs import bulk as inputs
from invoices.models import BulkTaxInvoice
from invoices.selectors.bulk import bulk_get, bulk_stats
from invoices.services import bulk as service
from invoices.services.transitions import actor_of
from payouts.api.schema import SchemaComponent

TEST_PARAMETER = OpenApiParameter(
    "test", bool, OpenApiParameter.QUERY, required=False, description="테스트 모드 여부"
)


def _answer(bulk: BulkTaxInvoice) -> dict:
    return bulk_tax_invoice_json(bulk, bulk_stats(bulk))


_REF = "#/components/schemas/"


class CreateB2bBulkTaxInvoice(SchemaComponent):
    schema = {
        "type": "object",
        "description": "bulkPayoutId, payoutIds, payoutFilter 중 정확히 하나",
        "properties": {
            "bulkPayoutId": {"type": "string", "description": "이 일괄 지급의 지급 전부"},
            "payoutIds": {
                "type": "array",
                "items": {"type": "string"},
                "description": "지급 아이디",
            },
            "payoutFilter": {"$ref": _REF + "PlatformPayoutFilterInput"},
            "name": {"type": "string", "description": "일괄 세금계산서 이름"},
            "isForTest": {"type": "boolean"},
        },
    }


CREATE_ANSWER = {
    "type": "object",
    "required": ["bulkTaxInvoice"],
    "properties": {
        "bulkTaxInvoice": {"$ref": _REF + "B2bBulkTaxInvoice"},
        "skippedPayouts": {
            "type": "object",
            "additionalProperties": {"type": "integer"},
            "description": "건너뛴 지급 수, 사유별",
        },
    },
}


class BulkTaxInvoicesView(PortOneApiView):
    """POST /b2b/bulk-tax-invoices (ours)."""

    @extend_schema(
        operation_id="create_b2b_bulk_tax_invoice",
        summary="지급 기반 일괄 역발행 요청",
        description=(
            "일괄 지급(bulkPayoutId), 지급 아이디 목록(payoutIds) 또는 지급 필터(payoutFilter) "
            "중 하나로 고른 지급마다 역발행 세금계산서를 요청합니다 (포트원 콘솔 기능을 "
            "API로 제공하는 확장). 대상은 과세유형이 일반과세·간이과세(세금계산서 발행)인 "
            "사업자 파트너의, 부가세가 있고 아직 세금계산서가 없는 지급이며 공급자는 "
            "파트너의 국세청 연동 거래처, 공급받는자는 자사입니다. 나머지는 건너뛰고 사유별 "
            "건수를 `skippedPayouts`에 답합니다. 대상이 없으면 400 INVALID_REQUEST. 많으면 "
            "백그라운드에서 만들며 그동안 상태는 REQUEST_PENDING, 다 요청하면 COMPLETED, "
            "실패하면 FAILED(아무것도 만들지 않음)입니다. "
            "`Idempotency-Key`로 한 번만 요청할 수 있습니다."
        ),
        parameters=[TEST_PARAMETER],
        request=CreateB2bBulkTaxInvoice,
        responses={200: CREATE_ANSWER},
    )
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.CreateBulkTaxInvoiceInput, body)
        bulk = service.bulk_from_payouts(
            **inputs.selection_of(data),
            is_for_test=is_for_test(request, body),
            actor=actor_of(request.user),
            name=data.get("name") or None,
        )
        answer = {"bulkTaxInvoice": _answer(bulk)}
        skipped = (bulk.selection or {}).get("skipped") or {}
        if skipped:
            answer["skippedPayouts"] = skipped
        return Response(answer)


class BulkTaxInvoiceView(PortOneApiView):
    """GET /b2b/bulk-tax-invoices/{id} (SDK get_b2b_bulk_tax_invoice)."""

    @extend_schema(
        summary="일괄 세금계산서 조회",
        description="일괄 세금계산서 하나를 상태별 건수·합계금액(stats)과 함께 조회합니다. 없으면 "
        "404 B2B_BULK_TAX_INVOICE_NOT_FOUND.",
        parameters=[TEST_PARAMETER],
    )
    def get(self, request, id: str):
        return Response(_answer(bulk_get(id, is_for_test(request))))


urlpatterns = [
    path("bulk-tax-invoices", BulkTaxInvoicesView.as_view(), name="bulk-tax-invoices"),
    path("bulk-tax-invoices/<str:id>", BulkTaxInvoiceView.as_view(), name="bulk-tax-invoice"),
]
