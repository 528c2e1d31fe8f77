"""Deposits from a bank-statement CSV/XLSX (입금 내역): columns 거래일시, 입금액, 입금자명, 메모
(docs/payouts.md#ledger). Every row is checked first; then all deposits are recorded at once, or
none, in file order (payouts.services.ledger.deposits_record)."""

from __future__ import annotations

from dataclasses import dataclass

from core.files.cells import parse_datetime, parse_int
from core.files.columns import Column, Columns
from core.files.rows import RowError
from core.files.sheets import FileError, Table, read_table
from payouts.models import AccountTransfer
from payouts.services.ledger import DepositInput, deposits_record

COLUMNS = Columns(
    [
        Column("traded_at", "거래일시", aliases=("tradedAt", "거래 일시", "일시"), required=True),
        Column("amount", "입금액", aliases=("amount", "입금 금액", "금액"), required=True),
        Column(
            "depositor_name",
            "입금자명",
            aliases=("depositorName", "입금자"),
            required=True,
            max_length=100,
        ),
        Column("memo", "메모", aliases=("depositMemo", "적요"), max_length=100),
    ]
)


@dataclass
class DepositUpload:
    deposits: list[DepositInput]
    errors: list[RowError]
    recorded: list[AccountTransfer]


def parse_deposits(data: bytes, filename: str = "") -> tuple[list[DepositInput], list[RowError]]:
    try:
        table = read_table(data, filename)
    except FileError as exc:
        return [], [RowError(0, "", str(exc))]
    return parse_table(table)


def parse_table(table: Table) -> tuple[list[DepositInput], list[RowError]]:
    """The rows of a file already read (the admin's upload page reads it first)."""
    layout, errors = COLUMNS.match(table.headers)
    if errors:
        return [], errors
    deposits = []
    for line in COLUMNS.lines(table, layout):
        traded_at = line.cell("traded_at", parse_datetime, required=True)
        amount = line.cell("amount", parse_int, required=True)
        name = line.cell("depositor_name", required=True)
        memo = line.cell("memo")
        if amount == 0:
            line.error("amount", "입금액은 1원 이상이어야 합니다.")
        if line.errors:
            errors.extend(line.errors)
            continue
        deposits.append(DepositInput(amount, name, memo, traded_at))
    if not deposits and not errors:
        errors.append(RowError(0, "", "입금 내역이 없습니다."))
    return deposits, errors


def import_deposits(*, data: bytes, filename: str, is_for_test: bool) -> DepositUpload:
    """Parse, and record only a file without errors."""
    deposits, errors = parse_deposits(data, filename)
    recorded = []
    if not errors:
        recorded = deposits_record(
            is_for_test=is_for_test, deposits=deposits, source=f"CSV:{filename}"[:120]
        )
    return DepositUpload(deposits, errors, recorded)
