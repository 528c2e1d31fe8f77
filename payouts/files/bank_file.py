"""대량이체 files for a bank that is not connected: the transfer file the finance team uploads to
the bank's bulk-transfer screen, and the bank's result file read back
(payouts/services/bank_file.py records it).

Transfer file: 은행코드 (the 3-digit code of the 금융결제원 list), 계좌번호 (digits only),
금액, 예금주(받는 분), 메모 (받는 통장 표시) — the columns Korean banks' 대량이체 upload screens
take. Result file: 계좌번호, 금액, 결과 (성공 / 실패; 정상·완료 and 불능·오류 are read too), 사유.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.files.cells import parse_int
from core.files.columns import Column, Columns
from core.files.rows import RowError
from core.files.sheets import SheetSpec, Table
from partners.providers.account_holder import BANK_CODES
from payouts.models import Payout
from payouts.services.bank_file import BankResult, digits

TRANSFER_HEADERS = ["은행코드", "계좌번호", "금액", "예금주(받는 분)", "메모"]
RESULT_COLUMNS = Columns(
    [
        Column("account_number", "계좌번호", aliases=("입금계좌번호", "account"), required=True),
        Column("amount", "금액", aliases=("이체금액", "입금액", "amount"), required=True),
        Column("result", "결과", aliases=("처리결과", "이체결과", "result"), required=True),
        Column("reason", "사유", aliases=("실패사유", "불능사유", "reason"), max_length=200),
    ]
)
SUCCESS_WORDS = {"성공", "정상", "완료", "이체완료", "success", "succeeded", "s", "ok"}
FAILURE_WORDS = {"실패", "불능", "오류", "이체불능", "fail", "failed", "f", "error"}


def transfer_rows(payouts: Iterable[Payout]) -> Iterable[list]:
    for p in payouts:
        yield [
            BANK_CODES.get(p.account_bank, ""),
            digits(p.account_number),
            p.amount,
            p.account_holder,
            (p.deposit_memo or "")[:20],
        ]


def transfer_sheet(payouts: Iterable[Payout], title: str = "대량이체") -> SheetSpec:
    return SheetSpec(
        title=title[:31],
        headers=TRANSFER_HEADERS,
        rows=transfer_rows(payouts),
        amount_columns=frozenset({2}),
        widths=[10, 20, 14, 20, 24],
    )


def parse_results(table: Table) -> tuple[list[BankResult], list[RowError]]:
    layout, errors = RESULT_COLUMNS.match(table.headers)
    if errors:
        return [], errors
    results = []
    for line in RESULT_COLUMNS.lines(table, layout):
        number = line.cell("account_number", required=True)
        amount = line.cell("amount", parse_int, required=True)
        word = (line.cell("result", required=True) or "").strip().lower().replace(" ", "")
        reason = line.cell("reason")
        succeeded = None
        if word in SUCCESS_WORDS:
            succeeded = True
        elif word in FAILURE_WORDS:
            succeeded = False
        elif word:
            line.error("result", "결과는 '성공' 또는 '실패'여야 합니다.")
        if number and not digits(number):
            line.error("account_number", "계좌번호에 숫자가 없습니다.")
        if line.errors:
            errors.extend(line.errors)
            continue
        results.append(BankResult(line.number, number, amount, bool(succeeded), reason))
    if not results and not errors:
        errors.append(RowError(0, "", "결과 행이 없습니다."))
    return results, errors
