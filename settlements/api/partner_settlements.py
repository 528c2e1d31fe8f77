"""PartnerSettlementClient: list (with counts by status) and delete. Thin: validate ->
selector or service -> output."""

from __future__ import annotations

from rest_framework.response import Response

from core.api.views import PortOneApiView, body_dict, is_for_test, paginate, request_body
from core.inputs import validated
from core.versioning import services as versioning
from partners.services.partners import PARTNER
from policies.services import CONTRACT
from settlements import inputs
from settlements.api.outputs import COUNT_KEYS, partner_settlement_json
from settlements.selectors.partner_settlements import (
    partner_settlements,
    status_counts,
    with_statuses,
)
from settlements.services.partner_settlements import partner_settlements_delete


class PartnerSettlementsView(PortOneApiView):
    """GET /platform/partner-settlements"""

    def get(self, request):
        body = request_body(request)
        data = validated(inputs.PartnerSettlementsInput, body)
        f = inputs.partner_settlement_filter(data["filter"])
        versioning.promote_due(PARTNER)
        versioning.promote_due(CONTRACT)
        base = partner_settlements(is_for_test=is_for_test(request, body), f=f)
        by_status = status_counts(base)
        qs = with_statuses(base, f).select_related("partner__default_contract", "contract")
        items, page = paginate(qs.order_by("-settlement_date", "-id"), data.get("page"))
        return Response(
            {
                "items": [partner_settlement_json(s) for s in items],
                "page": page,
                "counts": {key: by_status.get(status, 0) for status, key in COUNT_KEYS.items()},
            }
        )


class PartnerSettlementsDeleteView(PortOneApiView):
    """POST /platform/partner-settlements/delete"""

    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.PartnerSettlementsDeleteInput, body)
        partner_settlements_delete(
            public_ids=data["partnerSettlementIds"], is_for_test=is_for_test(request, body)
        )
        return Response({})
