"""The admin home's numbers (홈 대시보드): money still to be paid this week and this month, partner
settlements held or failed, money due to partners whose business or account is in doubt, and the
next days' amounts due for the chart.

Every number is one set-based SQL aggregate (GROUP BY currency, or date and currency); nothing
loops over transfers or settlements in Python. "Still to be paid" is what the settlement dashboard
counts (settlements.selectors.dashboard.dashboard_transfers): not PAID_OUT and not in a
settlement excluded from payout.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from partners.models import AccountStatus, BusinessStatus
from settlements.models import (
    OPEN_BUCKET_STATUS,
    PartnerSettlement,
    PartnerSettlementStatus,
    TransferType,
)
from settlements.selectors.dashboard import dashboard_transfers

#: businesses whose money must not go out without a look (docs/partners.md)
DOUBTFUL_BUSINESS = (BusinessStatus.CLOSED, BusinessStatus.SUSPENDED)
CHART_DAYS = 30


def doubtful_partner_q(prefix: str = "partner__") -> Q:
    """Partners whose business is closed or suspended (휴·폐업), or whose account is not verified
    (예금주 미확인): money due to them gets a warning."""
    return Q(**{f"{prefix}business_status__in": DOUBTFUL_BUSINESS}) | ~Q(
        **{f"{prefix}account_status": AccountStatus.VERIFIED}
    )


def signed_amount(column: str, type_field: str) -> Case:
    """ORDER_CANCEL amounts are stored as positive magnitudes: they subtract."""
    return Case(
        When(**{type_field: TransferType.ORDER_CANCEL}, then=-F(column)),
        default=F(column),
        output_field=BigIntegerField(),
    )


def _total(expression, condition: Q | None = None) -> Coalesce:
    return Coalesce(Sum(expression, filter=condition), Value(0), output_field=BigIntegerField())


_GATHERED = Q(partner_settlement__isnull=False) & ~Q(partner_settlement__status=OPEN_BUCKET_STATUS)


def week_of(today: date) -> tuple[date, date]:
    """Monday to Sunday of the week holding `today`."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def month_of(today: date) -> tuple[date, date]:
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


@dataclass
class Due:
    """Money still to be paid with a settlement date in [date_from, date_until], per currency:
    net (the whole), gathered (already in a partner settlement, 정산 내역) and scheduled (not
    gathered yet, 정산 예정)."""

    date_from: date
    date_until: date
    currencies: list[dict[str, Any]] = field(default_factory=list)

    def of(self, currency: str = "KRW") -> dict[str, Any]:
        for row in self.currencies:
            if row["currency"] == currency:
                return row
        return {"currency": currency, "net": 0, "gathered": 0, "scheduled": 0, "transfers": 0}


def due_between(*, is_for_test: bool, date_from: date, date_until: date) -> Due:
    signed = signed_amount("amount_settlement", "type")
    rows = (
        dashboard_transfers(is_for_test=is_for_test, date_from=date_from, date_until=date_until)
        .values("settlement_currency")
        .annotate(
            net=_total(signed),
            gathered=_total(signed, _GATHERED),
            scheduled=_total(signed, ~_GATHERED),
            transfers=Count("id"),
        )
        .order_by("settlement_currency")
    )
    return Due(
        date_from,
        date_until,
        [{"currency": r.pop("settlement_currency"), **r} for r in rows],
    )


def settlements_in_status(*, is_for_test: bool, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
    """Partner settlements per (status, currency): how many, and their net amount."""
    rows = (
        PartnerSettlement.objects.filter(is_for_test=is_for_test, status__in=statuses)
        .values("status", "settlement_currency")
        .annotate(
            count=Count("id"),
            amount=_total(signed_amount("amount_settlement", "settlement_type")),
        )
        .order_by("status", "settlement_currency")
    )
    return [{"currency": r.pop("settlement_currency"), **r} for r in rows]


HELD_AND_FAILED = (PartnerSettlementStatus.PAYOUT_WITHHELD, PartnerSettlementStatus.PAYOUT_FAILED)


def outstanding_transfers(*, is_for_test: bool) -> QuerySet:
    """Every transfer still to be paid, whatever its settlement date."""
    return dashboard_transfers(is_for_test=is_for_test, date_from=date.min, date_until=date.max)


def doubtful_due(*, is_for_test: bool) -> list[dict[str, Any]]:
    """Money still to be paid to doubtful partners (`doubtful_partner_q`), per currency: the net,
    how many partners (closed or suspended, unverified account), and the settlement dates it
    spans."""
    rows = (
        outstanding_transfers(is_for_test=is_for_test)
        .filter(doubtful_partner_q())
        .values("settlement_currency")
        .annotate(
            net=_total(signed_amount("amount_settlement", "type")),
            transfers=Count("id"),
            partners=Count("partner", distinct=True),
            closed_partners=Count(
                "partner",
                distinct=True,
                filter=Q(partner__business_status__in=DOUBTFUL_BUSINESS),
            ),
            unverified_partners=Count(
                "partner", distinct=True, filter=~Q(partner__account_status=AccountStatus.VERIFIED)
            ),
            first_date=Min("settlement_date"),
            last_date=Max("settlement_date"),
        )
        .order_by("settlement_currency")
    )
    return [{"currency": r.pop("settlement_currency"), **r} for r in rows]


@dataclass
class DueChart:
    labels: list[str]  # yyyy-mm-dd, one per day
    datasets: list[dict[str, Any]]  # {"currency", "data": [net per day]}

    def as_json(self) -> dict[str, Any]:
        return {"labels": self.labels, "datasets": self.datasets}


def due_by_date(*, is_for_test: bool, date_from: date, days: int = CHART_DAYS) -> DueChart:
    """Net still to be paid per settlement date and currency over `days` days (zero on days
    without transfers); KRW first."""
    date_until = date_from + timedelta(days=days - 1)
    rows = (
        dashboard_transfers(is_for_test=is_for_test, date_from=date_from, date_until=date_until)
        .values("settlement_date", "settlement_currency")
        .annotate(net=_total(signed_amount("amount_settlement", "type")))
        .order_by()
    )
    dates = [date_from + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(dates)}
    series: dict[str, list[int]] = {"KRW": [0] * days}
    for row in rows:  # at most one row per (day, currency): already aggregated
        series.setdefault(row["settlement_currency"], [0] * days)[index[row["settlement_date"]]] = (
            row["net"]
        )
    order = sorted(series, key=lambda c: (c != "KRW", c))
    return DueChart(
        labels=[d.isoformat() for d in dates],
        datasets=[{"currency": c, "data": series[c]} for c in order],
    )


def doubtful_partner_keys(qs: QuerySet, id_field: str) -> dict[str, dict[str, Any]]:
    """For the settlement dashboard's partner rows: the doubtful partners among `qs`'s, by
    `id_field` (partner public id), with their business and account statuses."""
    rows = (
        qs.filter(doubtful_partner_q())
        .values(id_field, "partner__business_status", "partner__account_status")
        .distinct()
        .order_by()
    )
    return {
        r[id_field]: {
            "business_status": r["partner__business_status"],
            "account_status": r["partner__account_status"],
        }
        for r in rows
    }


def doubtful_summary(qs: QuerySet) -> list[dict[str, Any]]:
    """Of transfers `qs` (the dashboard's period), what goes to doubtful partners, per currency:
    the net and how many partners."""
    rows = (
        qs.filter(doubtful_partner_q())
        .values("settlement_currency")
        .annotate(
            net=_total(signed_amount("amount_settlement", "type")),
            partners=Count("partner", distinct=True),
        )
        .order_by("settlement_currency")
    )
    return [{"currency": r.pop("settlement_currency"), **r} for r in rows]
