"""What every kind of transfer checks and derives, written once: the partner, the currency,
user-defined properties and settlement parameters, ids, the initial status and the settlement
date, and the snapshot of what the calculation produced.

The lookups are set-based (`BatchLookups`: one query per kind for a whole batch) and the single
API calls are one-row batches of the same code, so a file row and an API call can never be
checked differently. Refusals are core.errors domain errors with the SDK's codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Model, QuerySet

from core.errors import Conflict, Invalid, NotFound
from core.iterables import chunked
from partners.domain.banks import SUPPORTED_CURRENCIES
from partners.models import Partner, UserDefinedProperty
from policies.models import PlatformSetting
from settlements.domain import calculation as calc
from settlements.domain import dates
from settlements.models import (
    AMOUNT_FIELDS,
    ClosedDay,
    SettlementParameter,
    Transfer,
    TransferStatus,
)
from settlements.services.refusals import refusal
from settlements.services.versions import Versions

# Keys per `IN (...)` lookup: far below the bind-parameter limits of SQLite (32,766) and
# PostgreSQL (65,535).
KEY_CHUNK = 5_000


def by_public_id(queryset: QuerySet, ids: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for chunk in chunked(set(ids), KEY_CHUNK):
        out.update((obj.public_id, obj) for obj in queryset.filter(public_id__in=chunk))
    return out


def _known_keys(model: type[Model], keys: set[str]) -> set[str]:
    if not keys:
        return set()
    return set(model.objects.filter(key__in=keys).values_list("key", flat=True))


# --- refusals ---------------------------------------------------------------------------------


def partner_not_found(public_id: str) -> NotFound:
    return NotFound(
        "PLATFORM_PARTNER_NOT_FOUND", f"partnerId: 파트너를 찾을 수 없습니다: {public_id}"
    )


def transfer_id_used(public_id: str) -> Conflict:
    return Conflict(
        "PLATFORM_TRANSFER_ID_ALREADY_USED", f"이미 사용된 정산건 아이디입니다: {public_id}"
    )


def check_currency(currency: str) -> None:
    if currency not in SUPPORTED_CURRENCIES:
        raise Invalid(
            "PLATFORM_CURRENCY_NOT_SUPPORTED", f"지원하지 않는 정산 통화입니다: {currency}"
        )


# --- the batch's lookups ----------------------------------------------------------------------


class BatchLookups:
    """Partners, property and parameter keys and taken ids of a batch, each read with one query
    (per KEY_CHUNK keys); the checks below then run per row against these sets. `taken` grows
    as rows are accepted, so a later row of the batch sees the ids of earlier ones."""

    def __init__(
        self,
        *,
        is_for_test: bool,
        partner_ids: Iterable[str],
        property_keys: Iterable[str] = (),
        parameter_keys: Iterable[str] = (),
        transfer_ids: Iterable[str] = (),
    ) -> None:
        self.is_for_test = is_for_test
        self.partners: dict[str, Partner] = by_public_id(
            Partner.objects.select_related("default_contract").filter(
                is_for_test=is_for_test, is_archived=False
            ),
            partner_ids,
        )
        self.known_properties = _known_keys(UserDefinedProperty, set(property_keys))
        self.known_parameters = _known_keys(SettlementParameter, set(parameter_keys))
        self.taken: set[str] = set()
        for chunk in chunked(set(transfer_ids) - {""}, KEY_CHUNK):
            self.taken.update(
                Transfer.objects.filter(is_for_test=is_for_test, public_id__in=chunk).values_list(
                    "public_id", flat=True
                )
            )

    def partner(self, public_id: str) -> Partner:
        """An existing, not archived partner of the mode."""
        partner = self.partners.get(public_id)
        if partner is None:
            raise partner_not_found(public_id)
        return partner

    def properties(self, properties: list[dict]) -> list[dict]:
        """User-defined properties as stored: `{key, value: {string}}`; keys must be declared."""
        unknown = sorted({p["key"] for p in properties} - self.known_properties)
        if unknown:
            raise NotFound(
                "PLATFORM_USER_DEFINED_PROPERTY_NOT_FOUND",
                f"등록되지 않은 사용자 정의 속성입니다: {', '.join(unknown)}",
            )
        return [{"key": p["key"], "value": {"string": p["value"]["string"]}} for p in properties]

    def parameters(self, parameters: dict[str, dict]) -> dict[str, dict]:
        unknown = sorted(set(parameters) - self.known_parameters)
        if unknown:
            raise NotFound(
                "PLATFORM_SETTLEMENT_PARAMETER_NOT_FOUND",
                f"등록되지 않은 정산 파라미터입니다: {', '.join(unknown)}",
            )
        return parameters

    def check_id(self, public_id: str | None) -> None:
        """A caller-chosen id must be unused (in the database and earlier in the batch)."""
        if public_id and public_id in self.taken:
            raise transfer_id_used(public_id)

    def take_id(self, public_id: str | None) -> None:
        if public_id:
            self.taken.add(public_id)


# --- dates and statuses -----------------------------------------------------------------------


def calendar() -> dates.BusinessCalendar:
    """Public holidays plus the platform's closed days (docs/dates.md, "Business days")."""
    return dates.BusinessCalendar(frozenset(ClosedDay.objects.values_list("date", flat=True)))


def initial_status(start: date | None, settlement_date: date, today: date) -> str:
    """The status written at creation: SCHEDULED before the start date, SETTLED from the
    settlement date, IN_PROCESS between (docs/statuses.md, "Transfer statuses")."""
    if settlement_date <= today and (start is None or start <= today):
        return TransferStatus.SETTLED
    if start is not None and start > today:
        return TransferStatus.SCHEDULED
    return TransferStatus.IN_PROCESS


def cycle_of(terms: dict[str, Any]) -> dates.SettlementCycle:
    """A contract version's settlement cycle (its terms as stored)."""
    return dates.SettlementCycle(
        lag_days=terms["lag_days"],
        date_policy=terms["date_policy"],
        method=terms["cycle_method"],
        days_of_week=tuple(terms["days_of_week"]),
        days_of_month=tuple(terms["days_of_month"]),
        manual_dates=tuple(dates.MonthDay(d["month"], d["day"]) for d in terms["manual_dates"]),
    )


def settlement_date(
    start: date,
    contract_terms: dict[str, Any],
    explicit: date | None,
    setting: PlatformSetting,
    business_days: dates.BusinessCalendar,
) -> date:
    """docs/dates.md, "Settlement date"; an explicit date before the start is refused."""
    try:
        return dates.settlement_date(
            start,
            cycle_of(contract_terms),
            business_days,
            adjust_after_holiday_if_earlier=setting.adjust_settlement_date_after_holiday_if_earlier,
            explicit=explicit,
        )
    except dates.SettlementDateEarlierThanStartDateError as exc:
        raise refusal(exc) from exc


# --- what the calculation produced, as stored --------------------------------------------------


def amount_columns(amount: calc.SettlementAmount) -> dict[str, int]:
    return {f"amount_{col}": getattr(amount, col) for col in AMOUNT_FIELDS.values()}


def amount_snapshot(amount: calc.SettlementAmount) -> dict[str, Any]:
    out: dict[str, Any] = {wire: getattr(amount, col) for wire, col in AMOUNT_FIELDS.items()}
    out["userDefinedFormulas"] = {}
    return out


def _discount_snapshot(d: calc.DiscountSettlement, policies: dict[str, dict]) -> dict:
    return {
        "sharePolicy": policies[d.share_policy_id],
        "amount": d.amount,
        "taxFreeAmount": d.tax_free_amount,
        "shareAmount": d.share_amount,
        "shareTaxFreeAmount": d.share_tax_free_amount,
    }


def _fee_snapshot(f: calc.AdditionalFeeSettlement, policies: dict[str, dict]) -> dict:
    return {"policy": policies[f.policy_id], "amount": f.amount, "vat": f.vat}


def _product_snapshot(p: calc.Product) -> dict:
    out = {"id": p.id, "name": p.name, "amount": p.amount, "taxFreeAmount": p.tax_free_amount}
    if p.tag is not None:
        out["tag"] = p.tag
    return out


def computed_snapshot(result: calc.OrderSettlement, versions: Versions) -> dict:
    """orderLines, discounts, additionalFees and amount of an ORDER or ORDER_CANCEL transfer, in
    the SDK's shape, with the policy versions used."""
    return {
        "orderLines": [
            {
                "product": _product_snapshot(line.product),
                "quantity": line.quantity,
                "discounts": [
                    _discount_snapshot(d, versions.discount_policies) for d in line.discounts
                ],
                "additionalFees": [
                    _fee_snapshot(f, versions.fee_policies) for f in line.additional_fees
                ],
                "amount": amount_snapshot(line.amount),
            }
            for line in result.order_lines
        ],
        "discounts": [_discount_snapshot(d, versions.discount_policies) for d in result.discounts],
        "additionalFees": [_fee_snapshot(f, versions.fee_policies) for f in result.additional_fees],
        "amount": amount_snapshot(result.amount),
    }
