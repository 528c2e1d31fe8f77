"""What the tax-invoice endpoints share: the `{taxInvoiceKey}` query parameters (brn,
taxInvoiceKeyType, test), finding the invoice they address, the `{taxInvoice}` answer, and the
view of an action on one invoice (docs/invoices.md#addressing)."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from core.api.views import PortOneApiView, body_dict, is_for_test
from core.inputs import validated
from invoices.api.outputs import tax_invoice_json
from invoices.inputs import tax_invoices as inputs
from invoices.services.addressing import get_invoice
from invoices.services.transitions import actor_of

TEST = OpenApiParameter(
    "test", bool, OpenApiParameter.QUERY, required=False, description="테스트 모드 여부"
)
KEY_PARAMETERS = [
    OpenApiParameter(
        "brn",
        str,
        OpenApiParameter.QUERY,
        required=False,
        description="사업자등록번호 (taxInvoiceKeyType이 SUPPLIER·RECIPIENT이면 필수)",
    ),
    OpenApiParameter(
        "taxInvoiceKeyType",
        str,
        OpenApiParameter.QUERY,
        required=False,
        enum=["TAX_INVOICE_ID", "SUPPLIER", "RECIPIENT"],
        description="문서 번호 유형 (기본값 TAX_INVOICE_ID)",
    ),
    TEST,
]


def answer(invoice) -> Response:
    return Response({"taxInvoice": tax_invoice_json(invoice)})


def addressed(request, key: str, *, for_update: bool = False):
    return get_invoice(
        key,
        request.query_params.get("taxInvoiceKeyType") or None,
        request.query_params.get("brn") or None,
        is_for_test=is_for_test(request),
        for_update=for_update,
    )


class ActionView(PortOneApiView):
    """POST /b2b/tax-invoices/{key}/<action>: validate the body, find the invoice, `act`, answer
    `{taxInvoice}`. With `lock`, the invoice is read FOR UPDATE in the action's transaction."""

    body_class = inputs.MemoBody
    lock = False

    def act(self, invoice, data, actor):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, key: str):
        data = validated(self.body_class, body_dict(request))
        with transaction.atomic():
            invoice = addressed(request, key, for_update=self.lock)
            return answer(self.act(invoice, data, actor_of(request.user)))
