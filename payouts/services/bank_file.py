"""A bank that is not connected (대량이체): the bank's result file recorded against the payouts
of one bulk payout (docs/payouts.md#bulk-payouts, DIRECT).

The finance team uploads the transfer file (payouts/files/bank_file.py) to the bank's
bulk-transfer screen, the bank pays, and its result file says per row account number, amount,
success or failure and a reason. Each row is matched to a payout of this bulk payout that is with
the bank (PROCESSING) by account number and amount; every row must match, or nothing is
recorded. Recording is runner.payout_record_result, the same path as any result from outside
the runner: an AGENCY payout's withdrawal is recorded with its ledger entries as the runner
records them, a DIRECT payout alone; the bulk payout finishes when nothing is left open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from core.crypto import mask
from core.errors import invalid
from payouts.models import BulkPayout, Payout, PayoutStatus
from payouts.services.runner import payout_record_result


@dataclass(frozen=True)
class BankResult:
    row: int  # the file's row number (header = 1)
    account_number: str
    amount: int
    succeeded: bool
    reason: str | None = None


@dataclass(frozen=True)
class ResultRefusal:
    row: int
    message: str


@dataclass
class BankResultOutcome:
    succeeded: int = 0
    failed: int = 0
    refusals: list[ResultRefusal] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refusals


def digits(number: str | None) -> str:
    return "".join(ch for ch in number or "" if ch.isdigit())


def match_results(bulk: BulkPayout, results: Sequence[BankResult]) -> tuple[list, list]:
    """[(payout pk, result)] and the refusals: each row takes the first payout of the bulk payout
    with the bank (PROCESSING) with its account number and amount not taken by an earlier row."""
    open_payouts: dict[tuple[str, int], list[int]] = {}
    for payout in bulk.payouts.filter(status=PayoutStatus.PROCESSING).order_by("id"):
        key = (digits(payout.account_number), payout.amount)
        open_payouts.setdefault(key, []).append(payout.pk)
    matched, refusals = [], []
    for result in results:
        key = (digits(result.account_number), result.amount)
        candidates = open_payouts.get(key)
        if not key[0]:
            refusals.append(ResultRefusal(result.row, "계좌번호가 없습니다."))
        elif not candidates:
            refusals.append(
                ResultRefusal(
                    result.row,
                    f"이 일괄 지급에 계좌번호 {mask(key[0])}, 금액 {result.amount:,}원인 "
                    "송금 처리 중 지급이 없습니다 (이미 결과가 기록되었거나 다른 일괄 지급의 "
                    "행입니다).",
                )
            )
        else:
            matched.append((candidates.pop(0), result))
    return matched, refusals


@transaction.atomic
def bank_results_record(*, bulk_payout_pk: int, results: Sequence[BankResult]) -> BankResultOutcome:
    """Record every row's result, or none when a row does not match (refusals say why)."""
    bulk = BulkPayout.objects.select_for_update().get(pk=bulk_payout_pk)
    if not results:
        raise invalid("결과 파일에 행이 없습니다.")
    # the payouts are locked so a runner or a second upload cannot record them meanwhile
    list(Payout.objects.select_for_update().filter(bulk_payout=bulk).values_list("pk", flat=True))
    matched, refusals = match_results(bulk, results)
    outcome = BankResultOutcome(refusals=refusals)
    if refusals:
        return outcome
    for payout_pk, result in matched:
        reason = None if result.succeeded else (result.reason or None)
        if not payout_record_result(payout_pk=payout_pk, succeeded=result.succeeded, reason=reason):
            raise invalid(f"{result.row}행: 지급의 결과가 이미 기록되었습니다.")
        if result.succeeded:
            outcome.succeeded += 1
        else:
            outcome.failed += 1
    return outcome
