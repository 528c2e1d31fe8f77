"""주문 정산 파일: one row per ORDER transfer (CSV in UTF-8, UTF-8 with BOM or CP949, or XLSX) ->
rows for `settlements.bulk.order_transfers_create_bulk`.

The format is the one a finance team keeps anyway: one line per partner and payment with the
order amount, an optional single discount (policy + amount) and optional additional fee policies
(comma separated). Order lines (상품별 정산) stay with the API.

What this module must NOT do: decide anything about money or transfers. It turns cells into the
API's input shape (`calc.Order` etc.) and reports cell errors by spreadsheet row and column; the
bulk service applies every rule of the single API and its errors are mapped back to rows here.
Reading CSV/XLSX (encodings, calamine/openpyxl) is shared with the partner import
(`core.sheets.read_table`).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from core.files.sheets import FileError, Table, read_table
from partners.resources import RowError
from settlements import calculation as calc
from settlements.bulk import BulkRowsError, order_transfers_create_bulk
from settlements.models import Payment, Transfer, TransferStatus

PREVIEW_ROWS = 20

# Header (as in the template) -> field. Matching ignores spaces and a parenthesised hint, so
# '결제 구분(포트원/외부)' and '결제구분' both work; the API's camelCase names are accepted too.
COLUMNS: dict[str, str] = {
    "파트너 아이디": "partner_id",
    "결제 아이디": "payment_id",
    "주문 금액": "order_amount",
    "면세 금액": "tax_free_amount",
    "할인 분담 정책 아이디": "discount_policy_id",
    "할인 금액": "discount_amount",
    "할인 면세 금액": "discount_tax_free_amount",
    "추가 수수료 정책 아이디": "fee_policy_ids",
    "계약 아이디": "contract_id",
    "정산 시작일": "settlement_start_date",
    "정산일": "settlement_date",
    "결제 구분": "payment_kind",
    "통화": "currency",
    "주문명": "order_name",
    "결제 시각": "paid_at",
    "결제수단": "method",
    "메모": "memo",
    "정산건 아이디": "id",
}
REQUIRED = ("partner_id", "payment_id", "order_amount")
ALIASES = {
    "partnerId": "partner_id",
    "paymentId": "payment_id",
    "orderAmount": "order_amount",
    "taxFreeAmount": "tax_free_amount",
    "sharePolicyId": "discount_policy_id",
    "contractId": "contract_id",
    "settlementStartDate": "settlement_start_date",
    "settlementDate": "settlement_date",
    "currency": "currency",
    "orderName": "order_name",
    "paidAt": "paid_at",
    "memo": "memo",
    "id": "id",
    "파트너ID": "partner_id",
    "결제ID": "payment_id",
    "정산건ID": "id",
    "계약ID": "contract_id",
}
LABELS = {name: header for header, name in COLUMNS.items()}

PAYMENT_KINDS = {
    "PORT_ONE": Payment.Kind.PORT_ONE,
    "PORTONE": Payment.Kind.PORT_ONE,
    "포트원": Payment.Kind.PORT_ONE,
    "EXTERNAL": Payment.Kind.EXTERNAL,
    "외부": Payment.Kind.EXTERNAL,
    "외부결제": Payment.Kind.EXTERNAL,
}
METHODS = {
    "CARD": "CARD",
    "카드": "CARD",
    "신용카드": "CARD",
    "TRANSFER": "TRANSFER",
    "계좌이체": "TRANSFER",
    "VIRTUAL_ACCOUNT": "VIRTUAL_ACCOUNT",
    "가상계좌": "VIRTUAL_ACCOUNT",
    "GIFT_CERTIFICATE": "GIFT_CERTIFICATE",
    "상품권": "GIFT_CERTIFICATE",
    "MOBILE": "MOBILE",
    "휴대폰": "MOBILE",
    "EASY_PAY": "EASY_PAY",
    "간편결제": "EASY_PAY",
}
MAX_LENGTHS = {"partner_id": 100, "payment_id": 200, "id": 100, "memo": 256, "order_name": 300}

# Which column an error of the bulk service is about (for the error table).
ERROR_COLUMNS = {
    "PLATFORM_PARTNER_NOT_FOUND": "partner_id",
    "PLATFORM_CONTRACT_NOT_FOUND": "contract_id",
    "PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND": "discount_policy_id",
    "PLATFORM_ADDITIONAL_FEE_POLICIES_NOT_FOUND": "fee_policy_ids",
    "PLATFORM_PAYMENT_NOT_FOUND": "payment_id",
    "PLATFORM_EXTERNAL_API_FAILED": "payment_id",
    "PLATFORM_TRANSFER_ALREADY_EXISTS": "payment_id",
    "PLATFORM_TRANSFER_ID_ALREADY_USED": "id",
    "PLATFORM_CURRENCY_NOT_SUPPORTED": "currency",
    "PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE": "settlement_date",
    "PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED": "discount_amount",
    "PLATFORM_SETTLEMENT_PAYMENT_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT": "order_amount",
    "PLATFORM_SETTLEMENT_SUPPLY_WITH_VAT_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT": "order_amount",
    "PLATFORM_SETTLEMENT_TAX_FREE_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT": "tax_free_amount",
    "PLATFORM_CONTRACT_PLATFORM_FIXED_AMOUNT_FEE_CURRENCY_AND_SETTLEMENT_CURRENCY_MISMATCHED": (
        "currency"
    ),
    "PLATFORM_ADDITIONAL_FIXED_AMOUNT_FEE_CURRENCY_AND_SETTLEMENT_CURRENCY_MISMATCHED": (
        "currency"
    ),
}


def header_key(header: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"\(.*\)", "", header.replace("\ufeff", "")))


_KEYS = {header_key(h): name for h, name in COLUMNS.items()} | {
    header_key(h): name for h, name in ALIASES.items()
}


class CellError(ValueError):
    pass


# --- cells -------------------------------------------------------------------------------------


def parse_int(text: str, *, allow_negative: bool = False) -> int:
    """'10,000' / '10000' / '10000.0' -> 10000; fractions and words are refused (won has no
    minor unit, and a silently rounded amount is worse than an error)."""
    cleaned = text.replace(",", "").replace("원", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(f"숫자가 아닙니다: {text}") from None
    if value != value.to_integral_value():
        raise CellError(f"정수여야 합니다: {text}")
    if value < 0 and not allow_negative:
        raise CellError(f"0 이상이어야 합니다: {text}")
    if abs(value) >= 2**63:
        raise CellError(f"너무 큰 금액입니다: {text}")
    return int(value)


_DATE = re.compile(r"^(\d{4})[-./]?(\d{1,2})[-./]?(\d{1,2})\.?$")


def parse_date(text: str) -> date:
    """2025-10-01, 2025.10.01, 2025/10/01, 20251001 (and an XLSX date cell)."""
    match = _DATE.match(text.strip())
    if not match:
        raise CellError(f"날짜 형식이 아닙니다 (예: 2025-10-01): {text}")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellError(f"없는 날짜입니다: {text}") from None


_LOCAL_TIME = re.compile(
    r"^(\d{4}[-./]?\d{1,2}[-./]?\d{1,2})\.?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def parse_datetime(text: str) -> datetime:
    """RFC 3339 ('2025-10-01T10:00:00+09:00'), or a local time in KST ('2025-10-01 10:00',
    '2025.10.01 10:00:00', a date alone = 00:00 KST)."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        match = _LOCAL_TIME.match(value)
        if not match:
            raise CellError(f"시각 형식이 아닙니다 (예: 2025-10-01 10:00): {text}") from None
        day = parse_date(match.group(1))
        hour, minute, second = (int(g or 0) for g in match.groups()[1:])
        try:
            parsed = datetime.combine(day, time(hour, minute, second))
        except ValueError:
            raise CellError(f"없는 시각입니다: {text}") from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def parse_choice(text: str, choices: dict[str, str], label: str) -> str:
    value = choices.get(re.sub(r"\s+", "", text).upper()) or choices.get(re.sub(r"\s+", "", text))
    if value is None:
        allowed = ", ".join(k for k in choices if not k.isascii()) or ", ".join(choices)
        raise CellError(f"{label} 값이 올바르지 않습니다 ({allowed} 중 하나): {text}")
    return value


# --- the file ----------------------------------------------------------------------------------


@dataclass
class OrderFile:
    """The parsed file: rows for the bulk service (file order) with their spreadsheet row
    numbers, or the errors."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field -> header as written


def columns(
    table: Table, keys: dict[str, str], labels: dict[str, str], required: tuple[str, ...]
) -> tuple[dict[str, int], dict[str, str], list[RowError]]:
    """Header row -> (field -> position, field -> header as written, errors). `keys` maps
    `header_key(header)` to fields; unknown and repeated columns are errors (a typo in a header
    must not silently drop a column)."""
    index: dict[str, int] = {}
    written: dict[str, str] = {}
    errors: list[RowError] = []
    for position, header in enumerate(table.headers):
        if not header:
            continue
        name = keys.get(header_key(header))
        if name is None:
            errors.append(RowError(1, header, "알 수 없는 열입니다. 템플릿의 열 이름을 쓰세요."))
        elif name in index:
            errors.append(RowError(1, header, "같은 열이 두 번 있습니다."))
        else:
            index[name] = position
            written[name] = header
    for name in required:
        if name not in index:
            errors.append(RowError(1, labels[name], "필수 열이 없습니다."))
    return index, written, errors


@dataclass
class _Line:
    """One spreadsheet line while it is parsed; errors name the header as written."""

    number: int
    cells: list[str]
    index: dict[str, int]
    headers: dict[str, str]
    errors: list[RowError] = field(default_factory=list)

    def get(self, name: str) -> str:
        position = self.index.get(name)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position].strip()

    def error(self, name: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.headers[name], message))

    def cell(self, name: str, parse: Any = None, *, required: bool = False) -> Any:
        text = self.get(name)
        if not text:
            if required:
                self.error(name, "값이 필요합니다.")
            return None
        if name in MAX_LENGTHS and len(text) > MAX_LENGTHS[name]:
            self.error(name, f"{MAX_LENGTHS[name]}자 이하여야 합니다.")
            return None
        if parse is None:
            return text
        try:
            return parse(text)
        except CellError as exc:
            self.error(name, str(exc))
            return None


def parse_table(table: Table) -> OrderFile:
    index, written, errors = columns(table, _KEYS, LABELS, REQUIRED)
    out = OrderFile(errors=errors, headers={**LABELS, **written})
    if errors:
        return out
    for number, cells in table.rows:
        line = _Line(number, cells, index, out.headers)
        row = _row(line)
        if line.errors:
            out.errors.extend(line.errors)
        else:
            out.rows.append(row)
            out.row_numbers.append(number)
    return out


def _payment_kind(text: str) -> str:
    return parse_choice(text, PAYMENT_KINDS, "결제 구분")


def _method(text: str) -> str:
    return parse_choice(text, METHODS, "결제수단")


def _row(line: _Line) -> dict[str, Any]:
    """One line -> the `order_transfer_create` data shape; problems go to `line.errors`."""
    values: dict[str, Any] = {
        "partner_id": line.cell("partner_id", required=True),
        "payment_id": line.cell("payment_id", required=True),
        "contract_id": line.cell("contract_id"),
        "memo": line.cell("memo"),
        "id": line.cell("id"),
        "settlement_start_date": line.cell("settlement_start_date", parse_date),
        "settlement_date": line.cell("settlement_date", parse_date),
        "parameters": {},
        "user_defined_properties": [],
    }
    order_amount = line.cell("order_amount", parse_int, required=True)
    tax_free = line.cell("tax_free_amount", parse_int)
    policy = line.cell("discount_policy_id")
    discount = line.cell("discount_amount", parse_int)
    discount_tax_free = line.cell("discount_tax_free_amount", parse_int)
    if policy and not line.get("discount_amount"):
        line.error("discount_amount", "할인 분담 정책을 적었으면 할인 금액도 적어야 합니다.")
    if not policy and (line.get("discount_amount") or line.get("discount_tax_free_amount")):
        line.error(
            "discount_policy_id", "할인 금액을 적었으면 할인 분담 정책 아이디도 적어야 합니다."
        )
    fee_ids = [f.strip() for f in line.get("fee_policy_ids").split(",") if f.strip()]

    kind = line.cell("payment_kind", _payment_kind) or Payment.Kind.PORT_ONE
    if kind == Payment.Kind.EXTERNAL:
        external: dict[str, Any] = {"currency": (line.get("currency") or "KRW").upper()}
        if line.get("order_name"):
            external["orderName"] = line.cell("order_name")
        if line.get("paid_at"):
            external["paidAt"] = line.cell("paid_at", parse_datetime)
        if line.get("method"):
            external["method"] = {"type": line.cell("method", _method)}
        values["external_payment"] = external
    else:
        values["external_payment"] = None
        for name in ("currency", "order_name", "paid_at", "method"):
            if line.get(name):
                line.error(
                    name,
                    "포트원 결제의 정보는 포트원에서 가져옵니다. 비워 두거나 결제 구분을 "
                    "'외부'로 적으세요.",
                )

    if order_amount is None or line.errors:
        return values
    try:
        discounts = (calc.Discount(policy, discount, discount_tax_free or 0),) if policy else ()
        values["order"] = calc.Order(
            order_amount=order_amount,
            discounts=discounts,
            additional_fees=tuple(calc.AdditionalFee(f) for f in fee_ids),
            tax_free_amount=tax_free,
        )
    except calc.InvalidOrderInputError as exc:
        line.error("order_amount", str(exc))
    return values


def parse_file(data: bytes, filename: str = "") -> OrderFile:
    try:
        table = read_table(data, filename)
    except FileError as exc:
        return OrderFile(errors=[RowError(0, "", str(exc))])
    return parse_table(table)


# --- import ------------------------------------------------------------------------------------


def fees_of(t: Transfer) -> int:
    """Platform and additional fees with their VAT: what the partner is charged."""
    return (
        t.amount_platform_fee
        + t.amount_platform_fee_vat
        + t.amount_additional_fee
        + t.amount_additional_fee_vat
    )


@dataclass
class OrderImport:
    """What an upload did (or, for a preview, would do)."""

    file: OrderFile
    is_for_test: bool
    transfers: list[Transfer] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def totals(self) -> list[dict[str, Any]]:
        """Sums per currency for the confirm page (column sums of what calculation produced)."""
        by_currency: dict[str, dict[str, int]] = defaultdict(
            lambda: {"count": 0, "order": 0, "payment": 0, "fees": 0, "settlement": 0}
        )
        for t in self.transfers:
            total = by_currency[t.settlement_currency]
            total["count"] += 1
            total["order"] += t.amount_order
            total["payment"] += t.amount_payment
            total["fees"] += fees_of(t)
            total["settlement"] += t.amount_settlement
        return [{"currency": c, **v} for c, v in sorted(by_currency.items())]

    def status_counts(self) -> list[tuple[str, int]]:
        counts = Counter(t.status for t in self.transfers)
        return [
            (str(label), counts[value]) for value, label in TransferStatus.choices if counts[value]
        ]

    def partner_count(self) -> int:
        return len({t.partner_id for t in self.transfers})

    def preview(self, limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
        return [
            {
                "row": number,
                "partner": t.partner.public_id,
                "payment": t.payment_public_id,
                "currency": t.settlement_currency,
                "order": t.amount_order,
                "discount_share": t.amount_discount_share,
                "fees": fees_of(t),
                "settlement": t.amount_settlement,
                "start": t.settlement_start_date,
                "date": t.settlement_date,
                "status": t.get_status_display(),
            }
            for number, t in zip(
                self.file.row_numbers[:limit], self.transfers[:limit], strict=False
            )
        ]


def service_errors(parsed: OrderFile, exc: BulkRowsError) -> list[RowError]:
    out = []
    for failure in exc.failures:
        name = ERROR_COLUMNS.get(failure.error.type)
        out.append(
            RowError(
                parsed.row_numbers[failure.index],
                parsed.headers[name] if name else "",
                f"{failure.error.message or failure.error.type} ({failure.error.type})",
            )
        )
    return out


def import_order_file(
    data: bytes, filename: str, *, is_for_test: bool, dry_run: bool = False
) -> OrderImport:
    """Parse the file and create every transfer, or none (`dry_run`: validate and compute only).
    Cell errors stop before the service; the service's row errors come back by row number."""
    parsed = parse_file(data, filename)
    result = OrderImport(file=parsed, is_for_test=is_for_test)
    if parsed.errors:
        result.errors = parsed.errors
        return result
    if not parsed.rows:
        result.errors = [RowError(0, "", "등록할 행이 없습니다.")]
        return result
    try:
        result.transfers = order_transfers_create_bulk(
            is_for_test=is_for_test,
            rows=parsed.rows,
            dry_run=dry_run,
            payment_source=Payment.Source.CSV,
        )
    except BulkRowsError as exc:
        result.errors = service_errors(parsed, exc)
    return result


# --- template ------------------------------------------------------------------------------------

TEMPLATE_HEADERS = list(COLUMNS)
TEMPLATE_EXAMPLES = [
    ["partner-1", "order-20251001-0001", "10000", "", "", "", "", "", "", "", "", "외부", "KRW",
     "티셔츠 외 1건", "2025-10-01 10:00", "카드", "", ""],
    ["partner-2", "order-20251001-0002", "42000", "30000", "coupon-policy", "3000", "1000",
     "fulfilment,marketing", "", "2025-10-02", "", "외부", "KRW", "도서", "2025-10-01 11:30",
     "간편결제", "10월 주문", ""],
    ["partner-1", "portone-payment-id", "25000", "", "", "", "", "", "", "", "", "포트원", "", "",
     "", "", "", ""],
]  # fmt: skip


def template_csv() -> bytes:
    """UTF-8 with a BOM, so Korean Excel opens it without mojibake."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerows(TEMPLATE_EXAMPLES)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(headers: list[str] | None = None, rows: list[list[str]] | None = None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("정산건")
    sheet.append(headers or TEMPLATE_HEADERS)
    for row in rows if rows is not None else TEMPLATE_EXAMPLES:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
