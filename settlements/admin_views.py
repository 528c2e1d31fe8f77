"""Finance-team pages inside the admin (정산 도구): the settlement dashboard (정산 대시보드) and the
bulk manual-transfer upload (수기 정산 일괄 등록).

Plain Django views wrapped in `admin.site.admin_view`; `urls()` returns their paths (mounted under
admin/settlements/tools/). The dashboard only reads, and aggregates in SQL (GROUP BY with SUMs,
never a Python loop over transfers). The upload validates the whole file and writes through one
`settlements.transfers.manual_transfers_create` call: every row or none. Between preview and
confirm the validated rows wait in a server-side file named by a random token that only the
session knows (with several web servers VAR_DIR must be shared storage).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from core.errors import ApiError
from core.files import sheets
from core.files.stage import UploadStage
from partners.banks import SUPPORTED_CURRENCIES
from partners.models import Partner
from settlements.models import (
    PartnerSettlementStatus,
    Transfer,
    TransferStatus,
    TransferType,
    transfer_status_q,
)
from settlements.transfers import manual_transfers_create

VIEW_PERMISSION = "settlements.view_transfer"
ADD_PERMISSION = "settlements.add_transfer"


def urls() -> list:
    """Mounted by settlement_site/urls.py under admin/settlements/tools/."""
    site = admin.site
    return [
        path("dashboard/", site.admin_view(dashboard_view), name="settlements-dashboard"),
        path(
            "dashboard/xlsx/",
            site.admin_view(dashboard_xlsx_view),
            name="settlements-dashboard-xlsx",
        ),
        path(
            "manual-transfers/upload/",
            site.admin_view(manual_upload_view),
            name="settlements-manual-upload",
        ),
        path(
            "manual-transfers/upload/confirm/",
            site.admin_view(manual_confirm_view),
            name="settlements-manual-upload-confirm",
        ),
        path(
            "manual-transfers/template/<str:fmt>/",
            site.admin_view(manual_template_view),
            name="settlements-manual-upload-template",
        ),
    ]


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _context(request, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **extra}


# =================================================================================================
# 정산 대시보드
# =================================================================================================

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366
TABLE_ROWS_SHOWN = 500

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
    context = _context(request, "정산 대시보드", form=form, columns=DASHBOARD_COLUMNS)
    if params is not None:
        qs = dashboard_transfers(
            is_for_test=params["mode"] == "test",
            date_from=params["date_from"],
            date_until=params["date_until"],
        )
        board = dashboard_build(qs, params["group"])
        context.update(
            params=params,
            group_label=GROUPS[params["group"]][2],
            rows=board.rows[:TABLE_ROWS_SHOWN],
            row_count=len(board.rows),
            rows_cut=len(board.rows) > TABLE_ROWS_SHOWN,
            totals=board.totals,
            charts=_charts(board.dates),
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


# =================================================================================================
# 수기 정산 일괄 등록
# =================================================================================================

#: field -> Korean header of the upload file, in template order
UPLOAD_COLUMNS: dict[str, str] = {
    "partner_id": "파트너 아이디",
    "settlement_amount": "정산금액",
    "settlement_tax_free_amount": "면세금액",
    "settlement_date": "정산일",
    "settlement_currency": "통화",
    "memo": "메모",
    "id": "정산건 아이디",
}
REQUIRED_COLUMNS = ("partner_id", "settlement_amount", "settlement_date")
MAX_ERRORS_SHOWN = 500
PREVIEW_ROWS = 20
ID_CHUNK = 2_000  # ids per `__in` query, far below every backend's parameter limit
INT64_MAX = 2**63 - 1
MEMO_MAX = 256
ID_MAX = 100
SESSION_KEY = "settlements_manual_upload_token"
# "12000", "-3000", "12,000", "-1,234,567" (commas only as thousands separators)
_INTEGER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet shows it: header = 1; 0 = the file as a whole
    column: str  # the Korean header ("" = whole row / file)
    message: str


@dataclass
class UploadPlan:
    is_for_test: bool
    filename: str = ""
    #: validated rows in file order: {"row", "partner_id", "settlement_amount", ...}
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def service_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "partner_id": r["partner_id"],
                "settlement_amount": r["settlement_amount"],
                "settlement_tax_free_amount": r["settlement_tax_free_amount"],
                "settlement_date": date.fromisoformat(r["settlement_date"]),
                "settlement_currency": r["settlement_currency"],
                "memo": r["memo"] or None,
                "id": r["id"] or None,
            }
            for r in self.rows
        ]

    def sums(self) -> list[dict[str, Any]]:
        """Per currency: rows, (+) and (−) amounts, net, tax-free (shown before confirm)."""
        out: dict[str, dict[str, Any]] = {}
        for r in self.rows:
            s = out.setdefault(
                r["settlement_currency"],
                {"count": 0, "plus": 0, "minus": 0, "net": 0, "tax_free": 0},
            )
            amount = r["settlement_amount"]
            s["count"] += 1
            s["plus" if amount > 0 else "minus"] += amount
            s["net"] += amount
            s["tax_free"] += r["settlement_tax_free_amount"]
        return [{"currency": c, **s} for c, s in sorted(out.items())]

    def as_json(self) -> dict[str, Any]:
        return {"is_for_test": self.is_for_test, "filename": self.filename, "rows": self.rows}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UploadPlan:
        return cls(is_for_test=data["is_for_test"], filename=data["filename"], rows=data["rows"])


def _header_key(header: str) -> str:
    """'정산일(YYYY-MM-DD)' == '정산일', '파트너아이디' == '파트너 아이디'."""
    return re.sub(r"\s+", "", re.sub(r"\(.*\)", "", header.replace("\ufeff", "")))


def parse_integer(text: str) -> int:
    """Whole won as typed in a sheet: '12,000' and '-3000' pass; '12.5' and '1,2' do not."""
    cleaned = text.strip().replace("\u2212", "-")  # a typographic minus pasted from documents
    if not _INTEGER.match(cleaned):
        raise ValueError("정수(원 단위)로 입력하세요. 소수점·문자는 쓸 수 없습니다.")
    value = int(cleaned.replace(",", ""))
    if abs(value) > INT64_MAX:
        raise ValueError("금액이 너무 큽니다.")
    return value


def parse_date(text: str) -> date:
    if not _DATE.match(text.strip()):
        raise ValueError("날짜는 YYYY-MM-DD 형식으로 입력하세요 (예: 2026-01-05).")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("존재하지 않는 날짜입니다.") from None


def _columns(headers: list[str]) -> tuple[dict[str, int], list[RowError]]:
    by_key = {_header_key(header): field for field, header in UPLOAD_COLUMNS.items()}
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, header in enumerate(headers):
        name = by_key.get(_header_key(header))
        if name is None:
            continue  # extra columns (notes, checks) are ignored
        if name in positions:
            errors.append(RowError(1, header, "같은 열이 두 번 있습니다."))
        positions[name] = index
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            errors.append(RowError(1, UPLOAD_COLUMNS[name], "필수 열이 없습니다."))
    return positions, errors


def _validate_row(
    number: int, get: Callable[[str], str], errors: list[RowError]
) -> dict[str, Any] | None:
    """One row's own checks (formats, signs, lengths); cross-row and database checks are in
    `_check_across_rows`. Returns the cleaned row, or None when it failed."""
    out: dict[str, Any] = {"row": number}
    failed = False

    def fail(name: str, message: str) -> None:
        nonlocal failed
        failed = True
        errors.append(RowError(number, UPLOAD_COLUMNS[name], message))

    out["partner_id"] = get("partner_id")
    if not out["partner_id"]:
        fail("partner_id", "필수 값입니다.")
    amount_text = get("settlement_amount")
    amount: int | None = None
    if not amount_text:
        fail("settlement_amount", "필수 값입니다.")
    else:
        try:
            amount = parse_integer(amount_text)
        except ValueError as exc:
            fail("settlement_amount", str(exc))
        else:
            if amount == 0:
                fail("settlement_amount", "0원은 등록할 수 없습니다.")
                amount = None
    tax_free = 0
    tax_free_text = get("settlement_tax_free_amount")
    if tax_free_text:
        try:
            tax_free = parse_integer(tax_free_text)
        except ValueError as exc:
            fail("settlement_tax_free_amount", str(exc))
        else:
            if (
                amount is not None
                and tax_free
                and ((tax_free > 0) != (amount > 0) or abs(tax_free) > abs(amount))
            ):
                fail(
                    "settlement_tax_free_amount",
                    "면세금액은 정산금액과 같은 부호이고 절댓값이 정산금액 이하여야 합니다.",
                )
    out["settlement_amount"] = amount
    out["settlement_tax_free_amount"] = tax_free
    date_text = get("settlement_date")
    if not date_text:
        fail("settlement_date", "필수 값입니다.")
    else:
        try:
            out["settlement_date"] = parse_date(date_text).isoformat()
        except ValueError as exc:
            fail("settlement_date", str(exc))
    currency = (get("settlement_currency") or "KRW").upper()
    if currency not in SUPPORTED_CURRENCIES:
        fail(
            "settlement_currency",
            f"지원하지 않는 통화입니다: {currency} (가능: {', '.join(SUPPORTED_CURRENCIES)})",
        )
    out["settlement_currency"] = currency
    out["memo"] = get("memo")
    if len(out["memo"]) > MEMO_MAX:
        fail("memo", f"{MEMO_MAX}자까지 쓸 수 있습니다.")
    out["id"] = get("id")
    if len(out["id"]) > ID_MAX:
        fail("id", f"{ID_MAX}자까지 쓸 수 있습니다.")
    return None if failed else out


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i : i + ID_CHUNK] for i in range(0, len(values), ID_CHUNK)]


def _check_across_rows(
    table_rows: list[tuple[int, dict[str, str]]], is_for_test: bool, errors: list[RowError]
) -> set[int]:
    """Partners exist and are not archived; 정산건 아이디 unique in the file and unused in the
    database (same mode). Returns the row numbers that failed."""
    failed: set[int] = set()
    partner_ids = sorted({cells["partner_id"] for _, cells in table_rows if cells["partner_id"]})
    archived: dict[str, bool] = {}
    for chunk in _chunks(partner_ids):
        archived.update(
            Partner.objects.filter(is_for_test=is_for_test, public_id__in=chunk).values_list(
                "public_id", "is_archived"
            )
        )
    seen: dict[str, int] = {}
    for number, cells in table_rows:
        pid = cells["partner_id"]
        if pid and pid not in archived:
            errors.append(
                RowError(number, UPLOAD_COLUMNS["partner_id"], f"파트너를 찾을 수 없습니다: {pid}")
            )
            failed.add(number)
        elif pid and archived[pid]:
            errors.append(
                RowError(number, UPLOAD_COLUMNS["partner_id"], f"보관된 파트너입니다: {pid}")
            )
            failed.add(number)
        tid = cells["id"]
        if tid:
            if tid in seen:
                errors.append(
                    RowError(
                        number,
                        UPLOAD_COLUMNS["id"],
                        f"{seen[tid]}행과 같은 정산건 아이디입니다: {tid}",
                    )
                )
                failed.add(number)
            else:
                seen[tid] = number
    used: set[str] = set()
    for chunk in _chunks(sorted(seen)):
        used.update(
            Transfer.objects.filter(is_for_test=is_for_test, public_id__in=chunk).values_list(
                "public_id", flat=True
            )
        )
    for tid in sorted(used, key=seen.__getitem__):
        errors.append(
            RowError(seen[tid], UPLOAD_COLUMNS["id"], f"이미 사용된 정산건 아이디입니다: {tid}")
        )
        failed.add(seen[tid])
    return failed


def manual_upload_validate(data: bytes, filename: str, *, is_for_test: bool) -> UploadPlan:
    """Read and check every row; nothing is written. Errors carry the sheet's row number and
    the column header, sorted by row."""
    plan = UploadPlan(is_for_test=is_for_test, filename=filename)
    try:
        table = sheets.read_table(data, filename)
    except sheets.FileError as exc:
        plan.errors.append(RowError(0, "", str(exc)))
        return plan
    positions, header_errors = _columns(table.headers)
    if header_errors:
        plan.errors.extend(header_errors)
        return plan
    if not table.rows:
        plan.errors.append(RowError(0, "", "등록할 행이 없습니다."))
        return plan
    errors: list[RowError] = []
    valid: list[dict[str, Any]] = []
    cells_by_row: list[tuple[int, dict[str, str]]] = []
    for number, cells in table.rows:

        def get(name: str, cells: list[str] = cells) -> str:
            index = positions.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        cells_by_row.append((number, {"partner_id": get("partner_id"), "id": get("id")}))
        row = _validate_row(number, get, errors)
        if row is not None:
            valid.append(row)
    failed = _check_across_rows(cells_by_row, is_for_test, errors)
    order = {header: i for i, header in enumerate(UPLOAD_COLUMNS.values())}
    plan.errors = sorted(errors, key=lambda e: (e.row, order.get(e.column, -1)))
    plan.rows = [] if plan.errors else [r for r in valid if r["row"] not in failed]
    return plan


# --- server-side store between preview and confirm ------------------------------------------------


STAGE = UploadStage("manual-transfer-uploads", SESSION_KEY)


def _discard(request) -> None:
    STAGE.discard(request)


def _store(request, plan: UploadPlan) -> None:
    STAGE.put(request, json.dumps(plan.as_json(), ensure_ascii=False).encode("utf-8"))


def _load(request) -> UploadPlan | None:
    """Take the stored plan out: a confirm can run once."""
    payload = STAGE.take(request)
    return None if payload is None else UploadPlan.from_json(json.loads(payload))


# --- views ----------------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label="파일 (CSV 또는 XLSX)",
        help_text="첫 행은 템플릿의 열 이름이어야 합니다. "
        "CSV는 UTF-8 또는 CP949(엑셀)로 저장하세요.",
    )
    mode = forms.ChoiceField(
        label="등록 모드",
        choices=[("live", "운영"), ("test", "테스트")],
        initial="live",
        widget=forms.RadioSelect,
    )


def _upload_context(request, **extra: Any) -> dict[str, Any]:
    return _context(
        request,
        "수기 정산 일괄 등록",
        columns=list(UPLOAD_COLUMNS.values()),
        max_errors=MAX_ERRORS_SHOWN,
        **extra,
    )


def _render_errors(request, form: UploadForm, errors: list[RowError]) -> HttpResponse:
    return render(
        request,
        "settlements/manual_upload.html",
        _upload_context(
            request,
            form=form,
            errors=errors[:MAX_ERRORS_SHOWN],
            error_count=len(errors),
            error_rows=len({e.row for e in errors if e.row}),
        ),
    )


def manual_upload_view(request) -> HttpResponse:
    """GET: the form. POST: validate the whole file; show every error, or counts and sums with
    a confirm button. Nothing is written here."""
    _require(request, ADD_PERMISSION)
    if request.method != "POST":
        return render(
            request, "settlements/manual_upload.html", _upload_context(request, form=UploadForm())
        )
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request, "settlements/manual_upload.html", _upload_context(request, form=form)
        )
    upload = form.cleaned_data["file"]
    plan = manual_upload_validate(
        upload.read(), upload.name, is_for_test=form.cleaned_data["mode"] == "test"
    )
    if plan.errors:
        _discard(request)
        return _render_errors(request, form, plan.errors)
    _store(request, plan)
    rows = plan.rows
    return render(
        request,
        "settlements/manual_upload.html",
        _upload_context(
            request,
            form=UploadForm(initial={"mode": form.cleaned_data["mode"]}),
            plan=plan,
            row_count=len(rows),
            partner_count=len({r["partner_id"] for r in rows}),
            date_from=min(r["settlement_date"] for r in rows),
            date_until=max(r["settlement_date"] for r in rows),
            sums=plan.sums(),
            preview=rows[:PREVIEW_ROWS],
        ),
    )


def manual_confirm_view(request) -> HttpResponse:
    """Create every previewed row in one `manual_transfers_create` call, or none."""
    _require(request, ADD_PERMISSION)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    plan = _load(request)
    if plan is None:
        messages.error(request, "확인할 업로드가 없거나 만료되었습니다. 파일을 다시 올려 주세요.")
        return redirect("settlements-manual-upload")
    try:
        created = manual_transfers_create(is_for_test=plan.is_for_test, rows=plan.service_rows())
    except ApiError as exc:  # e.g. a partner archived or an id taken since the preview
        return _render_errors(request, UploadForm(), [RowError(0, "", exc.message)])
    mode = "테스트" if plan.is_for_test else "운영"
    messages.success(request, f"수기 정산 {len(created):,}건을 {mode} 모드로 등록했습니다.")
    return redirect("settlements-manual-upload")


TEMPLATE_EXAMPLES: list[list[Any]] = [
    ["partner-0001", 120000, 0, "2026-01-10", "KRW", "1월 프로모션 지원금", ""],
    ["partner-0002", -3000, "", "2026-01-10", "KRW", "배송비 차감", "adj-2026-01-0001"],
]


def manual_template_view(request, fmt: str) -> HttpResponse:
    """The upload template: Korean headers and two example rows (one negative adjustment)."""
    _require(request, ADD_PERMISSION)
    headers = list(UPLOAD_COLUMNS.values())
    if fmt == "csv":
        response = HttpResponse(
            sheets.csv_bytes(headers, TEMPLATE_EXAMPLES), content_type=sheets.CSV_CONTENT_TYPE
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            sheets.xlsx_bytes(
                [
                    sheets.SheetSpec(
                        title="수기 정산",
                        headers=headers,
                        rows=TEMPLATE_EXAMPLES,
                        amount_columns=frozenset({1, 2}),
                        widths=[18, 14, 12, 14, 8, 30, 22],
                    )
                ]
            ),
            content_type=sheets.XLSX_CONTENT_TYPE,
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="manual-transfers-template.{fmt}"'
    return response


# `include("settlements.admin_views")` works as well as `include(urls())`.
urlpatterns = urls()
