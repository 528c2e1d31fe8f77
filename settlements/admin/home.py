"""The admin home (UNFOLD["DASHBOARD_CALLBACK"]): what the finance team looks at first.

Cards come from providers: a function `(request, is_for_test) -> list[Card]` registered with
`card_provider`. The settlement cards are below; payouts and tax invoices add theirs the same way
from their own admin modules (`from settlements.admin.home import Card, card_provider`), so the
home needs no change when they land. The numbers come from settlements.selectors.home (set-based
SQL aggregates); the chart is drawn by Chart.js, the copy django-unfold vendors
(static/unfold/js/chart/chart.js, MIT), from data passed with `json_script`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.admin.navigation import links
from settlements.admin.common import amount_text
from settlements.models import PartnerSettlementStatus
from settlements.selectors import home as numbers

VIEW_PERMISSION = "settlements.view_transfer"
SETTLEMENTS_PERMISSION = "settlements.view_partnersettlement"


@dataclass
class Card:
    """One card of the home: a title, its main figure, lines below it, a link."""

    key: str  # the card's element id: home-card-<key>
    title: str
    value: str
    lines: list[str] = field(default_factory=list)
    link: str = ""
    link_label: str = ""
    tone: str = ""  # "", "warning", "danger"
    negative: bool = False


CardProvider = Callable[[Any, bool], list[Card]]
PROVIDERS: list[CardProvider] = []


def card_provider(func: CardProvider) -> CardProvider:
    """Register `func` to add cards to the home (in registration order)."""
    if func not in PROVIDERS:
        PROVIDERS.append(func)
    return func


def _url(name: str, query: dict[str, Any] | None = None) -> str:
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(query)}" if query else url


def _dashboard_link(is_for_test: bool, date_from: date, date_until: date) -> str:
    return _url(
        "settlements-dashboard",
        {
            "mode": "test" if is_for_test else "live",
            "date_from": date_from.isoformat(),
            "date_until": date_until.isoformat(),
        },
    )


def _other_currencies(rows: list[dict[str, Any]], key: str) -> list[str]:
    return [f"{r['currency']} {r[key]:,}" for r in rows if r["currency"] != "KRW" and r[key]]


def _due_card(key: str, title: str, due: numbers.Due, is_for_test: bool) -> Card:
    krw = due.of("KRW")
    return Card(
        key=key,
        title=f"{title} ({due.date_from:%m.%d} ~ {due.date_until:%m.%d})",
        value=amount_text(krw["net"]),
        negative=krw["net"] < 0,
        lines=[
            f"정산 내역 {amount_text(krw['gathered'])} · 정산 예정 {amount_text(krw['scheduled'])}",
            f"정산건 {krw['transfers']:,}건",
            *_other_currencies(due.currencies, "net"),
        ],
        link=_dashboard_link(is_for_test, due.date_from, due.date_until),
        link_label="정산 대시보드에서 보기",
    )


def settlement_cards(request, is_for_test: bool) -> list[Card]:
    """Due this week and this month; held and failed partner settlements; money due to
    partners whose business is closed or suspended or whose account is not verified."""
    cards: list[Card] = []
    today = timezone.localdate()
    if request.user.has_perm(VIEW_PERMISSION):
        week_from, week_until = numbers.week_of(today)
        month_from, month_until = numbers.month_of(today)
        week = numbers.due_between(
            is_for_test=is_for_test, date_from=week_from, date_until=week_until
        )
        month = numbers.due_between(
            is_for_test=is_for_test, date_from=month_from, date_until=month_until
        )
        cards += [
            _due_card("week", "이번 주 지급 예정", week, is_for_test),
            _due_card("month", "이번 달 지급 예정", month, is_for_test),
        ]
    if request.user.has_perm(SETTLEMENTS_PERMISSION):
        rows = numbers.settlements_in_status(
            is_for_test=is_for_test, statuses=numbers.HELD_AND_FAILED
        )
        for status, key, tone in (
            (PartnerSettlementStatus.PAYOUT_WITHHELD, "held", "warning"),
            (PartnerSettlementStatus.PAYOUT_FAILED, "failed", "danger"),
        ):
            mine = [r for r in rows if r["status"] == status]  # at most one row per currency
            count = sum(r["count"] for r in mine)
            krw = next((r["amount"] for r in mine if r["currency"] == "KRW"), 0)
            cards.append(
                Card(
                    key=key,
                    title=f"{status.label} 정산 내역",
                    value=f"{count:,}건",
                    lines=[amount_text(krw), *_other_currencies(mine, "amount")],
                    link=_url(
                        "admin:settlements_partnersettlement_changelist",
                        {"status__exact": status.value, "is_for_test__exact": int(is_for_test)},
                    ),
                    link_label="목록 보기",
                    tone=tone if count else "",
                )
            )
    return cards


card_provider(settlement_cards)


def doubtful_warning(request, is_for_test: bool) -> dict[str, Any] | None:
    """Money still to be paid to partners whose business is closed or suspended, or whose account
    is not verified: the warning above the cards (None when there is none)."""
    if not request.user.has_perm(VIEW_PERMISSION):
        return None
    rows = numbers.doubtful_due(is_for_test=is_for_test)
    if not rows:
        return None
    first = min(r["first_date"] for r in rows)
    last = max(r["last_date"] for r in rows)
    link_until = min(last, date.fromordinal(first.toordinal() + 365))  # the dashboard's limit
    return {
        "amounts": [amount_text(r["net"], r["currency"]) for r in rows],
        "partners": sum(r["partners"] for r in rows),
        "closed_partners": sum(r["closed_partners"] for r in rows),
        "unverified_partners": sum(r["unverified_partners"] for r in rows),
        "transfers": sum(r["transfers"] for r in rows),
        "first_date": first,
        "last_date": last,
        "link": _dashboard_link(is_for_test, first, link_until),
    }


def chart_data(request, is_for_test: bool) -> dict[str, Any] | None:
    """The next CHART_DAYS days' money due, per settlement date and currency (for Chart.js)."""
    if not request.user.has_perm(VIEW_PERMISSION):
        return None
    chart = numbers.due_by_date(is_for_test=is_for_test, date_from=timezone.localdate())
    return chart.as_json()


def dashboard_callback(request, context: dict[str, Any]) -> dict[str, Any]:
    is_for_test = request.GET.get("mode") == "test"
    cards: list[Card] = []
    for provider in PROVIDERS:
        cards += provider(request, is_for_test)
    context.update(
        sections=links(request),
        home_cards=cards,
        home_warning=doubtful_warning(request, is_for_test),
        home_chart=chart_data(request, is_for_test),
        home_mode="test" if is_for_test else "live",
        home_chart_days=numbers.CHART_DAYS,
    )
    return context
