"""Reads of contracts and policies shared by the API, the admin and settlements.

* snapshots: a version of a contract or policy as PortOne shows it (camelCase JSON, no nulls).
  Transfers freeze these when they are written (settlements) and the API answers them, so the
  two can never disagree about what a contract said;
* filters: the list filters of the API (the validated filter inputs of policies.inputs) as
  querysets;
* filter options.

Nothing here writes, except that reads first apply the schedules that have fallen due
(core.versioning.promote_due), so no read shows a stale version.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from core.versioning import services as versioning
from core.versioning.models import Versioned
from core.wire import drop_none, graphql_id
from policies import services
from policies.models import CycleMethod, FeeType

# --- snapshots ----------------------------------------------------------------------------------


def fee_snapshot(terms: dict[str, Any]) -> dict[str, Any]:
    """The PlatformFee union: `{"type": "FIXED_RATE", "rate"}` or `{"type": "FIXED_AMOUNT",
    "amount"}`."""
    if terms["fee_type"] == FeeType.FIXED_RATE:
        return {"type": "FIXED_RATE", "rate": terms["fee_rate"]}
    return {"type": "FIXED_AMOUNT", "amount": terms["fee_amount"]}


def cycle_snapshot(terms: dict[str, Any]) -> dict[str, Any]:
    method: dict[str, Any] = {"type": terms["cycle_method"]}
    if terms["cycle_method"] == CycleMethod.WEEKLY:
        method["daysOfWeek"] = list(terms["days_of_week"])
    elif terms["cycle_method"] == CycleMethod.MONTHLY:
        method["daysOfMonth"] = list(terms["days_of_month"])
    elif terms["cycle_method"] == CycleMethod.MANUAL_DATES:
        method["dates"] = [{"month": d["month"], "day": d["day"]} for d in terms["manual_dates"]]
    return {"lagDays": terms["lag_days"], "datePolicy": terms["date_policy"], "method": method}


def _snapshot(
    kind_code: str,
    entity: Versioned,
    terms: dict[str, Any] | None,
    applied_at: datetime | None,
    fields: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """What every version snapshot shares (identity, name, memo), then the kind's own `fields`."""
    terms = terms if terms is not None else entity.terms()
    return drop_none(
        {
            "id": entity.public_id,
            "graphqlId": graphql_id(kind_code, entity.public_id),
            "isArchived": entity.is_archived,
            "appliedAt": applied_at or entity.applied_at,
            "isForTest": entity.is_for_test,
            "name": terms["name"],
            "memo": terms["memo"],
            **fields(terms),
        }
    )


def contract_snapshot(
    entity, terms: dict[str, Any] | None = None, applied_at: datetime | None = None
) -> dict[str, Any]:
    """PlatformContract: the entity's current terms, or `terms` in force since `applied_at`."""
    return _snapshot(
        "contract",
        entity,
        terms,
        applied_at,
        lambda t: {
            "platformFee": fee_snapshot(t),
            "settlementCycle": cycle_snapshot(t),
            "platformFeeVatPayer": t["platform_fee_vat_payer"],
            "subtractPaymentVatAmount": t["subtract_payment_vat_amount"],
        },
    )


def discount_share_policy_snapshot(
    entity, terms: dict[str, Any] | None = None, applied_at: datetime | None = None
) -> dict[str, Any]:
    """PlatformDiscountSharePolicy, as `contract_snapshot`."""
    return _snapshot(
        "discount_share_policy",
        entity,
        terms,
        applied_at,
        lambda t: {"partnerShareRate": t["partner_share_rate"]},
    )


def additional_fee_policy_snapshot(
    entity, terms: dict[str, Any] | None = None, applied_at: datetime | None = None
) -> dict[str, Any]:
    """PlatformAdditionalFeePolicy, as `contract_snapshot`."""
    return _snapshot(
        "additional_fee_policy",
        entity,
        terms,
        applied_at,
        lambda t: {"fee": fee_snapshot(t), "vatPayer": t["vat_payer"]},
    )


# --- filters ------------------------------------------------------------------------------------


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


def _archived_and_keyword(qs: QuerySet, f: dict[str, Any]) -> QuerySet:
    return qs.filter(is_archived=f["isArchived"]).filter(_keyword_q(f.get("keyword")))


def filter_contracts(qs: QuerySet, f: dict[str, Any]) -> QuerySet:
    """`f`: validated policies.inputs.ContractFilter."""
    qs = _archived_and_keyword(qs, f)
    if f.get("platformFeePayers"):
        qs = qs.filter(platform_fee_vat_payer__in=f["platformFeePayers"])
    if f.get("cycleTypes"):
        qs = qs.filter(cycle_method__in=f["cycleTypes"])
    if f.get("datePolicies"):
        qs = qs.filter(date_policy__in=f["datePolicies"])
    return qs


def filter_discount_share_policies(qs: QuerySet, f: dict[str, Any]) -> QuerySet:
    """`f`: validated policies.inputs.DiscountSharePolicyFilter."""
    qs = _archived_and_keyword(qs, f)
    if f.get("partnerShareRates"):
        qs = qs.filter(partner_share_rate__in=f["partnerShareRates"])
    return qs


def filter_additional_fee_policies(qs: QuerySet, f: dict[str, Any]) -> QuerySet:
    """`f`: validated policies.inputs.AdditionalFeePolicyFilter."""
    qs = _archived_and_keyword(qs, f)
    if f.get("vatPayers"):
        qs = qs.filter(vat_payer__in=f["vatPayers"])
    return qs


def entity_list(kind: versioning.Kind, *, is_for_test: bool) -> QuerySet:
    """Every entity of `kind` in one mode, newest first, with due schedules applied."""
    versioning.promote_due(kind)
    return kind.model.objects.filter(is_for_test=is_for_test).order_by("-created_at", "-id")


# --- filter options -----------------------------------------------------------------------------


def discount_share_rates(*, is_for_test: bool, is_archived: bool) -> list[int]:
    """The distinct partner share rates in use, ascending (discount-share-policy filter options)."""
    versioning.promote_due(services.DISCOUNT_SHARE_POLICY)
    return list(
        services.DISCOUNT_SHARE_POLICY.model.objects.filter(
            is_for_test=is_for_test, is_archived=is_archived
        )
        .values_list("partner_share_rate", flat=True)
        .distinct()
        .order_by("partner_share_rate")
    )
