"""PortOne Platform API for contracts, discount-share and additional-fee policies, and the setting.

Thin: validate (camelCase serializers) -> core.versioning / policies.services -> JSON out.
One set of generic views serves the three kinds; each kind is described by a `Resource`.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import serializers
from rest_framework.response import Response

from core.api.views import (
    PortOneApiView,
    body_dict,
    is_for_test,
    paginate,
    parse_bool,
    request_body,
)
from core.api.wire import drop_none, graphql_id
from core.inputs import EmptyObject, OneOf, PageInput, unique_list, validated
from core.versioning import services as versioning
from policies import services
from policies.models import (
    DAYS_OF_WEEK,
    MILLI_PERCENT_100,
    CycleMethod,
    DatePolicy,
    FeeType,
    Payer,
    SettlementAmountType,
)

INT64_MAX = 2**63 - 1

# ------------------------------------------------------------------------------------------------
# Inputs


def fee_input() -> OneOf:
    return OneOf(
        {
            "fixedRate": serializers.IntegerField(min_value=0, max_value=MILLI_PERCENT_100),
            "fixedAmount": serializers.IntegerField(min_value=0, max_value=INT64_MAX),
        }
    )


class WeeklyInput(serializers.Serializer):
    daysOfWeek = serializers.ListField(
        child=serializers.ChoiceField(choices=DAYS_OF_WEEK), allow_empty=False
    )


class MonthlyInput(serializers.Serializer):
    daysOfMonth = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=31), allow_empty=False
    )


class MonthDayInput(serializers.Serializer):
    month = serializers.IntegerField(min_value=1, max_value=12)
    day = serializers.IntegerField(min_value=1, max_value=31)

    def validate(self, attrs):
        # Feb 29 is allowed (it clamps to Feb 28 in common years, domain.md §12.11).
        last = calendar.monthrange(2024, attrs["month"])[1]
        if attrs["day"] > last:
            raise serializers.ValidationError(
                {"day": f"{attrs['month']}월에는 {last}일까지 있습니다."}
            )
        return attrs


class ManualDatesInput(serializers.Serializer):
    dates = serializers.ListField(child=MonthDayInput(), allow_empty=False)


class SettlementCycleInput(serializers.Serializer):
    lagDays = serializers.IntegerField(min_value=1, max_value=10)
    datePolicy = serializers.ChoiceField(choices=DatePolicy.values)
    method = OneOf(
        {
            "daily": EmptyObject(),
            "weekly": WeeklyInput(),
            "monthly": MonthlyInput(),
            "manualDates": ManualDatesInput(),
        }
    )


def fee_terms(value: tuple[str, int]) -> dict[str, Any]:
    key, amount = value
    if key == "fixedRate":
        return {"fee_type": FeeType.FIXED_RATE, "fee_rate": amount, "fee_amount": None}
    return {"fee_type": FeeType.FIXED_AMOUNT, "fee_rate": None, "fee_amount": amount}


def cycle_terms(cycle: dict[str, Any]) -> dict[str, Any]:
    key, value = cycle["method"]
    method = {
        "daily": CycleMethod.DAILY,
        "weekly": CycleMethod.WEEKLY,
        "monthly": CycleMethod.MONTHLY,
        "manualDates": CycleMethod.MANUAL_DATES,
    }[key]
    days_of_week = (
        sorted(unique_list(value["daysOfWeek"]), key=DAYS_OF_WEEK.index) if key == "weekly" else []
    )
    days_of_month = sorted(unique_list(value["daysOfMonth"])) if key == "monthly" else []
    manual = (
        sorted(
            unique_list((d["month"], d["day"]) for d in value["dates"]),
        )
        if key == "manualDates"
        else []
    )
    return {
        "lag_days": cycle["lagDays"],
        "date_policy": cycle["datePolicy"],
        "cycle_method": method,
        "days_of_week": days_of_week,
        "days_of_month": days_of_month,
        "manual_dates": [{"month": m, "day": d} for m, d in manual],
    }


def _memo_field() -> serializers.CharField:
    return serializers.CharField(max_length=256, allow_blank=True, required=False)


def _name_field(required: bool = True) -> serializers.CharField:
    return serializers.CharField(max_length=200, required=required)


class ContractUpdateInput(serializers.Serializer):
    name = _name_field(required=False)
    memo = _memo_field()
    platformFee = fee_input()
    settlementCycle = SettlementCycleInput(required=False)
    platformFeeVatPayer = serializers.ChoiceField(choices=Payer.values, required=False)
    subtractPaymentVatAmount = serializers.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platformFee"].required = False


class ContractCreateInput(ContractUpdateInput):
    id = serializers.CharField(max_length=100, required=False)
    isForTest = serializers.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (
            "name",
            "platformFee",
            "settlementCycle",
            "platformFeeVatPayer",
            "subtractPaymentVatAmount",
        ):
            self.fields[name].required = True


def contract_terms(data: dict[str, Any]) -> dict[str, Any]:
    terms: dict[str, Any] = {}
    if "name" in data:
        terms["name"] = data["name"]
    if "memo" in data:
        terms["memo"] = data["memo"]
    if "platformFee" in data:
        terms.update(fee_terms(data["platformFee"]))
    if "settlementCycle" in data:
        terms.update(cycle_terms(data["settlementCycle"]))
    if "platformFeeVatPayer" in data:
        terms["platform_fee_vat_payer"] = data["platformFeeVatPayer"]
    if "subtractPaymentVatAmount" in data:
        terms["subtract_payment_vat_amount"] = data["subtractPaymentVatAmount"]
    return terms


class DiscountSharePolicyUpdateInput(serializers.Serializer):
    name = _name_field(required=False)
    partnerShareRate = serializers.IntegerField(
        min_value=0, max_value=MILLI_PERCENT_100, required=False
    )
    memo = _memo_field()


class DiscountSharePolicyCreateInput(DiscountSharePolicyUpdateInput):
    id = serializers.CharField(max_length=100, required=False)
    isForTest = serializers.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.fields["partnerShareRate"].required = True


def discount_share_terms(data: dict[str, Any]) -> dict[str, Any]:
    mapping = {"name": "name", "memo": "memo", "partnerShareRate": "partner_share_rate"}
    return {mapping[k]: v for k, v in data.items() if k in mapping}


class AdditionalFeePolicyUpdateInput(serializers.Serializer):
    fee = fee_input()
    name = _name_field(required=False)
    memo = _memo_field()
    vatPayer = serializers.ChoiceField(choices=Payer.values, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fee"].required = False


class AdditionalFeePolicyCreateInput(AdditionalFeePolicyUpdateInput):
    id = serializers.CharField(max_length=100, required=False)
    isForTest = serializers.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("fee", "name", "vatPayer"):
            self.fields[name].required = True


def additional_fee_terms(data: dict[str, Any]) -> dict[str, Any]:
    terms: dict[str, Any] = {}
    if "fee" in data:
        terms.update(fee_terms(data["fee"]))
    for key, name in (("name", "name"), ("memo", "memo"), ("vatPayer", "vat_payer")):
        if key in data:
            terms[name] = data[key]
    return terms


# ------------------------------------------------------------------------------------------------
# Outputs: dicts in the SDK's camelCase, None dropped.


def fee_json(terms: dict[str, Any]) -> dict[str, Any]:
    if terms["fee_type"] == FeeType.FIXED_RATE:
        return {"type": "FIXED_RATE", "rate": terms["fee_rate"]}
    return {"type": "FIXED_AMOUNT", "amount": terms["fee_amount"]}


def cycle_json(terms: dict[str, Any]) -> dict[str, Any]:
    method: dict[str, Any] = {"type": terms["cycle_method"]}
    if terms["cycle_method"] == CycleMethod.WEEKLY:
        method["daysOfWeek"] = list(terms["days_of_week"])
    elif terms["cycle_method"] == CycleMethod.MONTHLY:
        method["daysOfMonth"] = list(terms["days_of_month"])
    elif terms["cycle_method"] == CycleMethod.MANUAL_DATES:
        method["dates"] = [{"month": d["month"], "day": d["day"]} for d in terms["manual_dates"]]
    return {"lagDays": terms["lag_days"], "datePolicy": terms["date_policy"], "method": method}


def _identity(kind_code: str, entity, applied_at: datetime) -> dict[str, Any]:
    return {
        "id": entity.public_id,
        "graphqlId": graphql_id(kind_code, entity.public_id),
        "isArchived": entity.is_archived,
        "appliedAt": applied_at,
        "isForTest": entity.is_for_test,
    }


def contract_json(entity, terms: dict[str, Any] | None = None, applied_at=None) -> dict[str, Any]:
    terms = terms if terms is not None else entity.terms()
    return drop_none(
        {
            **_identity("contract", entity, applied_at or entity.applied_at),
            "name": terms["name"],
            "memo": terms["memo"],
            "platformFee": fee_json(terms),
            "settlementCycle": cycle_json(terms),
            "platformFeeVatPayer": terms["platform_fee_vat_payer"],
            "subtractPaymentVatAmount": terms["subtract_payment_vat_amount"],
        }
    )


def discount_share_policy_json(entity, terms=None, applied_at=None) -> dict[str, Any]:
    terms = terms if terms is not None else entity.terms()
    return drop_none(
        {
            **_identity("discount_share_policy", entity, applied_at or entity.applied_at),
            "name": terms["name"],
            "memo": terms["memo"],
            "partnerShareRate": terms["partner_share_rate"],
        }
    )


def additional_fee_policy_json(entity, terms=None, applied_at=None) -> dict[str, Any]:
    terms = terms if terms is not None else entity.terms()
    return drop_none(
        {
            **_identity("additional_fee_policy", entity, applied_at or entity.applied_at),
            "name": terms["name"],
            "memo": terms["memo"],
            "fee": fee_json(terms),
            "vatPayer": terms["vat_payer"],
        }
    )


# ------------------------------------------------------------------------------------------------
# Filters


def _keyword(choices: tuple[str, ...]) -> OneOf:
    return OneOf(
        {name: serializers.CharField(allow_blank=True) for name in choices}, required=False
    )


class ContractFilter(serializers.Serializer):
    platformFeePayers = serializers.ListField(
        child=serializers.ChoiceField(choices=Payer.values), required=False
    )
    cycleTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=CycleMethod.values), required=False
    )
    datePolicies = serializers.ListField(
        child=serializers.ChoiceField(choices=DatePolicy.values), required=False
    )
    isArchived = serializers.BooleanField(required=False, default=False)
    keyword = _keyword(("id", "name"))


class DiscountSharePolicyFilter(serializers.Serializer):
    isArchived = serializers.BooleanField(required=False, default=False)
    partnerShareRates = serializers.ListField(child=serializers.IntegerField(), required=False)
    keyword = _keyword(("id", "name"))


class AdditionalFeePolicyFilter(serializers.Serializer):
    isArchived = serializers.BooleanField(required=False, default=False)
    vatPayers = serializers.ListField(
        child=serializers.ChoiceField(choices=Payer.values), required=False
    )
    keyword = _keyword(("name", "id", "fee"))


def _keyword_q(keyword: tuple[str, str] | None) -> Q:
    if keyword is None:
        return Q()
    key, text = keyword
    if key == "id":
        return Q(public_id__icontains=text)
    if key == "name":
        return Q(name__icontains=text)
    if key == "fee":
        digits = text.replace(",", "").strip()
        if not digits.isdigit():
            return Q(pk__in=[])
        return Q(fee_rate=int(digits)) | Q(fee_amount=int(digits))
    raise AssertionError(key)


def filter_contracts(qs: QuerySet, f: dict[str, Any]) -> QuerySet:
    qs = qs.filter(is_archived=f["isArchived"]).filter(_keyword_q(f.get("keyword")))
    if f.get("platformFeePayers"):
        qs = qs.filter(platform_fee_vat_payer__in=f["platformFeePayers"])
    if f.get("cycleTypes"):
        qs = qs.filter(cycle_method__in=f["cycleTypes"])
    if f.get("datePolicies"):
        qs = qs.filter(date_policy__in=f["datePolicies"])
    return qs


def filter_discount_share_policies(qs: QuerySet, f: dict[str, Any]) -> QuerySet:
    qs = qs.filter(is_archived=f["isArchived"]).filter(_keyword_q(f.get("keyword")))
    if f.get("partnerShareRates"):
        qs = qs.filter(partner_share_rate__in=f["partnerShareRates"])
    return qs


def filter_additional_fee_policies(qs: QuerySet, f: dict[str, Any]) -> QuerySet:
    qs = qs.filter(is_archived=f["isArchived"]).filter(_keyword_q(f.get("keyword")))
    if f.get("vatPayers"):
        qs = qs.filter(vat_payer__in=f["vatPayers"])
    return qs


# ------------------------------------------------------------------------------------------------
# Generic views


@dataclass(frozen=True)
class Resource:
    kind: versioning.Kind
    key: str  # "contract" -> {"contract": ...}
    scheduled_key: str  # "scheduledContract"
    create_input: type[serializers.Serializer]
    update_input: type[serializers.Serializer]
    filter_input: type[serializers.Serializer]
    to_terms: Callable[[dict[str, Any]], dict[str, Any]]
    to_json: Callable[..., dict[str, Any]]
    apply_filter: Callable[[QuerySet, dict[str, Any]], QuerySet]


class ScheduleInput(serializers.Serializer):
    update = serializers.DictField()
    appliedAt = serializers.DateTimeField()


def _mode(request, body=None) -> bool:
    return is_for_test(request, body)


class ResourceView(PortOneApiView):
    resource: Resource = None  # set by as_view(resource=...)

    @property
    def kind(self) -> versioning.Kind:
        return self.resource.kind


class CollectionView(ResourceView):
    def get(self, request):
        body = request_body(request)
        page = validated(PageInput, body.get("page") or {})
        filters = validated(self.resource.filter_input, body.get("filter") or {})
        versioning.promote_due(self.kind)
        qs = self.kind.model.objects.filter(is_for_test=_mode(request, body))
        qs = self.resource.apply_filter(qs, filters).order_by("-created_at", "-id")
        items, page_info = paginate(qs, page)
        return Response({"items": [self.resource.to_json(e) for e in items], "page": page_info})

    def post(self, request):
        body = body_dict(request)
        data = validated(self.resource.create_input, body)
        entity = versioning.entity_create(
            self.kind,
            public_id=data.get("id") or _new_id(),
            is_for_test=_mode(request, body),
            terms=self.resource.to_terms(data),
        )
        return Response({self.resource.key: self.resource.to_json(entity)})


def _new_id() -> str:
    from ulid import ULID

    return str(ULID())


class ItemView(ResourceView):
    def get(self, request, id: str):
        entity = versioning.entity_get(self.kind, public_id=id, is_for_test=_mode(request))
        return Response(self.resource.to_json(entity))

    def patch(self, request, id: str):
        body = body_dict(request)
        data = validated(self.resource.update_input, body)
        entity = versioning.entity_update(
            self.kind,
            public_id=id,
            is_for_test=_mode(request, body),
            changes=self.resource.to_terms(data),
        )
        return Response({self.resource.key: self.resource.to_json(entity)})


class ArchiveView(ResourceView):
    def post(self, request, id: str):
        entity = versioning.entity_archive(self.kind, public_id=id, is_for_test=_mode(request))
        return Response({self.resource.key: self.resource.to_json(entity)})


class RecoverView(ResourceView):
    def post(self, request, id: str):
        entity = versioning.entity_recover(self.kind, public_id=id, is_for_test=_mode(request))
        return Response({self.resource.key: self.resource.to_json(entity)})


class ScheduleView(ResourceView):
    def get(self, request, id: str):
        entity, version = versioning.schedule_get(
            self.kind, public_id=id, is_for_test=_mode(request)
        )
        terms = versioning.projected_terms(self.kind, entity, version)
        return Response(self.resource.to_json(entity, terms, version.applied_at))

    def _write(self, request, id: str, service):
        body = body_dict(request)
        data = validated(ScheduleInput, body)
        update = validated(self.resource.update_input, data["update"])
        entity, version = service(
            self.kind,
            public_id=id,
            is_for_test=_mode(request, body),
            changes=self.resource.to_terms(update),
            applied_at=data["appliedAt"],
        )
        terms = versioning.projected_terms(self.kind, entity, version)
        return Response(
            {self.resource.scheduled_key: self.resource.to_json(entity, terms, version.applied_at)}
        )

    def post(self, request, id: str):
        return self._write(request, id, versioning.schedule_create)

    def put(self, request, id: str):
        return self._write(request, id, versioning.schedule_replace)

    def delete(self, request, id: str):
        versioning.schedule_cancel(self.kind, public_id=id, is_for_test=_mode(request))
        return Response({})


CONTRACTS = Resource(
    kind=services.CONTRACT,
    key="contract",
    scheduled_key="scheduledContract",
    create_input=ContractCreateInput,
    update_input=ContractUpdateInput,
    filter_input=ContractFilter,
    to_terms=contract_terms,
    to_json=contract_json,
    apply_filter=filter_contracts,
)
DISCOUNT_SHARE_POLICIES = Resource(
    kind=services.DISCOUNT_SHARE_POLICY,
    key="discountSharePolicy",
    scheduled_key="scheduledDiscountSharePolicy",
    create_input=DiscountSharePolicyCreateInput,
    update_input=DiscountSharePolicyUpdateInput,
    filter_input=DiscountSharePolicyFilter,
    to_terms=discount_share_terms,
    to_json=discount_share_policy_json,
    apply_filter=filter_discount_share_policies,
)
ADDITIONAL_FEE_POLICIES = Resource(
    kind=services.ADDITIONAL_FEE_POLICY,
    key="additionalFeePolicy",
    scheduled_key="scheduledAdditionalFeePolicy",
    create_input=AdditionalFeePolicyCreateInput,
    update_input=AdditionalFeePolicyUpdateInput,
    filter_input=AdditionalFeePolicyFilter,
    to_terms=additional_fee_terms,
    to_json=additional_fee_policy_json,
    apply_filter=filter_additional_fee_policies,
)


class DiscountSharePolicyFilterOptionsView(PortOneApiView):
    def get(self, request):
        raw = request.query_params.get("isArchived")
        archived = parse_bool(raw, "isArchived") if raw else False
        versioning.promote_due(services.DISCOUNT_SHARE_POLICY)
        rates = (
            services.DISCOUNT_SHARE_POLICY.model.objects.filter(
                is_for_test=_mode(request), is_archived=archived
            )
            .values_list("partner_share_rate", flat=True)
            .distinct()
            .order_by("partner_share_rate")
        )
        return Response({"partnerShareRates": list(rates)})


# ------------------------------------------------------------------------------------------------
# Platform setting


class SettingUpdateInput(serializers.Serializer):
    defaultWithdrawalMemo = serializers.CharField(max_length=100, allow_blank=True, required=False)
    defaultDepositMemo = serializers.CharField(max_length=100, allow_blank=True, required=False)
    supportsMultipleOrderTransfersPerPartner = serializers.BooleanField(required=False)
    adjustSettlementDateAfterHolidayIfEarlier = serializers.BooleanField(required=False)
    deductWht = serializers.BooleanField(required=False)
    settlementAmountType = serializers.ChoiceField(
        choices=SettlementAmountType.values, required=False
    )

    FIELDS = {
        "defaultWithdrawalMemo": "default_withdrawal_memo",
        "defaultDepositMemo": "default_deposit_memo",
        "supportsMultipleOrderTransfersPerPartner": "supports_multiple_order_transfers_per_partner",
        "adjustSettlementDateAfterHolidayIfEarlier": (
            "adjust_settlement_date_after_holiday_if_earlier"
        ),
        "deductWht": "deduct_wht",
        "settlementAmountType": "settlement_amount_type",
    }


def setting_json(setting) -> dict[str, Any]:
    out = {wire: getattr(setting, name) for wire, name in SettingUpdateInput.FIELDS.items()}
    out["isForTest"] = setting.is_for_test
    return drop_none(out)


class SettingView(PortOneApiView):
    def get(self, request):
        return Response(setting_json(services.setting_get(is_for_test=_mode(request))))

    def patch(self, request):
        body = body_dict(request)
        data = validated(SettingUpdateInput, body)
        changes = {SettingUpdateInput.FIELDS[k]: v for k, v in data.items()}
        setting = services.setting_update(is_for_test=_mode(request, body), changes=changes)
        return Response({"setting": setting_json(setting)})
