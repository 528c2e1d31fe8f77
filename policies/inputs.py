"""Input schemas of contracts, policies and the platform setting (the SDK's camelCase names), and
the functions that turn their validated data into terms (model field names) for core.versioning
and policies.services.

Shared by every entry point that takes these inputs (the API today). Nothing here reads or writes
the database.
"""

from __future__ import annotations

import calendar
from typing import Any

from rest_framework import serializers

from core.inputs import NON_NEGATIVE, EmptyObject, OneOf, choice_list
from core.iterables import unique_list
from policies.domain.rates import MILLI_PERCENT_100
from policies.models import (
    DAYS_OF_WEEK,
    CycleMethod,
    DatePolicy,
    FeeType,
    Payer,
    SettlementAmountType,
)

# --- pieces -------------------------------------------------------------------------------------


def fee_input(*, required: bool = True) -> OneOf:
    return OneOf(
        {
            "fixedRate": serializers.IntegerField(min_value=0, max_value=MILLI_PERCENT_100),
            "fixedAmount": serializers.IntegerField(**NON_NEGATIVE),
        },
        required=required,
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
        # Feb 29 is allowed (it clamps to Feb 28 in common years, docs/dates.md#month-end-clamping).
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
        sorted(unique_list((d["month"], d["day"]) for d in value["dates"]))
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


class CreateInput(serializers.Serializer):
    """What a create input adds to its update input (`class XCreateInput(XUpdateInput,
    CreateInput)`, so the update's fields come first): the id, the test flag, and `mandatory`
    fields made required."""

    id = serializers.CharField(max_length=100, required=False)
    isForTest = serializers.BooleanField(required=False)

    mandatory: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.mandatory:
            self.fields[name].required = True


def _renamed(data: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {field: data[key] for key, field in names.items() if key in data}


# --- contracts ----------------------------------------------------------------------------------


class ContractUpdateInput(serializers.Serializer):
    name = _name_field(required=False)
    memo = _memo_field()
    platformFee = fee_input(required=False)
    settlementCycle = SettlementCycleInput(required=False)
    platformFeeVatPayer = serializers.ChoiceField(choices=Payer.values, required=False)
    subtractPaymentVatAmount = serializers.BooleanField(required=False)


class ContractCreateInput(ContractUpdateInput, CreateInput):
    mandatory = (
        "name",
        "platformFee",
        "settlementCycle",
        "platformFeeVatPayer",
        "subtractPaymentVatAmount",
    )


def contract_terms(data: dict[str, Any]) -> dict[str, Any]:
    terms = _renamed(data, {"name": "name", "memo": "memo"})
    if "platformFee" in data:
        terms.update(fee_terms(data["platformFee"]))
    if "settlementCycle" in data:
        terms.update(cycle_terms(data["settlementCycle"]))
    terms.update(
        _renamed(
            data,
            {
                "platformFeeVatPayer": "platform_fee_vat_payer",
                "subtractPaymentVatAmount": "subtract_payment_vat_amount",
            },
        )
    )
    return terms


# --- discount-share policies --------------------------------------------------------------------


class DiscountSharePolicyUpdateInput(serializers.Serializer):
    name = _name_field(required=False)
    partnerShareRate = serializers.IntegerField(
        min_value=0, max_value=MILLI_PERCENT_100, required=False
    )
    memo = _memo_field()


class DiscountSharePolicyCreateInput(DiscountSharePolicyUpdateInput, CreateInput):
    mandatory = ("name", "partnerShareRate")


def discount_share_terms(data: dict[str, Any]) -> dict[str, Any]:
    return _renamed(
        data, {"name": "name", "partnerShareRate": "partner_share_rate", "memo": "memo"}
    )


# --- additional-fee policies --------------------------------------------------------------------


class AdditionalFeePolicyUpdateInput(serializers.Serializer):
    fee = fee_input(required=False)
    name = _name_field(required=False)
    memo = _memo_field()
    vatPayer = serializers.ChoiceField(choices=Payer.values, required=False)


class AdditionalFeePolicyCreateInput(AdditionalFeePolicyUpdateInput, CreateInput):
    mandatory = ("fee", "name", "vatPayer")


def additional_fee_terms(data: dict[str, Any]) -> dict[str, Any]:
    terms: dict[str, Any] = {}
    if "fee" in data:
        terms.update(fee_terms(data["fee"]))
    terms.update(_renamed(data, {"name": "name", "memo": "memo", "vatPayer": "vat_payer"}))
    return terms


# --- list filters (policies.selectors applies them) ---------------------------------------------


def _keyword(choices: tuple[str, ...]) -> OneOf:
    return OneOf(
        {name: serializers.CharField(allow_blank=True) for name in choices}, required=False
    )


class ContractFilter(serializers.Serializer):
    platformFeePayers = choice_list(Payer.values)
    cycleTypes = choice_list(CycleMethod.values)
    datePolicies = choice_list(DatePolicy.values)
    isArchived = serializers.BooleanField(required=False, default=False)
    keyword = _keyword(("id", "name"))


class DiscountSharePolicyFilter(serializers.Serializer):
    isArchived = serializers.BooleanField(required=False, default=False)
    partnerShareRates = serializers.ListField(child=serializers.IntegerField(), required=False)
    keyword = _keyword(("id", "name"))


class AdditionalFeePolicyFilter(serializers.Serializer):
    isArchived = serializers.BooleanField(required=False, default=False)
    vatPayers = choice_list(Payer.values)
    keyword = _keyword(("name", "id", "fee"))


# --- schedules and the setting ------------------------------------------------------------------


class ScheduleInput(serializers.Serializer):
    """The body of a schedule write; `update` is validated with the kind's update input."""

    update = serializers.DictField()
    appliedAt = serializers.DateTimeField()


class SettingUpdateInput(serializers.Serializer):
    """Validated data is keyed by PlatformSetting field names (`source=`)."""

    defaultWithdrawalMemo = serializers.CharField(
        source="default_withdrawal_memo", max_length=100, allow_blank=True, required=False
    )
    defaultDepositMemo = serializers.CharField(
        source="default_deposit_memo", max_length=100, allow_blank=True, required=False
    )
    supportsMultipleOrderTransfersPerPartner = serializers.BooleanField(
        source="supports_multiple_order_transfers_per_partner", required=False
    )
    adjustSettlementDateAfterHolidayIfEarlier = serializers.BooleanField(
        source="adjust_settlement_date_after_holiday_if_earlier", required=False
    )
    deductWht = serializers.BooleanField(source="deduct_wht", required=False)
    settlementAmountType = serializers.ChoiceField(
        source="settlement_amount_type", choices=SettlementAmountType.values, required=False
    )
