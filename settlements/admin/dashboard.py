"""The settlement dashboard (정산 대시보드): what will be paid per partner or contract in a period,
as a table, a bar chart (Chart.js, the copy django-unfold vendors) and an XLSX download, with a
warning beside partners whose business is closed or suspended or whose account is not verified.
Reads only; the numbers come from settlements.selectors.dashboard and .home."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from core.files import sheets
from partners.models import AccountStatus, BusinessStatus
from settlements.admin.common import amount_text
from settlements.selectors.dashboard import (
    DASHBOARD_COLUMNS,
    GROUPS,
    NO_CONTRACT,
    dashboard_build,
    dashboard_transfers,
)
from settlements.selectors.home import (
    DOUBTFUL_BUSINESS,
    doubtful_partner_keys,
    doubtful_summary,
)

VIEW_PERMISSION = "settlements.view_transfer"


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _context(request, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **extra}


DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366
TABLE_ROWS_SHOWN = 500


_DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DashboardForm(forms.Form):
    mode = forms.ChoiceField(
        label="모드", choices=[("live", "운영"), ("test", "테스트")], required=False
    )
    date = forms.DateField(label="정산일", required=False, widget=_DATE_INPUT)
    date_from = forms.DateField(label="기간 시작", required=False, widget=_DATE_INPUT)
    date_until = forms.DateField(label="기간 끝", required=False, widget=_DATE_INPUT)
    group = forms.ChoiceField(
        label="묶음", choices=[("partner", "파트너별"), ("contract", "계약별")], required=False
    )

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        if data.get("date"):
            data["date_from"] = data["date_until"] = data["date"]
        else:
            data["date_from"] = data.get("date_from") or today
            data["date_until"] = data.get("date_until") or data["date_from"] + timedelta(
                days=DEFAULT_PERIOD_DAYS - 1
            )
        if data["date_until"] < data["date_from"]:
            raise forms.ValidationError("기간 끝이 기간 시작보다 빠릅니다.")
        if (data["date_until"] - data["date_from"]).days >= MAX_PERIOD_DAYS:
            raise forms.ValidationError(f"기간은 {MAX_PERIOD_DAYS}일까지 볼 수 있습니다.")
        data["mode"] = data.get("mode") or "live"
        data["group"] = data.get("group") or "partner"
        return data


def _charts(dates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bars per currency, scaled to the largest absolute net of that currency (the aggregated
    date rows, at most one per day of the period)."""
    charts: dict[str, dict[str, Any]] = {}
    for row in dates:
        chart = charts.setdefault(row["settlement_currency"], {"bars": [], "max": 0})
        chart["bars"].append(row)
        chart["max"] = max(chart["max"], abs(row["net"]))
    out = []
    for currency, chart in charts.items():
        top = chart["max"] or 1
        bars = [
            {
                "date": bar["settlement_date"],
                "net": bar["net"],
                "count": bar["transfer_count"],
                "percent": max(round(abs(bar["net"]) * 100 / top, 1), 1 if bar["net"] else 0),
                "negative": bar["net"] < 0,
            }
            for bar in chart["bars"]
        ]
        out.append({"currency": currency, "bars": bars, "max": chart["max"]})
    return out


#: the page's money columns: what will be paid first, then how it is made up
TABLE_COLUMNS = (
    *[c for c in DASHBOARD_COLUMNS if c[0] == "net"],
    *[c for c in DASHBOARD_COLUMNS if c[0] != "net"],
)


def _cells(row: dict[str, Any], currency: str) -> list[dict[str, Any]]:
    """The money cells of a table row, formatted (1,234,567원), negatives marked."""
    return [
        {"key": key, "text": amount_text(row[key], currency), "negative": row[key] < 0}
        for key, _ in TABLE_COLUMNS
    ]


def _chart_json(dates: list[dict[str, Any]], date_from, date_until) -> dict[str, Any]:
    """Chart.js data: one label per day of the period, one dataset per currency (KRW first),
    zero on days without transfers; from the aggregated date rows."""
    days = (date_until - date_from).days + 1
    labels = [date_from + timedelta(days=i) for i in range(days)]
    series: dict[str, list[int]] = {}
    for row in dates:  # one row per (day, currency): already aggregated in SQL
        data = series.setdefault(row["settlement_currency"], [0] * days)
        data[(row["settlement_date"] - date_from).days] = row["net"]
    order = sorted(series, key=lambda c: (c != "KRW", c))
    return {
        "labels": [d.isoformat() for d in labels],
        "datasets": [{"currency": c, "data": series[c]} for c in order],
    }


def _warning(info: dict[str, str]) -> list[str]:
    """What is wrong with a partner, in Korean: 폐업 / 휴업, 계좌 미인증 / 예금주 불일치 ..."""
    out = []
    if info["business_status"] in DOUBTFUL_BUSINESS:
        out.append(str(BusinessStatus(info["business_status"]).label))
    if info["account_status"] != AccountStatus.VERIFIED:
        out.append(f"계좌 {AccountStatus(info['account_status']).label}")
    return out


def _dashboard_params(request) -> tuple[DashboardForm, dict[str, Any] | None]:
    """The query string as cleaned parameters (defaults filled in), and the form to show: the
    bound one with its errors, or a fresh one showing the parameters actually applied."""
    form = DashboardForm(request.GET)
    if not form.is_valid():
        return form, None
    params = form.cleaned_data
    shown = {k: v for k, v in params.items() if k != "date"}
    if request.GET.get("date"):
        shown = {"mode": params["mode"], "group": params["group"], "date": params["date"]}
    return DashboardForm(initial=shown), params


def dashboard_view(request) -> HttpResponse:
    _require(request, VIEW_PERMISSION)
    form, params = _dashboard_params(request)
    context = _context(
        request, "정산 대시보드", form=form, columns=DASHBOARD_COLUMNS, table_columns=TABLE_COLUMNS
    )
    if params is not None:
        qs = dashboard_transfers(
            is_for_test=params["mode"] == "test",
            date_from=params["date_from"],
            date_until=params["date_until"],
        )
        board = dashboard_build(qs, params["group"])
        rows = board.rows[:TABLE_ROWS_SHOWN]
        doubtful = (
            doubtful_partner_keys(qs, GROUPS["partner"][0]) if params["group"] == "partner" else {}
        )
        for row in rows:
            row["cells"] = _cells(row, row["currency"])
            row["warnings"] = _warning(doubtful[row["key"]]) if row["key"] in doubtful else []
        for total in board.totals:
            total["cells"] = _cells(total, total["currency"])
            total["net_text"] = amount_text(total["net"], total["currency"])
            total["sales_text"] = amount_text(total["sales"], total["currency"])
            total["cancellations_text"] = amount_text(total["cancellations"], total["currency"])
        warning = doubtful_summary(qs)
        context.update(
            params=params,
            group_label=GROUPS[params["group"]][2],
            rows=rows,
            row_count=len(board.rows),
            rows_cut=len(board.rows) > TABLE_ROWS_SHOWN,
            totals=board.totals,
            charts=_charts(board.dates),
            chart_json=_chart_json(board.dates, params["date_from"], params["date_until"]),
            doubtful_amounts=[amount_text(w["net"], w["currency"]) for w in warning],
            doubtful_partners=sum(w["partners"] for w in warning),
            xlsx_query=request.GET.urlencode(),
        )
    return render(request, "settlements/dashboard.html", context)


def _table_cells(row: dict[str, Any]) -> list[Any]:
    return [row[key] for key, _ in DASHBOARD_COLUMNS]


def dashboard_xlsx_view(request) -> HttpResponse:
    """The dashboard table as XLSX (openpyxl write-only): the grouped rows with a total per
    currency, and the settlement dates of the chart on a second sheet."""
    _require(request, VIEW_PERMISSION)
    _, params = _dashboard_params(request)
    if params is None:
        messages.error(request, "조회 조건이 올바르지 않습니다.")
        return redirect("settlements-dashboard")
    qs = dashboard_transfers(
        is_for_test=params["mode"] == "test",
        date_from=params["date_from"],
        date_until=params["date_until"],
    )
    board = dashboard_build(qs, params["group"])
    label = GROUPS[params["group"]][2]
    money = [header for _, header in DASHBOARD_COLUMNS]
    headers = [f"{label} 아이디", f"{label} 이름", "통화", "정산건 수", *money]
    rows: list[list[Any]] = [
        [
            r["key"] or NO_CONTRACT,
            r["name"] or "",
            r["currency"],
            r["transfer_count"],
            *_table_cells(r),
        ]
        for r in board.rows
    ]
    rows += [
        ["합계", "", t["currency"], t["transfer_count"], *_table_cells(t)] for t in board.totals
    ]
    amount_columns = frozenset(range(3, len(headers)))
    date_rows = [
        [d["settlement_date"], d["settlement_currency"], d["transfer_count"], d["net"]]
        for d in board.dates
    ]
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    sheets.write_xlsx(
        spool,
        [
            sheets.SheetSpec(
                title=f"{label}별",
                headers=headers,
                rows=rows,
                amount_columns=amount_columns,
                widths=[22, 24, 8, 10, *([16] * len(money))],
            ),
            sheets.SheetSpec(
                title="정산일별",
                headers=["정산일", "통화", "정산건 수", "지급 예정액"],
                rows=date_rows,
                amount_columns=frozenset({2, 3}),
                widths=[14, 8, 10, 16],
            ),
        ],
    )
    spool.seek(0)
    mode = "test-" if params["mode"] == "test" else ""
    filename = (
        f"settlement-dashboard-{mode}{params['group']}-"
        f"{params['date_from']:%Y%m%d}-{params['date_until']:%Y%m%d}.xlsx"
    )
    return FileResponse(
        spool, as_attachment=True, filename=filename, content_type=sheets.XLSX_CONTENT_TYPE
    )
