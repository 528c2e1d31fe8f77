"""결제 파일: payments from any PG as CSV/XLSX -> `Payment` rows (insert or update by
(test mode, 구분, 결제 아이디)), all rows or none.

PortOne payments normally arrive by webhook or the resolver; this file is for the rest (other
PGs' settlement reports as EXTERNAL payments) and for correcting or preloading PortOne payments
when the resolver cannot reach PortOne. Cancellations are not part of this format.

What this module must NOT do: touch transfers. It refuses, though, to lower a payment's amount
below what ORDER transfers already settled against it (the payment caps of domain.md §12.15 would
silently stop holding).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Sum

from core.files.sheets import FileError, Table, read_table
from partners.banks import SUPPORTED_CURRENCIES
from partners.resources import RowError
from settlements.bulk import KEY_CHUNK
from settlements.models import Payment, Transfer, TransferType
from settlements.order_files import (
    METHODS,
    PAYMENT_KINDS,
    CellError,
    columns,
    header_key,
    parse_choice,
    parse_datetime,
    parse_int,
)

PREVIEW_ROWS = 20
COLUMNS: dict[str, str] = {
    "결제 아이디": "public_id",
    "구분": "kind",
    "상점 아이디": "store_id",
    "채널 키": "channel_key",
    "주문명": "order_name",
    "통화": "currency",
    "결제 시각": "paid_at",
    "결제 금액": "total_amount",
    "면세 금액": "tax_free_amount",
    "결제수단": "method",
}
LABELS = {name: header for header, name in COLUMNS.items()}
_KEYS = {header_key(h): name for h, name in COLUMNS.items()} | {"결제구분": "kind"}
REQUIRED = ("public_id", "kind")
# The SDK requires these on a PORT_ONE payment (PlatformPortOnePayment), so a file must give them.
PORT_ONE_REQUIRED = ("store_id", "channel_key", "order_name", "paid_at", "total_amount")
MAX_LENGTHS = {"public_id": 200, "store_id": 100, "channel_key": 100, "order_name": 300}
FIELDS = (
    "source",
    "store_id",
    "channel_key",
    "order_name",
    "currency",
    "paid_at",
    "method",
    "total_amount",
    "tax_free_amount",
)


@dataclass
class PaymentFile:
    items: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def preview(self, limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
        return [
            {"row": number, **item}
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


def _cell(cells: list[str], index: dict[str, int], name: str) -> str:
    position = index.get(name)
    return cells[position].strip() if position is not None and position < len(cells) else ""


def parse_table(table: Table) -> PaymentFile:
    index, written, errors = columns(table, _KEYS, LABELS, REQUIRED)
    out = PaymentFile(errors=errors, headers={**LABELS, **written})
    if out.errors:
        return out
    seen: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:
        row_errors: list[RowError] = []
        item = _item({name: _cell(cells, index, name) for name in COLUMNS.values()}, row_errors)
        key = (item.get("kind"), item.get("public_id"))
        if not row_errors and key in seen:
            row_errors.append(RowError(0, "public_id", f"{seen[key]}행과 같은 결제입니다."))
        if row_errors:  # _item names fields; the page shows the headers as written
            out.errors += [RowError(number, out.headers[e.column], e.message) for e in row_errors]
            continue
        seen[key] = number
        out.items.append(item)
        out.row_numbers.append(number)
    return out


def _item(text: dict[str, str], errors: list[RowError]) -> dict[str, Any]:
    """One line -> Payment field values; errors name the field (mapped to headers by the caller)."""
    item: dict[str, Any] = {}

    def error(name: str, message: str) -> None:
        errors.append(RowError(0, name, message))

    for name, value in text.items():
        if name in MAX_LENGTHS and len(value) > MAX_LENGTHS[name]:
            error(name, f"{MAX_LENGTHS[name]}자 이하여야 합니다.")
    if not text["public_id"]:
        error("public_id", "값이 필요합니다.")
    item["public_id"] = text["public_id"]
    try:
        item["kind"] = parse_choice(text["kind"], PAYMENT_KINDS, "구분") if text["kind"] else None
    except CellError as exc:
        error("kind", str(exc))
        return item
    if item["kind"] is None:
        error("kind", "값이 필요합니다 (포트원 또는 외부).")
        return item
    if item["kind"] == Payment.Kind.PORT_ONE:
        for name in PORT_ONE_REQUIRED:
            if not text[name]:
                error(name, "포트원 결제에는 값이 필요합니다.")
    currency = (text["currency"] or "KRW").upper()
    if currency not in SUPPORTED_CURRENCIES:
        error("currency", f"지원하지 않는 통화입니다: {currency}")
    item.update(
        store_id=text["store_id"],
        channel_key=text["channel_key"],
        order_name=text["order_name"],
        currency=currency,
        paid_at=None,
        method=None,
        total_amount=None,
        tax_free_amount=None,
    )
    parsers = {
        "paid_at": parse_datetime,
        "total_amount": parse_int,
        "tax_free_amount": parse_int,
        "method": lambda t: {"type": parse_choice(t, METHODS, "결제수단")},
    }
    for name, parse in parsers.items():
        if text[name]:
            try:
                item[name] = parse(text[name])
            except CellError as exc:
                error(name, str(exc))
    total, tax_free = item["total_amount"], item["tax_free_amount"]
    if tax_free is not None and total is None:
        error("total_amount", "면세 금액을 적었으면 결제 금액도 적어야 합니다.")
    if total is not None:
        item["tax_free_amount"] = tax_free or 0
        if item["tax_free_amount"] > total:
            error("tax_free_amount", "면세 금액이 결제 금액보다 큽니다.")
    return item


def parse_file(data: bytes, filename: str = "") -> PaymentFile:
    try:
        table = read_table(data, filename)
    except FileError as exc:
        return PaymentFile(errors=[RowError(0, "", str(exc))])
    return parse_table(table)


# --- import ------------------------------------------------------------------------------------


@transaction.atomic
def payments_import(
    parsed: PaymentFile, *, is_for_test: bool, dry_run: bool = False
) -> PaymentImport:
    """Insert or update every payment of the file (update_or_create semantics, set-based: one
    read per kind, one bulk insert, one bulk update), or none when any row is refused."""
    result = PaymentImport(file=parsed, is_for_test=is_for_test, errors=list(parsed.errors))
    if result.errors:
        return result
    if not parsed.items:
        result.errors = [RowError(0, "", "등록할 행이 없습니다.")]
        return result
    existing: dict[tuple[str, str], Payment] = {}
    for kind in (Payment.Kind.PORT_ONE, Payment.Kind.EXTERNAL):
        ids = [i["public_id"] for i in parsed.items if i["kind"] == kind]
        for start in range(0, len(ids), KEY_CHUNK):
            for payment in Payment.objects.select_for_update().filter(
                is_for_test=is_for_test, kind=kind, public_id__in=ids[start : start + KEY_CHUNK]
            ):
                existing[(kind, payment.public_id)] = payment
    registered = _registered_amounts([p.pk for p in existing.values()])

    new: list[Payment] = []
    changed: list[Payment] = []
    for number, item in zip(parsed.row_numbers, parsed.items, strict=True):
        values = {k: v for k, v in item.items() if k not in ("kind", "public_id")}
        values["source"] = Payment.Source.CSV
        payment = existing.get((item["kind"], item["public_id"]))
        if payment is None:
            new.append(
                Payment(
                    is_for_test=is_for_test,
                    kind=item["kind"],
                    public_id=item["public_id"],
                    **values,
                )
            )
            continue
        settled = registered.get(payment.pk)
        total = values["total_amount"]
        if settled and total is not None and settled > total:
            result.errors.append(
                RowError(
                    number,
                    parsed.headers["total_amount"],
                    f"이미 등록된 주문 정산건의 결제금액 합계({settled:,})보다 작게 바꿀 수 "
                    "없습니다.",
                )
            )
            continue
        if any(getattr(payment, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(payment, name, value)
            changed.append(payment)
    if result.errors:
        return result
    result.created, result.updated = len(new), len(changed)
    result.unchanged = len(parsed.items) - len(new) - len(changed)
    if dry_run:
        return result
    Payment.objects.bulk_create(new, batch_size=2_000)
    Payment.objects.bulk_update(changed, [*FIELDS, "updated_at"], batch_size=2_000)
    return result


def _registered_amounts(payment_pks: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for start in range(0, len(payment_pks), KEY_CHUNK):
        rows = (
            Transfer.objects.filter(
                type=TransferType.ORDER, payment_id__in=payment_pks[start : start + KEY_CHUNK]
            )
            .order_by()
            .values("payment_id")
            .annotate(total=Sum("amount_payment"))
        )
        out.update((row["payment_id"], row["total"]) for row in rows)
    return out


def import_payment_file(
    data: bytes, filename: str, *, is_for_test: bool, dry_run: bool = False
) -> PaymentImport:
    return payments_import(parse_file(data, filename), is_for_test=is_for_test, dry_run=dry_run)


# --- template ------------------------------------------------------------------------------------

TEMPLATE_HEADERS = list(COLUMNS)
TEMPLATE_EXAMPLES = [
    ["order-20251001-0001", "외부", "", "", "티셔츠 외 1건", "KRW", "2025-10-01 10:00", "12000",
     "0", "카드"],
    ["portone-payment-id", "포트원", "store-id", "channel-key", "도서", "KRW",
     "2025-10-01T11:30:00+09:00", "42000", "30000", "간편결제"],
]  # fmt: skip


def template_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerows(TEMPLATE_EXAMPLES)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from settlements.order_files import template_xlsx as xlsx

    return xlsx(TEMPLATE_HEADERS, TEMPLATE_EXAMPLES)
