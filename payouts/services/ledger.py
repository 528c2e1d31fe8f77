"""The payout account's ledger (docs/payouts.md#ledger): every movement is an account transfer,
and the balance is what they add up to.

* balance   = Σ succeeded deposits − Σ succeeded withdrawals (bank fees are withdrawals too);
  `PayoutAccount.balance` keeps it, changed only here and only under the account row's lock;
* reserved  = Σ (amount + reserved fee) of pending withdrawals (PREPARED, SCHEDULED, PROCESSING,
  ASYNC_PROCESSING): a started bulk payout's withdrawals are its reservation;
* available = balance − reserved, never below zero: `reserve` checks it under the lock, so two
  starts cannot both pass.

A new live account starts at 0. The test-mode account opens with 1,000,000,000 KRW (an opening
DEPOSIT on first use, like PortOne's mock accounts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.errors import Invalid, invalid
from payouts.models import (
    PENDING_TRANSFER_STATUSES,
    AccountTransfer,
    AccountTransferStatus,
    AccountTransferType,
    Payout,
    PayoutAccount,
    PayoutMethod,
    PayoutStatus,
)

OPENING_SOURCE = "OPENING"


@dataclass(frozen=True)
class Balances:
    balance: int
    reserved: int

    @property
    def available(self) -> int:
        return self.balance - self.reserved


def payout_account(is_for_test: bool) -> PayoutAccount:
    """The mode's payout account, created on first use (test mode with its opening deposit)."""
    account = PayoutAccount.objects.filter(is_for_test=is_for_test).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            if is_for_test:
                details = {"holder": "테스트 지급 계좌"}
            else:  # PAYOUT_ACCOUNT_* (editable later in the admin)
                details = {
                    "bank": getattr(settings, "PAYOUT_ACCOUNT_BANK", "") or "KOOKMIN",
                    "account_number": getattr(settings, "PAYOUT_ACCOUNT_NUMBER", "") or None,
                    "holder": getattr(settings, "PAYOUT_ACCOUNT_HOLDER", ""),
                }
            account = PayoutAccount.objects.create(
                is_for_test=is_for_test,
                provider="MOCK" if is_for_test else "HYPHEN_FIRM",
                **details,
            )
            if is_for_test:
                opening = int(getattr(settings, "PAYOUT_TEST_OPENING_BALANCE", 1_000_000_000))
                _deposit(account, opening, "포트원 모의 계좌", "초기 잔액", None, OPENING_SOURCE)
    except IntegrityError:  # created by a concurrent first use
        account = PayoutAccount.objects.get(is_for_test=is_for_test)
    return account


def lock_account(is_for_test: bool) -> PayoutAccount:
    """The account row FOR UPDATE (inside a transaction): the ledger's one lock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_account() must be called inside transaction.atomic")
    pk = payout_account(is_for_test).pk
    return PayoutAccount.objects.select_for_update().get(pk=pk)


def reserved_amount(account: PayoutAccount) -> int:
    row = AccountTransfer.objects.filter(
        account=account,
        type=AccountTransferType.WITHDRAWAL,
        status__in=PENDING_TRANSFER_STATUSES,
    ).aggregate(total=Coalesce(Sum(F("amount") + F("fee_amount")), 0))
    return int(row["total"])


def balances(is_for_test: bool) -> Balances:
    account = payout_account(is_for_test)
    account.refresh_from_db(fields=["balance"])
    return Balances(balance=account.balance, reserved=reserved_amount(account))


def reserve(account: PayoutAccount, total: int) -> None:
    """Refuse, before anything is written, what the available balance does not cover.
    `account` must be locked (lock_account)."""
    available = account.balance - reserved_amount(account)
    if total > available:
        shortfall = total - available
        raise Invalid(
            "PLATFORM_INSUFFICIENT_BALANCE",
            f"지급 계좌 잔액이 부족합니다: 필요 {total:,}원, 사용 가능 {available:,}원, "
            f"부족 {shortfall:,}원",
            required=total,
            available=available,
            shortfall=shortfall,
        )


def move_balance(account_pk: int, delta: int) -> int:
    """Add `delta` to the balance (the row is locked by the UPDATE itself) and return it."""
    PayoutAccount.objects.filter(pk=account_pk).update(balance=F("balance") + delta)
    return PayoutAccount.objects.filter(pk=account_pk).values_list("balance", flat=True).get()


def _deposit(
    account: PayoutAccount,
    amount: int,
    depositor_name: str,
    deposit_memo: str | None,
    traded_at: datetime | None,
    source: str,
) -> AccountTransfer:
    now = timezone.now()
    balance = move_balance(account.pk, amount)
    return AccountTransfer.objects.create(
        is_for_test=account.is_for_test,
        account=account,
        type=AccountTransferType.DEPOSIT,
        status=AccountTransferStatus.SUCCEEDED,
        status_updated_at=now,
        currency=account.currency,
        amount=amount,
        balance_after=balance,
        depositor_name=depositor_name,
        deposit_memo=deposit_memo,
        traded_at=traded_at or now,
        source=source,
    )


@dataclass(frozen=True)
class DepositInput:
    amount: int
    depositor_name: str
    deposit_memo: str | None = None
    traded_at: datetime | None = None


def _check_deposit(d: DepositInput) -> None:
    if not isinstance(d.amount, int) or isinstance(d.amount, bool) or d.amount <= 0:
        raise invalid("amount: 입금액은 1원 이상의 정수여야 합니다.")
    if not (d.depositor_name or "").strip():
        raise invalid("depositorName: 입금자명을 입력하세요.")


@transaction.atomic
def deposit_record(
    *,
    is_for_test: bool,
    amount: int,
    depositor_name: str,
    deposit_memo: str | None = None,
    traded_at: datetime | None = None,
    source: str = "MANUAL",
) -> AccountTransfer:
    """충전: a DEPOSIT, SUCCEEDED at once (the money is on the account statement already)."""
    d = DepositInput(amount, depositor_name, deposit_memo, traded_at)
    _check_deposit(d)
    account = lock_account(is_for_test)
    return _deposit(account, amount, depositor_name.strip(), deposit_memo, traded_at, source)


@transaction.atomic
def deposits_record(
    *, is_for_test: bool, deposits: Sequence[DepositInput], source: str
) -> list[AccountTransfer]:
    """Several deposits (a bank-statement upload) all or nothing, in order."""
    for d in deposits:
        _check_deposit(d)
    account = lock_account(is_for_test)
    return [
        _deposit(account, d.amount, d.depositor_name.strip(), d.deposit_memo, d.traded_at, source)
        for d in deposits
    ]


def assert_ledger_invariant(is_for_test: bool) -> None:
    """For tests and the health check: raises AssertionError when the ledger does not add up.

    * balance = Σ succeeded deposits − Σ succeeded withdrawals (fees included) ≥ 0, and the
      stored balance says the same; available ≥ 0;
    * every succeeded AGENCY payout has exactly one withdrawal, SUCCEEDED, of its amount; no
      other payout has a succeeded withdrawal; no payout has two.
    """
    account = PayoutAccount.objects.filter(is_for_test=is_for_test).first()
    if account is None:
        assert not AccountTransfer.objects.filter(is_for_test=is_for_test).exists()
        return
    ok = Q(status=AccountTransferStatus.SUCCEEDED)
    sums = AccountTransfer.objects.filter(account=account).aggregate(
        deposits=Coalesce(Sum("amount", filter=ok & Q(type=AccountTransferType.DEPOSIT)), 0),
        withdrawals=Coalesce(Sum("amount", filter=ok & Q(type=AccountTransferType.WITHDRAWAL)), 0),
    )
    derived = sums["deposits"] - sums["withdrawals"]
    assert derived == account.balance, f"stored balance {account.balance} != derived {derived}"
    assert derived >= 0, f"negative balance {derived}"
    reserved = reserved_amount(account)
    assert derived - reserved >= 0, f"reserved {reserved} exceeds balance {derived}"

    withdrawals = AccountTransfer.objects.filter(
        account=account, type=AccountTransferType.WITHDRAWAL, is_fee=False, payout__isnull=False
    )
    twice = withdrawals.values("payout").annotate(n=Count("id")).filter(n__gt=1)
    assert not twice.exists(), f"payouts with two withdrawals: {list(twice)}"
    succeeded = Payout.objects.filter(
        is_for_test=is_for_test, method=PayoutMethod.AGENCY, status=PayoutStatus.SUCCEEDED
    )
    for payout in succeeded.annotate(
        n=Count("account_transfers", filter=Q(account_transfers__is_fee=False)),
        ok_amount=Sum(
            "account_transfers__amount",
            filter=Q(account_transfers__is_fee=False)
            & Q(account_transfers__status=AccountTransferStatus.SUCCEEDED),
        ),
    ):
        assert payout.n == 1, f"payout {payout.public_id}: {payout.n} withdrawals"
        assert payout.ok_amount == payout.amount, (
            f"payout {payout.public_id}: withdrew {payout.ok_amount}, amount {payout.amount}"
        )
    stray = withdrawals.filter(status=AccountTransferStatus.SUCCEEDED).exclude(
        payout__status=PayoutStatus.SUCCEEDED
    )
    assert not stray.exists(), f"succeeded withdrawals of unpaid payouts: {list(stray)}"
