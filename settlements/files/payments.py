"""결제 파일: payments from any PG as CSV/XLSX -> `PaymentRecord`s for `payments_upsert` (insert or
update by (mode, 구분, 결제 아이디)), all rows or none. docs/files.md, "Payments".

PortOne payments normally arrive by webhook or the resolver; this file is for the rest (other
PGs' settlement reports as EXTERNAL payments) and for correcting or preloading PortOne payments
when the resolver cannot reach PortOne. Cancellations are not part of this format.

What this module must NOT do: touch transfers, or decide what may change (the service does).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import RowsRefused
from core.files.cells import parse_choice, parse_datetime, parse_int
from core.files.columns import Column, Columns, Line
from core.files.rows import CellError, RowError
from core.files.sheets import SheetSpec, Table, read_table_or_errors
from partners.domain.banks import SUPPORTED_CURRENCIES
from settlements.files.orders import METHODS, PAYMENT_KINDS
from settlements.models import Payment
from settlements.services.payments import PaymentRecord, PaymentsImported, payments_upsert

PREVIEW_ROWS = 20
COLUMNS = Columns(
    [
        Column("public_id", "결제 아이디", (), True, 200),
        Column("kind", "구분", ("결제 구분",), True),
        Column("store_id", "상점 아이디", (), max_length=100),
        Column("channel_key", "채널 키", (), max_length=100),
        Column("order_name", "주문명", (), max_length=300),
        Column("currency", "통화"),
        Column("paid_at", "결제 시각"),
        Column("total_amount", "결제 금액"),
        Column("tax_free_amount", "면세 금액"),
        Column("method", "결제수단"),
    ]
)
# The SDK requires these on a PORT_ONE payment (PlatformPortOnePayment), so a file must give them.
PORT_ONE_REQUIRED = ("store_id", "channel_key", "order_name", "paid_at", "total_amount")


@dataclass
class PaymentFile:
    items: list[PaymentRecord] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def preview(self, limit: int = PREVIEW_ROWS) -> list[dict]:
        return [
            {"row": number, **vars(item)}
            for number, item in zip(self.row_numbers[:limit], self.items[:limit], strict=False)
        ]


@dataclass
class PaymentImport:
    file: PaymentFile
    is_for_test: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_table(table: Table) -> PaymentFile:
    layout, errors = COLUMNS.match(table.headers)
    out = PaymentFile(errors=errors, headers=layout.headers)
    if out.errors:
        return out
    seen: dict[tuple[str, str], int] = {}
    for line in COLUMNS.lines(table, layout):
        item = _item(line)
        if item is not None:
            key = (item.kind, item.public_id)
            if key in seen:
                line.error("public_id", f"{seen[key]}행과 같은 결제입니다.")
            else:
                seen[key] = line.number
        if line.errors:
            out.errors += line.errors
            continue
        out.items.append(item)
        out.row_numbers.append(line.number)
    return out


def parse_file(data: bytes, filename: str = "") -> PaymentFile:
    table = read_table_or_errors(data, filename)
    return PaymentFile(errors=table) if isinstance(table, list) else parse_table(table)


def _method(text: str) -> dict:
    return {"type": parse_choice(text, METHODS, "결제수단")}


def _item(line: Line) -> PaymentRecord | None:
    """One line -> a PaymentRecord; problems go to `line.errors`."""
    public_id = line.cell("public_id", required=True)
    try:
        kind = parse_choice(line.get("kind"), PAYMENT_KINDS, "구분") if line.get("kind") else None
    except CellError as exc:
        line.error("kind", str(exc))
        return None
    if kind is None:
        line.error("kind", "값이 필요합니다 (포트원 또는 외부).")
        return None
    if kind == Payment.Kind.PORT_ONE:
        for name in PORT_ONE_REQUIRED:
            if not line.get(name):
                line.error(name, "포트원 결제에는 값이 필요합니다.")
    currency = (line.get("currency") or "KRW").upper()
    if currency not in SUPPORTED_CURRENCIES:
        line.error("currency", f"지원하지 않는 통화입니다: {currency}")
    store_id = line.cell("store_id") or ""
    channel_key = line.cell("channel_key") or ""
    order_name = line.cell("order_name") or ""
    paid_at = line.cell("paid_at", parse_datetime)
    total = line.cell("total_amount", parse_int)
    tax_free = line.cell("tax_free_amount", parse_int)
    method = line.cell("method", _method)
    if tax_free is not None and total is None:
        line.error("total_amount", "면세 금액을 적었으면 결제 금액도 적어야 합니다.")
    if total is not None:
        tax_free = tax_free or 0
        if tax_free > total:
            line.error("tax_free_amount", "면세 금액이 결제 금액보다 큽니다.")
    if public_id is None or line.errors:
        return None
    return PaymentRecord(
        kind=kind,
        public_id=public_id,
        store_id=store_id,
        channel_key=channel_key,
        order_name=order_name,
        currency=currency,
        paid_at=paid_at,
        method=method,
        total_amount=total,
        tax_free_amount=tax_free,
    )


def import_payment_table(
    table: Table, *, is_for_test: bool, dry_run: bool = False
) -> PaymentImport:
    parsed = parse_table(table)
    result = PaymentImport(file=parsed, is_for_test=is_for_test, errors=list(parsed.errors))
    if result.errors:
        return result
    if not parsed.items:
        result.errors = [RowError(0, "", "등록할 행이 없습니다.")]
        return result
    try:
        done: PaymentsImported = payments_upsert(
            is_for_test=is_for_test, records=parsed.items, dry_run=dry_run
        )
    except RowsRefused as exc:
        result.errors = [
            RowError(
                parsed.row_numbers[f.index],
                parsed.headers.get(f.error.field or "", ""),
                f.error.message,
            )
            for f in exc.failures
        ]
        return result
    result.created, result.updated, result.unchanged = done.created, done.updated, done.unchanged
    return result


def import_payment_file(
    data: bytes, filename: str, *, is_for_test: bool, dry_run: bool = False
) -> PaymentImport:
    table = read_table_or_errors(data, filename)
    if isinstance(table, list):
        return PaymentImport(file=PaymentFile(errors=table), is_for_test=is_for_test, errors=table)
    return import_payment_table(table, is_for_test=is_for_test, dry_run=dry_run)


TEMPLATE_EXAMPLES = [
    ["order-20251001-0001", "외부", "", "", "티셔츠 외 1건", "KRW", "2025-10-01 10:00", "12000",
     "0", "카드"],
    ["portone-payment-id", "포트원", "store-id", "channel-key", "도서", "KRW",
     "2025-10-01T11:30:00+09:00", "42000", "30000", "간편결제"],
]  # fmt: skip


def template_sheet() -> SheetSpec:
    return SheetSpec(title="결제", headers=COLUMNS.headers, rows=TEMPLATE_EXAMPLES)
