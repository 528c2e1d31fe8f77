"""The settlement dashboard's numbers (정산 대시보드): what is still to be paid per partner or
contract, per currency and per settlement date, aggregated in SQL (GROUP BY with SUMs, never a
Python loop over transfers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import BigIntegerField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from settlements.models import (
    PartnerSettlementStatus,
    Transfer,
    TransferStatus,
    TransferType,
    transfer_status_q,
)

_ORDER = Q(type=TransferType.ORDER)
_CANCEL = Q(type=TransferType.ORDER_CANCEL)
_MANUAL = Q(type=TransferType.MANUAL)


def _sum(column: str, condition: Q) -> Coalesce:
    return Coalesce(Sum(column, filter=condition), Value(0), output_field=BigIntegerField())


def _net(column: str) -> Coalesce:
    """ORDER and MANUAL add, ORDER_CANCEL (stored as a positive magnitude) subtracts."""
    signed = Case(When(_CANCEL, then=-F(column)), default=F(column), output_field=BigIntegerField())
    return Coalesce(Sum(signed), Value(0), output_field=BigIntegerField())


#: (key, Korean header) of the money columns, in table order; every value is a SQL aggregate.
DASHBOARD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("sales", "주문 정산금액"),
    ("cancellations", "취소 정산금액"),
    ("adjust_plus", "수기 조정(+)"),
    ("adjust_minus", "수기 조정(−)"),
    ("platform_fee", "중개수수료"),
    ("platform_fee_vat", "중개수수료 부가세"),
    ("additional_fee", "추가 수수료"),
    ("additional_fee_vat", "추가 수수료 부가세"),
    ("discount_share", "할인 분담금"),
    ("net", "지급 예정액"),
)


def _aggregates() -> dict[str, Any]:
    # Fees, VAT and discount shares are already deducted inside each settlement amount; they are
    # shown for reference, net of cancellations. MANUAL transfers carry only settlement amounts.
    return {
        "transfer_count": Count("id"),
        "sales": _sum("amount_settlement", _ORDER),
        "cancellations": _sum("amount_settlement", _CANCEL),
        "adjust_plus": _sum("amount_settlement", _MANUAL & Q(amount_settlement__gt=0)),
        "adjust_minus": _sum("amount_settlement", _MANUAL & Q(amount_settlement__lt=0)),
        "platform_fee": _net("amount_platform_fee"),
        "platform_fee_vat": _net("amount_platform_fee_vat"),
        "additional_fee": _net("amount_additional_fee"),
        "additional_fee_vat": _net("amount_additional_fee_vat"),
        "discount_share": _net("amount_discount_share"),
        "net": _net("amount_settlement"),
    }


NO_CONTRACT = "(계약 없음: 수기 정산)"
GROUPS = {
    "partner": ("partner__public_id", "partner__name", "파트너"),
    "contract": ("contract__public_id", "contract__name", "계약"),
}


def dashboard_transfers(*, is_for_test: bool, date_from: date, date_until: date) -> QuerySet:
    """Transfers that are still to be paid in the period: not PAID_OUT (stored, or through their
    partner settlement), and not in a partner settlement excluded from payout (지급 제외, never
    paid)."""
    return (
        Transfer.objects.filter(
            is_for_test=is_for_test, settlement_date__gte=date_from, settlement_date__lte=date_until
        )
        .exclude(transfer_status_q([TransferStatus.PAID_OUT]))
        .exclude(partner_settlement__status=PartnerSettlementStatus.PAYOUT_EXCLUDED)
    )


@dataclass
class Dashboard:
    group: str
    rows: list[dict[str, Any]]
    totals: list[dict[str, Any]]  # one per currency
    dates: list[dict[str, Any]]  # (settlement_date, currency) -> net, count


def dashboard_build(qs: QuerySet, group: str) -> Dashboard:
    id_field, name_field, _ = GROUPS[group]
    rows = list(
        qs.values(id_field, name_field, "settlement_currency")
        .annotate(**_aggregates())
        .order_by("settlement_currency", "-net", id_field)
    )
    for row in rows:
        row["key"] = row.pop(id_field)
        row["name"] = row.pop(name_field)
        row["currency"] = row.pop("settlement_currency")
    totals = list(
        qs.values("settlement_currency").annotate(**_aggregates()).order_by("settlement_currency")
    )
    for total in totals:
        total["currency"] = total.pop("settlement_currency")
    dates = list(
        qs.values("settlement_date", "settlement_currency")
        .annotate(net=_net("amount_settlement"), transfer_count=Count("id"))
        .order_by("settlement_currency", "settlement_date")
    )
    return Dashboard(group=group, rows=rows, totals=totals, dates=dates)
