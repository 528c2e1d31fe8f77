"""주문 정산 파일: one row per ORDER transfer (CSV in UTF-8, UTF-8 with BOM or CP949, or XLSX) ->
`OrderTransferRequest`s for `order_transfers_create_bulk`.

The format is the one a finance team keeps anyway: one line per partner and payment with the
order amount, an optional single discount (policy + amount) and optional additional fee policies
(comma separated). Order lines (상품별 정산) stay with the API. docs/files.md, "Order transfers".

What this module must NOT do: decide anything about money or transfers. It turns cells into the
service's requests and reports cell errors by spreadsheet row and column; the service applies
every rule of the single API, and its refusals are mapped back to rows here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from core.errors import RowsRefused
from core.files.cells import parse_choice, parse_date, parse_datetime, parse_int
from core.files.columns import Column, Columns, Line
from core.files.rows import RowError
from core.files.sheets import SheetSpec, Table, read_table_or_errors
from settlements.domain import calculation as calc
from settlements.models import Payment, Transfer, TransferStatus
from settlements.services.order_transfers import (
    ExternalPayment,
    OrderTransferRequest,
    order_transfers_create_bulk,
)

PREVIEW_ROWS = 20

COLUMNS = Columns(
    [
        Column("partner_id", "파트너 아이디", ("partnerId", "파트너ID"), True, 100),
        Column("payment_id", "결제 아이디", ("paymentId", "결제ID"), True, 200),
        Column("order_amount", "주문 금액", ("orderAmount",), True),
        Column("tax_free_amount", "면세 금액", ("taxFreeAmount",)),
        Column("discount_policy_id", "할인 분담 정책 아이디", ("sharePolicyId",)),
        Column("discount_amount", "할인 금액"),
        Column("discount_tax_free_amount", "할인 면세 금액"),
        Column("fee_policy_ids", "추가 수수료 정책 아이디"),
        Column("contract_id", "계약 아이디", ("contractId", "계약ID")),
        Column("settlement_start_date", "정산 시작일", ("settlementStartDate",)),
        Column("settlement_date", "정산일", ("settlementDate",)),
        Column("payment_kind", "결제 구분"),
        Column("currency", "통화", ("currency",)),
        Column("order_name", "주문명", ("orderName",), max_length=300),
        Column("paid_at", "결제 시각", ("paidAt",)),
        Column("method", "결제수단"),
        Column("memo", "메모", ("memo",), max_length=256),
        Column("id", "정산건 아이디", ("id", "정산건ID"), max_length=100),
    ]
)

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


@dataclass
class OrderFile:
    """The parsed file: requests for the bulk service (file order) with their spreadsheet row
    numbers, or the errors."""

    rows: list[OrderTransferRequest] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field -> header as written


def parse_table(table: Table) -> OrderFile:
    layout, errors = COLUMNS.match(table.headers)
    out = OrderFile(errors=errors, headers=layout.headers)
    if errors:
        return out
    for line in COLUMNS.lines(table, layout):
        row = _row(line)
        if line.errors:
            out.errors.extend(line.errors)
        else:
            out.rows.append(row)
            out.row_numbers.append(line.number)
    return out


def parse_file(data: bytes, filename: str = "") -> OrderFile:
    table = read_table_or_errors(data, filename)
    return OrderFile(errors=table) if isinstance(table, list) else parse_table(table)


def _payment_kind(text: str) -> str:
    return parse_choice(text, PAYMENT_KINDS, "결제 구분")


def _method(text: str) -> str:
    return parse_choice(text, METHODS, "결제수단")


def _row(line: Line) -> OrderTransferRequest | None:
    """One line -> the service's request; problems go to `line.errors` (None then)."""
    partner_id = line.cell("partner_id", required=True)
    payment_id = line.cell("payment_id", required=True)
    contract_id = line.cell("contract_id")
    memo = line.cell("memo")
    public_id = line.cell("id")
    start = line.cell("settlement_start_date", parse_date)
    settlement_date = line.cell("settlement_date", parse_date)
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

    external = None
    kind = line.cell("payment_kind", _payment_kind) or Payment.Kind.PORT_ONE
    if kind == Payment.Kind.EXTERNAL:
        method = line.cell("method", _method) if line.get("method") else None
        external = ExternalPayment(
            currency=(line.get("currency") or "KRW").upper(),
            order_name=line.cell("order_name") if line.get("order_name") else None,
            paid_at=line.cell("paid_at", parse_datetime) if line.get("paid_at") else None,
            method={"type": method} if method else None,
        )
    else:
        for name in ("currency", "order_name", "paid_at", "method"):
            if line.get(name):
                line.error(
                    name,
                    "포트원 결제의 정보는 포트원에서 가져옵니다. 비워 두거나 결제 구분을 "
                    "'외부'로 적으세요.",
                )

    if order_amount is None or line.errors:
        return None
    try:
        discounts = (calc.Discount(policy, discount, discount_tax_free or 0),) if policy else ()
        order = calc.Order(
            order_amount=order_amount,
            discounts=discounts,
            additional_fees=tuple(calc.AdditionalFee(f) for f in fee_ids),
            tax_free_amount=tax_free,
        )
    except calc.InvalidOrderInputError as exc:
        line.error("order_amount", str(exc))
        return None
    return OrderTransferRequest(
        partner_id=partner_id,
        payment_id=payment_id,
        order=order,
        contract_id=contract_id,
        settlement_start_date=start,
        settlement_date=settlement_date,
        external_payment=external,
        memo=memo,
        id=public_id,
    )


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


def service_errors(parsed: OrderFile, exc: RowsRefused) -> list[RowError]:
    out = []
    for failure in exc.failures:
        name = ERROR_COLUMNS.get(failure.error.code)
        out.append(
            RowError(
                parsed.row_numbers[failure.index],
                parsed.headers[name] if name else "",
                f"{failure.error.message or failure.error.code} ({failure.error.code})",
            )
        )
    return out


def import_order_file(
    data: bytes, filename: str, *, is_for_test: bool, dry_run: bool = False
) -> OrderImport:
    table = read_table_or_errors(data, filename)
    if isinstance(table, list):
        return OrderImport(file=OrderFile(errors=table), is_for_test=is_for_test, errors=table)
    return import_order_table(table, is_for_test=is_for_test, dry_run=dry_run)


def import_order_table(table: Table, *, is_for_test: bool, dry_run: bool = False) -> OrderImport:
    """Parse the rows and create every transfer, or none (`dry_run`: check and compute only).
    Cell errors stop before the service; the service's row errors come back by row number."""
    parsed = parse_table(table)
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
    except RowsRefused as exc:
        result.errors = service_errors(parsed, exc)
    return result


TEMPLATE_EXAMPLES = [
    ["partner-1", "order-20251001-0001", "10000", "", "", "", "", "", "", "", "", "외부", "KRW",
     "티셔츠 외 1건", "2025-10-01 10:00", "카드", "", ""],
    ["partner-2", "order-20251001-0002", "42000", "30000", "coupon-policy", "3000", "1000",
     "fulfilment,marketing", "", "2025-10-02", "", "외부", "KRW", "도서", "2025-10-01 11:30",
     "간편결제", "10월 주문", ""],
    ["partner-1", "portone-payment-id", "25000", "", "", "", "", "", "", "", "", "포트원", "", "",
     "", "", "", ""],
]  # fmt: skip


def template_sheet() -> SheetSpec:
    return SheetSpec(title="정산건", headers=COLUMNS.headers, rows=TEMPLATE_EXAMPLES)
