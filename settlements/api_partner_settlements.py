"""PortOne Platform API for partner settlements (정산 내역) and their payout completion:
PartnerSettlementClient and `PayoutClient.complete_platform_payout_by_partner_settlement_ids`.
Thin: validate -> settlements.aggregation -> JSON. domain.md §8.1, §8.2, §12.22–§12.24."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from rest_framework import serializers
from rest_framework.response import Response

from core.api.views import PortOneApiView, body_dict, is_for_test, paginate, request_body
from core.api.wire import drop_none, graphql_id
from core.inputs import PageInput, validated
from core.versioning import services as versioning
from partners import services as partner_services
from partners.api import partner_json
from partners.models import PartnerTag
from policies import services as policy_services
from policies.api import contract_json
from settlements import aggregation
from settlements.models import PartnerSettlement, PartnerSettlementStatus, TransferType

# PlatformPartnerSettlementStatusStats key per status (domain.md §8.1).
COUNT_KEYS = {
    PartnerSettlementStatus.PAYOUT_SCHEDULED: "payoutScheduled",
    PartnerSettlementStatus.PAYOUT_PREPARED: "payoutPrepared",
    PartnerSettlementStatus.PAYOUT_WITHHELD: "payoutWithheld",
    PartnerSettlementStatus.PAYOUT_EXCLUDED: "payoutExcluded",
    PartnerSettlementStatus.PAYOUT_FAILED: "payoutFailed",
    PartnerSettlementStatus.CANCELLED: "payoutCancelled",
    PartnerSettlementStatus.CONFIRMED: "payoutConfirmed",
    PartnerSettlementStatus.IN_PAYOUT: "inPayout",
    PartnerSettlementStatus.PAID_OUT: "paidOut",
}


# --- output -------------------------------------------------------------------------------------


def partner_settlement_json(settlement: PartnerSettlement) -> dict[str, Any]:
    """PlatformPartnerSettlement union: ORDER / ORDER_CANCEL / MANUAL, with the current partner
    and contract embedded (domain.md §12.24)."""
    body: dict[str, Any] = {
        "type": settlement.settlement_type,
        "id": settlement.public_id,
        "graphqlId": graphql_id("partner_settlement", settlement.public_id),
        "partner": partner_json(settlement.partner),
        "settlementDate": settlement.settlement_date,
        "settlementCurrency": settlement.settlement_currency,
        "status": settlement.status,
        "isForTest": settlement.is_for_test,
        "statusUpdatedAt": settlement.status_updated_at,
        "memo": settlement.memo,
    }
    if settlement.settlement_type == TransferType.MANUAL:
        body["amount"] = settlement.amount_settlement
        body["taxFreeAmount"] = settlement.amount_settlement_tax_free
    else:
        start_from = settlement.settlement_start_date_from or settlement.settlement_date
        body["contract"] = contract_json(settlement.contract)
        body["settlementStartDateRange"] = {
            "from": start_from,
            "until": settlement.settlement_start_date_until or start_from,
        }
        body["amount"] = {**settlement.amount_json(), "userDefinedFormulas": {}}
    return drop_none(body)


# --- list ---------------------------------------------------------------------------------------


class KeywordInput(serializers.Serializer):
    partnerSettlementId = serializers.CharField(required=False)
    payoutId = serializers.CharField(required=False)
    bulkPayoutId = serializers.CharField(required=False)


def _strings() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), required=False)


class PartnerSettlementFilter(serializers.Serializer):
    settlementDates = serializers.ListField(
        child=serializers.DateField(input_formats=["%Y-%m-%d"]), required=False
    )
    contractIds = _strings()
    partnerTags = _strings()
    settlementCurrencies = _strings()
    statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=PartnerSettlementStatus.values), required=False
    )
    partnerIds = _strings()
    settlementTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=TransferType.values), required=False
    )
    keyword = KeywordInput(required=False)


class ListInput(serializers.Serializer):
    filter = PartnerSettlementFilter()
    page = PageInput(required=False)
    isForTest = serializers.BooleanField(required=False)


def _keyword_q(keyword: dict[str, str], test: bool) -> Q:
    q = Q()
    if "partnerSettlementId" in keyword:
        q &= Q(public_id=keyword["partnerSettlementId"])
    if "bulkPayoutId" in keyword:
        q &= Q(
            pk__in=aggregation.bulk_payout_settlement_ids(keyword["bulkPayoutId"], is_for_test=test)
        )
    if "payoutId" in keyword:
        q &= Q(pk__in=[])  # payouts are created by the payouts app (a later issue): none yet
    return q


def filter_settlements(qs: QuerySet, f: dict[str, Any], test: bool) -> QuerySet:
    """Every criterion except `statuses` (applied separately so counts can ignore it)."""
    simple = {
        "settlementDates": "settlement_date__in",
        "contractIds": "contract__public_id__in",
        "settlementCurrencies": "settlement_currency__in",
        "partnerIds": "partner__public_id__in",
        "settlementTypes": "settlement_type__in",
    }
    for key, lookup in simple.items():
        if f.get(key):
            qs = qs.filter(**{lookup: f[key]})
    if f.get("partnerTags"):
        qs = qs.filter(
            partner_id__in=PartnerTag.objects.filter(tag__in=f["partnerTags"]).values("partner_id")
        )
    if f.get("keyword"):
        qs = qs.filter(_keyword_q(f["keyword"], test))
    return qs


class PartnerSettlementsView(PortOneApiView):
    """GET /platform/partner-settlements"""

    def get(self, request):
        body = request_body(request)
        data = validated(ListInput, body)
        test = is_for_test(request, body)
        versioning.promote_due(partner_services.PARTNER)
        versioning.promote_due(policy_services.CONTRACT)
        base = filter_settlements(
            PartnerSettlement.objects.filter(is_for_test=test), data["filter"], test
        )
        by_status = dict(
            base.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
        )
        qs = base
        if data["filter"].get("statuses"):
            qs = qs.filter(status__in=data["filter"]["statuses"])
        qs = qs.select_related("partner__default_contract", "contract").order_by(
            "-settlement_date", "-id"
        )
        items, page = paginate(qs, data.get("page"))
        return Response(
            {
                "items": [partner_settlement_json(s) for s in items],
                "page": page,
                "counts": {key: by_status.get(status, 0) for status, key in COUNT_KEYS.items()},
            }
        )


# --- delete -------------------------------------------------------------------------------------


class DeleteInput(serializers.Serializer):
    partnerSettlementIds = serializers.ListField(child=serializers.CharField())
    isForTest = serializers.BooleanField(required=False)


class PartnerSettlementsDeleteView(PortOneApiView):
    """POST /platform/partner-settlements/delete"""

    def post(self, request):
        body = body_dict(request)
        data = validated(DeleteInput, body)
        aggregation.partner_settlements_delete(
            public_ids=data["partnerSettlementIds"], is_for_test=is_for_test(request, body)
        )
        return Response({})


# --- complete payout ----------------------------------------------------------------------------


class CompletePayoutInput(serializers.Serializer):
    bulkPayoutId = serializers.CharField(max_length=aggregation.BULK_PAYOUT_ID_MAX_LENGTH)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    partnerSettlementIds = serializers.ListField(child=serializers.CharField(), allow_empty=True)
    completedAt = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    isForTest = serializers.BooleanField(required=False)


class CompletePayoutView(PortOneApiView):
    """POST /platform/partner-settlements/complete-payout (일괄 지급 완료 처리)"""

    def post(self, request):
        body = body_dict(request)
        data = validated(CompletePayoutInput, body)
        result = aggregation.payout_complete_by_partner_settlement_ids(
            public_ids=data["partnerSettlementIds"],
            is_for_test=is_for_test(request, body),
            bulk_payout_id=data["bulkPayoutId"],
            name=data.get("name"),
            completed_at=data.get("completedAt"),
        )
        return Response(result)
