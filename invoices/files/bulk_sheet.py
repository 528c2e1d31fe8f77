"""일괄 역발행 요청 파일 (docs/invoices.md#bulk-requests-from-payouts): one row per reverse-issuance
request -> `invoices.services.bulk.SheetRow`s for `bulk_from_sheet`, every row or none.

Columns (Korean headers; the API's names are accepted too):

* 공급자 사업자번호 or 파트너 아이디 (one of the two): the supplier's BRN (10 digits, `-`
  allowed, checksum) with an NTS-connected counterparty, or the partner whose connected
  counterparty supplies;
* 작성일자 (required): 2026-03-31, 2026.03.31, 20260331 or a date cell;
* 공급가액 (required): integer KRW > 0 (`1,000,000`, `1000000원`);
* 세액 (required): integer KRW ≥ 0, within 1원 of 공급가액 × 10 % (과세);
* 품목명 (default "플랫폼 정산 대금"), 비고 (≤ 150 characters), 영수/청구 (영수 = RECEIPT, or
  청구 = INVOICE, the default).

The file is read by core.files.sheets (UTF-8, UTF-8 with BOM or CP949 CSV; XLSX). Every row is
checked and every error names its row (as the spreadsheet shows it) and column; one error
refuses the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.errors import DomainError
from core.files.cells import parse_choice, parse_date, parse_int
from core.files.columns import Column, Columns, Line
from core.files.rows import CellError, RowError
from core.files.sheets import SheetSpec, Table
from invoices.domain.statuses import PurposeType
from invoices.models import BulkTaxInvoice
from invoices.services import bulk as service
from partners.domain.brn import validate_brn

PREVIEW_ROWS = 20
MAX_REMARK = 150
MAX_ITEM_NAME = 100
COLUMNS = Columns(
    [
        Column("brn", "공급자 사업자번호", ("supplierBrn", "사업자번호"), max_length=20),
        Column("partner_id", "파트너 아이디", ("partnerId",), max_length=100),
        Column("write_date", "작성일자", ("writeDate",), True),
        Column("supply_amount", "공급가액", ("supplyCostAmount", "totalSupplyAmount"), True),
        Column("tax_amount", "세액", ("taxAmount", "totalTaxAmount"), True),
        Column("item_name", "품목명", ("itemName",), max_length=MAX_ITEM_NAME),
        Column("remark", "비고", ("remark",), max_length=MAX_REMARK),
        Column("purpose_type", "영수/청구", ("purposeType",)),
    ]
)
PURPOSES = {
    "영수": PurposeType.RECEIPT,
    "청구": PurposeType.INVOICE,
    "RECEIPT": PurposeType.RECEIPT,
    "INVOICE": PurposeType.INVOICE,
}


@dataclass
class SheetFile:
    """A checked file: its rows (file order), or the errors; `bulk` once written."""

    is_for_test: bool
    rows: list[service.SheetRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    suppliers: dict[int, str] = field(default_factory=dict)  # counterparty pk -> "name (brn)"
    bulk: BulkTaxInvoice | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def totals(self) -> dict[str, int]:
        supply = sum(r.supply_amount for r in self.rows)
        tax = sum(r.tax_amount for r in self.rows)
        return {
            "count": len(self.rows),
            "suppliers": len({r.counterparty_pk for r in self.rows}),
            "supply": supply,
            "tax": tax,
            "total": supply + tax,
        }

    def preview(self, limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
        return [
            {
                "row": r.row,
                "supplier": self.suppliers.get(r.counterparty_pk, ""),
                "write_date": r.write_date,
                "supply_amount": r.supply_amount,
                "tax_amount": r.tax_amount,
                "total_amount": r.supply_amount + r.tax_amount,
                "item_name": r.item_name,
                "remark": r.remark,
                "purpose": "영수" if r.purpose_type == PurposeType.RECEIPT else "청구",
            }
            for r in self.rows[:limit]
        ]


def _brn(text: str) -> str:
    try:
        return validate_brn(text)
    except ValueError as exc:
        raise CellError(str(exc)) from None


def _supply(text: str) -> int:
    value = parse_int(text)
    if value <= 0:
        raise CellError(f"0보다 커야 합니다: {text}")
    return value


def _purpose(text: str) -> str:
    return parse_choice(text, PURPOSES, "영수/청구")


@dataclass
class _Read:
    line: Line
    brn: str | None
    partner_id: str | None
    write_date: date | None
    supply: int | None
    tax: int | None
    item_name: str | None
    remark: str | None
    purpose: str | None


def _read(line: Line) -> _Read:
    out = _Read(
        line=line,
        brn=line.cell("brn", _brn),
        partner_id=line.cell("partner_id"),
        write_date=line.cell("write_date", parse_date, required=True),
        supply=line.cell("supply_amount", _supply, required=True),
        tax=line.cell("tax_amount", parse_int, required=True),
        item_name=line.cell("item_name"),
        remark=line.cell("remark"),
        purpose=line.cell("purpose_type", _purpose),
    )
    if not line.get("brn") and not line.get("partner_id"):
        line.error("brn", "공급자 사업자번호 또는 파트너 아이디가 필요합니다.")
    if out.supply is not None and out.tax is not None and abs(out.tax * 10 - out.supply) > 10:
        line.error(
            "tax_amount",
            f"세액은 공급가액의 10%여야 합니다 (±1원): 공급가액 {out.supply:,}원이면 "
            f"{round(out.supply / 10):,}원",
        )
    return out


def check_table(table: Table, *, is_for_test: bool) -> SheetFile:
    """Every row checked; nothing is written."""
    out = SheetFile(is_for_test=is_for_test)
    layout, errors = COLUMNS.match(table.headers)
    if not errors and "brn" not in layout.index and "partner_id" not in layout.index:
        errors = [
            RowError(
                1, COLUMNS.header("brn"), "공급자 사업자번호 또는 파트너 아이디 열이 필요합니다."
            )
        ]
    if errors:
        out.errors = errors
        return out
    if not table.rows:
        out.errors = [RowError(0, "", "요청할 행이 없습니다.")]
        return out
    reads = [_read(line) for line in COLUMNS.lines(table, layout)]
    by_brn, by_partner = service.connected_counterparties(
        brns=[r.brn for r in reads if r.brn],
        partner_ids=[r.partner_id for r in reads if r.partner_id],
        is_for_test=is_for_test,
    )
    rows: list[service.SheetRow] = []
    for r in reads:
        cp = None
        if r.partner_id:
            cp = by_partner.get(r.partner_id)
            if cp is None:
                r.line.error(
                    "partner_id",
                    f"국세청에 연동된 파트너 거래처가 없습니다: {r.partner_id}",
                )
            elif r.brn and cp.brn != r.brn:
                r.line.error("brn", f"파트너 {r.partner_id}의 사업자번호({cp.brn})와 다릅니다.")
        elif r.brn:
            cp = by_brn.get(r.brn)
            if cp is None:
                r.line.error("brn", f"국세청에 연동된 거래처가 없습니다: {r.brn}")
        if r.line.errors or cp is None:
            continue
        out.suppliers[cp.pk] = f"{cp.company_name} ({cp.brn})"
        rows.append(
            service.SheetRow(
                row=r.line.number,
                counterparty_pk=cp.pk,
                write_date=r.write_date,
                supply_amount=r.supply,
                tax_amount=r.tax,
                item_name=r.item_name or service.ITEM_NAME,
                remark=r.remark or "",
                purpose_type=r.purpose or PurposeType.INVOICE,
            )
        )
    errors = [e for r in reads for e in r.line.errors]
    if errors:
        position = {layout.headers[c.name]: i for i, c in enumerate(COLUMNS.columns)}
        out.errors = sorted(errors, key=lambda e: (e.row, position.get(e.column, -1)))
        return out
    out.rows = rows
    return out


def commit_table(
    table: Table, *, is_for_test: bool, actor: str, name: str | None = None
) -> SheetFile:
    """Check again and write every row as one SHEET bulk, or nothing (`errors` then)."""
    out = check_table(table, is_for_test=is_for_test)
    if out.errors:
        return out
    try:
        out.bulk = service.bulk_from_sheet(
            out.rows, is_for_test=is_for_test, actor=actor, name=name
        )
    except DomainError as exc:
        out.errors = [RowError(0, "", exc.message)]
        out.rows = []
    return out


TEMPLATE_EXAMPLES: list[list[Any]] = [
    ["214-88-12345", "", "2026-03-31", 1000000, 100000, "3월 정산 대금", "", "청구"],
    ["", "partner-0002", "2026-03-31", 909091, 90909, "", "3월분", "영수"],
]


def template_sheet() -> SheetSpec:
    return SheetSpec(
        title="일괄 역발행 요청",
        headers=COLUMNS.headers,
        rows=TEMPLATE_EXAMPLES,
        amount_columns=frozenset({3, 4}),
        widths=[16, 16, 12, 14, 12, 24, 24, 10],
    )
