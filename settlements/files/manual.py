"""수기 정산 파일: one row per MANUAL transfer (+ to pay more, − to take back) ->
`ManualTransferRequest`s for `manual_transfers_create`, all rows or none. docs/files.md,
"Manual transfers".

Cells are read with core.files (amounts `12,000` / `-3000` / `12000원`, dates `2026-01-10` /
`2026.01.10`); everything else — partner, currency, the tax-free part's sign and size, ids — is
the service's one validation path (the API's), run over every row so a file shows every problem
at once. A refusal is shown under its column; a partner refused because it is archived, or an id
repeated within the file, is named as such.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from core.errors import RowFailure, RowsRefused
from core.files.cells import parse_date, parse_int
from core.files.columns import Column, Columns, Line
from core.files.rows import CellError, RowError
from core.files.sheets import SheetSpec, Table
from partners.models import Partner
from settlements.models import Transfer
from settlements.services.manual_transfers import ManualTransferRequest, manual_transfers_create

PREVIEW_ROWS = 20
COLUMNS = Columns(
    [
        Column("partner_id", "파트너 아이디", ("partnerId",), True, 100),
        Column("settlement_amount", "정산금액", ("settlementAmount",), True),
        Column("settlement_tax_free_amount", "면세금액", ("settlementTaxFreeAmount",)),
        Column("settlement_date", "정산일", ("settlementDate",), True),
        Column("settlement_currency", "통화", ("settlementCurrency",)),
        Column("memo", "메모", ("memo",), max_length=256),
        Column("id", "정산건 아이디", ("id",), max_length=100),
    ]
)
PARTNER_NOT_FOUND = "PLATFORM_PARTNER_NOT_FOUND"
#: the column a refusal of the service is about
ERROR_COLUMNS = {
    PARTNER_NOT_FOUND: "partner_id",
    "PLATFORM_CURRENCY_NOT_SUPPORTED": "settlement_currency",
    "PLATFORM_TRANSFER_ID_ALREADY_USED": "id",
}
FIELD_COLUMNS = {
    "settlementAmount": "settlement_amount",
    "settlementTaxFreeAmount": "settlement_tax_free_amount",
    "settlementDate": "settlement_date",
}


def _amount(text: str) -> int:
    value = parse_int(text, allow_negative=True)
    if value == 0:
        raise CellError("0원은 등록할 수 없습니다.")
    return value


@dataclass
class ManualFile:
    """A checked file: the requests in file order with their row numbers, or the errors."""

    is_for_test: bool
    requests: list[ManualTransferRequest] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)  # unsaved when only checked

    def sums(self) -> list[dict[str, Any]]:
        """Per currency: rows, (+) and (−) amounts, net, tax-free (shown before confirm)."""
        out: dict[str, dict[str, Any]] = {}
        for r in self.requests:
            s = out.setdefault(
                r.settlement_currency,
                {"count": 0, "plus": 0, "minus": 0, "net": 0, "tax_free": 0},
            )
            amount = r.settlement_amount
            s["count"] += 1
            s["plus" if amount > 0 else "minus"] += amount
            s["net"] += amount
            s["tax_free"] += r.settlement_tax_free_amount
        return [{"currency": c, **s} for c, s in sorted(out.items())]

    def preview(self, limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
        return [
            {"row": number, **vars(r)}
            for number, r in zip(self.row_numbers[:limit], self.requests[:limit], strict=False)
        ]


def _request(line: Line) -> ManualTransferRequest:
    """One line -> a request; unreadable cells are None and their errors are on the line."""
    return ManualTransferRequest(
        partner_id=line.cell("partner_id", required=True) or "",
        settlement_amount=line.cell("settlement_amount", _amount, required=True),
        settlement_tax_free_amount=line.cell(
            "settlement_tax_free_amount", lambda t: parse_int(t, allow_negative=True)
        )
        or 0,
        settlement_date=line.cell("settlement_date", parse_date, required=True),
        settlement_currency=(line.get("settlement_currency") or "KRW").upper(),
        memo=line.cell("memo") or None,
        id=line.cell("id") or None,
    )


def check_table(table: Table, *, is_for_test: bool) -> ManualFile:
    """Every row checked (cells here, the rest by the service's dry run); nothing is written."""
    return _run(table, is_for_test=is_for_test, dry_run=True)


def commit_table(table: Table, *, is_for_test: bool) -> ManualFile:
    """Write every row, or none (`errors` then): one all-or-nothing service call."""
    return _run(table, is_for_test=is_for_test, dry_run=False)


def _run(table: Table, *, is_for_test: bool, dry_run: bool) -> ManualFile:
    out = ManualFile(is_for_test=is_for_test)
    layout, errors = COLUMNS.match(table.headers)
    if errors:
        out.errors = errors
        return out
    if not table.rows:
        out.errors = [RowError(0, "", "등록할 행이 없습니다.")]
        return out
    lines, requests = [], []
    for line in COLUMNS.lines(table, layout):
        requests.append(_request(line))
        lines.append(line)
    errors = [e for line in lines for e in line.errors]
    if not errors or dry_run:  # a real write only of a file whose cells all read
        try:
            out.transfers = manual_transfers_create(
                is_for_test=is_for_test, rows=requests, dry_run=dry_run or bool(errors)
            )
        except RowsRefused as exc:
            errors += _service_errors(exc.failures, lines, requests, is_for_test=is_for_test)
    if errors:
        position = {layout.headers[c.name]: i for i, c in enumerate(COLUMNS.columns)}
        out.errors = sorted(errors, key=lambda e: (e.row, position.get(e.column, -1)))
        out.transfers = []
        return out
    out.requests = requests
    out.row_numbers = [line.number for line in lines]
    return out


def _service_errors(
    failures: list[RowFailure],
    lines: list[Line],
    requests: list[ManualTransferRequest],
    *,
    is_for_test: bool,
) -> list[RowError]:
    refused_partners = {
        requests[f.index].partner_id
        for f in failures
        if f.error.code == "PLATFORM_PARTNER_NOT_FOUND"
    }
    archived = set(
        Partner.objects.filter(
            is_for_test=is_for_test, public_id__in=refused_partners, is_archived=True
        ).values_list("public_id", flat=True)
    )
    first_row: dict[str, int] = {}
    repeated: dict[int, int] = {}  # index -> the row number that has the id first
    for index, (line, request) in enumerate(zip(lines, requests, strict=True)):
        if request.id:
            if request.id in first_row:
                repeated[index] = first_row[request.id]
            else:
                first_row[request.id] = line.number
    by_index: dict[int, list[RowError]] = defaultdict(list)
    for f in failures:
        line, request = lines[f.index], requests[f.index]
        name = ERROR_COLUMNS.get(f.error.code) or FIELD_COLUMNS.get(f.error.field or "", "")
        header = line.layout.headers.get(name, "")
        if header and any(e.column == header for e in line.errors):
            continue  # the cell's own error says it already
        message = f.error.message
        if f.error.code == PARTNER_NOT_FOUND and request.partner_id in archived:
            message = f"보관된 파트너입니다: {request.partner_id}"
        elif f.error.code == "PLATFORM_TRANSFER_ID_ALREADY_USED" and f.index in repeated:
            message = f"{repeated[f.index]}행과 같은 정산건 아이디입니다: {request.id}"
        by_index[f.index].append(RowError(line.number, line.layout.headers.get(name, ""), message))
    return [e for index in sorted(by_index) for e in by_index[index]]


TEMPLATE_EXAMPLES: list[list[Any]] = [
    ["partner-0001", 120000, 0, "2026-01-10", "KRW", "1월 프로모션 지원금", ""],
    ["partner-0002", -3000, "", "2026-01-10", "KRW", "배송비 차감", "adj-2026-01-0001"],
]


def template_sheet() -> SheetSpec:
    """Korean headers and two example rows (one a negative adjustment)."""
    return SheetSpec(
        title="수기 정산",
        headers=COLUMNS.headers,
        rows=TEMPLATE_EXAMPLES,
        amount_columns=frozenset({1, 2}),
        widths=[18, 14, 12, 14, 8, 30, 22],
    )
