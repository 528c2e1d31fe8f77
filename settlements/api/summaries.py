"""Transfer reads in bulk: `GET /platform/transfer-summaries` (정산 상세 내역 목록) and its CSV,
`GET /platform/transfer-summaries/sheet-file`. Read-only."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework.response import Response

from core.api.views import PortOneApiView, is_for_test, paginate, request_body
from core.files import sheets
from core.inputs import validated
from settlements import inputs
from settlements.api.outputs import transfer_summary_json
from settlements.files.transfer_sheet import sheet_columns, sheet_rows
from settlements.selectors.transfers import transfers


def _transfers(request, f: dict):
    """Test mode: query `test` > `filter.isForTest` > false (docs/api.md, "Test mode")."""
    return transfers(is_for_test=is_for_test(request, f), f=inputs.transfer_filter(f))


class TransferSummariesView(PortOneApiView):
    """GET /platform/transfer-summaries (TransferClient.get_platform_transfer_summaries)."""

    def get(self, request):
        data = validated(inputs.SummariesInput, request_body(request))
        qs = _transfers(request, data.get("filter") or {}).order_by("-created_at", "-id")
        items, page = paginate(qs, data.get("page"))
        return Response(
            {"transferSummaries": [transfer_summary_json(t) for t in items], "page": page}
        )


class TransferSheetView(PortOneApiView):
    """GET /platform/transfer-summaries/sheet-file (download_platform_transfer_sheet): CSV,
    UTF-8 with BOM, streamed in chunks of 2,000 transfers."""

    def get(self, request):
        data = validated(inputs.SheetInput, request_body(request))
        columns = sheet_columns(data.get("fields"))
        qs = (
            _transfers(request, data.get("filter") or {})
            .select_related("partner__default_contract")  # PARTNER_DEFAULT_CONTRACT_ID
            .order_by("-created_at", "-id")
        )
        response = StreamingHttpResponse(
            sheets.csv_stream([label for label, _ in columns], sheet_rows(qs, columns)),
            content_type=sheets.CSV_CONTENT_TYPE,
        )
        filename = f"transfers-{timezone.localdate():%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
