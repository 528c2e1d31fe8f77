"""MANUAL transfers (수기 정산건): amounts a person decides, positive or negative (an adjustment).

One validation path for the API (`manual_transfer_create`), files and the admin
(`manual_transfers_create`): partner → currency → tax-free part (same sign, no larger:
`calculation.check_manual_settlement`) → user-defined properties → id, each row against sets read
once for the batch; nothing is written until every row has passed (docs/calculation.md, "Manual
transfers"). A manual transfer has no start date; it is SETTLED from its settlement date on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from ulid import ULID

from core.errors import DomainError, Invalid, RowFailure, RowsRefused
from settlements.domain import calculation as calc
from settlements.models import Transfer, TransferType
from settlements.services import rules
from settlements.services.refusals import refusal
from settlements.services.writes import insert_many, save_one


@dataclass(frozen=True)
class ManualTransferRequest:
    """`settlement_amount` / `settlement_date` are None only for a spreadsheet row whose cell could
    not be read: that row is refused anyway, and the checks that do not need the value still run
    so the person sees every problem of the row at once."""

    partner_id: str
    settlement_amount: int | None  # won; negative = an adjustment
    settlement_date: date | None
    settlement_tax_free_amount: int = 0
    settlement_currency: str = "KRW"
    memo: str | None = None
    user_defined_properties: Sequence[Mapping[str, Any]] = ()  # [{key, value: {string}}]
    id: str | None = None


def manual_transfer_create(*, is_for_test: bool, request: ManualTransferRequest) -> Transfer:
    """One manual transfer, saved with its history row; refusals are the row's own."""
    with transaction.atomic():
        transfers, failures = _plan(is_for_test=is_for_test, requests=[request])
        if failures:
            raise failures[0].error
        return save_one(transfers[0])


def manual_transfers_create(
    *, is_for_test: bool, rows: Sequence[ManualTransferRequest], dry_run: bool = False
) -> list[Transfer]:
    """Many manual transfers, all or none: `RowsRefused` names every refused row (by index)
    before anything is written. `dry_run`: check only and return the unsaved transfers."""
    with transaction.atomic():
        transfers, failures = _plan(is_for_test=is_for_test, requests=rows)
        if failures:
            raise RowsRefused(failures)
        if not dry_run:
            insert_many(transfers)
        return transfers


def _plan(
    *, is_for_test: bool, requests: Sequence[ManualTransferRequest]
) -> tuple[list[Transfer], list[RowFailure]]:
    lookups = rules.BatchLookups(
        is_for_test=is_for_test,
        partner_ids=(r.partner_id for r in requests),
        property_keys=(p["key"] for r in requests for p in r.user_defined_properties),
        transfer_ids=(r.id for r in requests if r.id),
    )
    today = timezone.localdate()
    transfers: list[Transfer] = []
    failures: list[RowFailure] = []
    for index, request in enumerate(requests):
        transfer, errors = _transfer(request, lookups, is_for_test=is_for_test, today=today)
        failures.extend(RowFailure(index, error) for error in errors)
        if transfer is not None:
            transfers.append(transfer)
    return transfers, failures


def _transfer(
    request: ManualTransferRequest, lookups: rules.BatchLookups, *, is_for_test: bool, today: date
) -> tuple[Transfer | None, list[DomainError]]:
    """The transfer, or every refusal of the row in the order of the checks (the API answers the
    first one)."""
    errors: list[DomainError] = []

    def check(step, *args):
        try:
            return step(*args)
        except DomainError as exc:
            errors.append(exc)
            return None

    partner = check(lookups.partner, request.partner_id)
    currency = request.settlement_currency or "KRW"
    check(rules.check_currency, currency)
    amount, tax_free = request.settlement_amount, request.settlement_tax_free_amount or 0
    if amount is not None:
        check(_check_amounts, amount, tax_free)
    properties = check(lookups.properties, list(request.user_defined_properties))
    try:
        lookups.check_id(request.id)
    except DomainError as exc:
        errors.append(exc)
    else:
        lookups.take_id(request.id)  # a later row with the same id is a duplicate
    for name, value in (
        ("settlementAmount", amount),
        ("settlementDate", request.settlement_date),
    ):
        if value is None:  # never drop a row silently
            errors.append(Invalid("INVALID_REQUEST", f"{name}: 값이 필요합니다.", field=name))
    if errors:
        return None, errors
    return Transfer(
        public_id=request.id or str(ULID()),
        is_for_test=is_for_test,
        type=TransferType.MANUAL,
        stored_status=rules.initial_status(None, request.settlement_date, today),
        partner=partner,
        settlement_date=request.settlement_date,
        settlement_date_explicit=True,
        settlement_currency=currency,
        memo=request.memo,
        user_defined_properties=properties,
        amount_settlement=amount,
        amount_settlement_tax_free=tax_free,
    ), []


def _check_amounts(amount: int, tax_free: int) -> None:
    try:
        calc.check_manual_settlement(amount, tax_free)
    except calc.CalculationError as exc:
        raise refusal(exc) from exc
