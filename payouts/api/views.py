"""PayoutClient.complete_platform_payout_by_partner_settlement_ids (일괄 지급 완료 처리)."""

from __future__ import annotations

from rest_framework.response import Response

from core.api.views import PortOneApiView, body_dict, is_for_test
from core.inputs import validated
from core.wire import drop_none, graphql_id
from payouts.inputs import CompletePayoutInput
from payouts.services.completion import payout_complete_by_partner_settlement_ids


class CompletePayoutView(PortOneApiView):
    """POST /platform/partner-settlements/complete-payout"""

    def post(self, request):
        body = body_dict(request)
        data = validated(CompletePayoutInput, body)
        done = payout_complete_by_partner_settlement_ids(
            public_ids=data["partnerSettlementIds"],
            is_for_test=is_for_test(request, body),
            bulk_payout_id=data["bulkPayoutId"],
            name=data.get("name"),
            completed_at=data.get("completedAt"),
        )
        bulk_id = done.bulk_payout_id
        return Response(
            drop_none(
                {
                    "bulkPayoutId": bulk_id,
                    "bulkPayoutGraphqlId": graphql_id("bulk_payout", bulk_id) if bulk_id else None,
                    "payoutCount": done.payout_count,
                    "partnerSettlementCount": done.partner_settlement_count,
                }
            )
        )
