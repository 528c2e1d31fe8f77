"""ORDER_CANCEL transfers (주문 취소 정산건): what a cancellation takes back from an order transfer.

The amounts are "the remaining order before this cancel − after it", both computed with the
original's contract and policy versions (docs/calculation.md, "Cancellations"), so partial
cancels always add up to the original. Checks, in order: the original (by id, or the one ORDER
transfer of a partner and payment); the cancellation matches the payment's kind (an
externalCancellationDetail for an EXTERNAL payment, none for a PortOne one); properties; id;
one cancel per cancellation; the calculation's own refusals; PortOne cancel caps; dates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from ulid import ULID

from core.errors import Conflict, Invalid, NotFound, Ref, invalid
from core.wire import drop_none
from policies.models import PlatformSetting
from settlements.domain import calculation as calc
from settlements.domain import codec
from settlements.models import Payment, PaymentCancellation, Transfer, TransferType
from settlements.services import rules
from settlements.services.refusals import refusal
from settlements.services.versions import Versions
from settlements.services.writes import save_one


@dataclass(frozen=True)
class ExternalCancellation:
    cancelled_at: datetime | None = None


@dataclass(frozen=True)
class OrderCancelTransferRequest:
    cancellation_id: str
    cancellation: calc.Cancellation
    transfer_id: str | None = None  # the original; or partner_id + payment_id
    partner_id: str | None = None
    payment_id: str | None = None
    settlement_start_date: date | None = None  # None: the cancellation's date (KST), else today
    settlement_date: date | None = None
    external_cancellation: ExternalCancellation | None = None  # required for EXTERNAL payments
    memo: str | None = None
    user_defined_properties: Sequence[Mapping[str, Any]] = ()
    id: str | None = None


@transaction.atomic
def order_cancel_transfer_create(
    *, is_for_test: bool, request: OrderCancelTransferRequest
) -> Transfer:
    original = _original(request, is_for_test=is_for_test)
    payment = original.payment
    external = request.external_cancellation
    if payment.kind == Payment.Kind.PORT_ONE and external is not None:
        raise Invalid(
            "PLATFORM_CANCELLATION_AND_PAYMENT_TYPE_MISMATCHED",
            "포트원 결제의 취소에는 externalCancellationDetail을 쓸 수 없습니다.",
        )
    if payment.kind == Payment.Kind.EXTERNAL and external is None:
        raise Invalid(
            "PLATFORM_CANCELLATION_AND_PAYMENT_TYPE_MISMATCHED",
            "외부 결제의 취소에는 externalCancellationDetail이 필요합니다.",
        )
    lookups = rules.BatchLookups(
        is_for_test=is_for_test,
        partner_ids=(),
        property_keys=(p["key"] for p in request.user_defined_properties),
        transfer_ids=[request.id] if request.id else [],
    )
    properties = lookups.properties(list(request.user_defined_properties))
    lookups.check_id(request.id)
    public_id = request.id or str(ULID())
    duplicate = original.cancel_transfers.filter(cancellation_id=request.cancellation_id).first()
    if duplicate is not None:
        raise Conflict(
            "PLATFORM_TRANSFER_ALREADY_EXISTS",
            f"이 취소의 정산건이 이미 있습니다: {duplicate.public_id}",
            transfer_id=Ref("transfer", duplicate.public_id),
        )

    terms = codec.terms_from_json(original.calc_input["terms"])
    try:
        remaining = calc.remaining_order(
            codec.order_from_json(original.calc_input["order"]), _prior_cancellations(original)
        )
        result = calc.calculate_cancellation(
            remaining, request.cancellation, terms, currency=original.settlement_currency
        )
    except calc.CalculationError as exc:
        raise refusal(exc) from exc

    cancelled_at = external.cancelled_at if external is not None else None
    if payment.kind == Payment.Kind.PORT_ONE:
        _check_cancel_caps(payment, request.cancellation_id, result.cancel.amount)
        cancelled_at = PaymentCancellation.objects.get(
            payment=payment, cancellation_id=request.cancellation_id
        ).cancelled_at
    today = timezone.localdate()
    # The start is the cancellation's date (KST) unless given, else today (docs/dates.md).
    start = request.settlement_start_date or (
        timezone.localdate(cancelled_at) if cancelled_at else today
    )
    contract_terms = _contract_terms_from_snapshot(original)
    setting = PlatformSetting.for_mode(is_for_test=is_for_test)
    settlement_date = rules.settlement_date(
        start, contract_terms, request.settlement_date, setting, rules.calendar()
    )

    versions = Versions(
        terms=terms,
        contract=original.snapshot["contract"],
        discount_policies=_policies_from_snapshot(original, "discounts", "sharePolicy"),
        fee_policies=_policies_from_snapshot(original, "additionalFees", "policy"),
        contract_terms=contract_terms,
    )
    snapshot = {
        "contract": original.snapshot["contract"],
        "payment": original.snapshot["payment"],
        "cancellation": {
            "id": request.cancellation_id,
            "cancelledAt": cancelled_at or timezone.now(),
        },
        **rules.computed_snapshot(result.cancel, versions),
    }
    transfer = Transfer(
        public_id=public_id,
        is_for_test=is_for_test,
        type=TransferType.ORDER_CANCEL,
        stored_status=rules.initial_status(start, settlement_date, today),
        partner=original.partner,
        contract=original.contract,
        settlement_start_date=start,
        settlement_date=settlement_date,
        settlement_date_explicit=request.settlement_date is not None,
        settlement_currency=original.settlement_currency,
        memo=request.memo,
        user_defined_properties=properties,
        parameters=original.parameters,
        payment=payment,
        payment_public_id=original.payment_public_id,
        original=original,
        cancellation_id=request.cancellation_id,
        cancelled_at=cancelled_at,
        snapshot=drop_none(snapshot),
        calc_input={"cancellation": codec.to_json(request.cancellation)},
        **rules.amount_columns(result.cancel.amount),
    )
    return save_one(transfer)


def _original(request: OrderCancelTransferRequest, *, is_for_test: bool) -> Transfer:
    qs = Transfer.objects.select_for_update().filter(
        is_for_test=is_for_test, type=TransferType.ORDER
    )
    if request.transfer_id:
        original = qs.filter(public_id=request.transfer_id).first()
        if original is None:
            raise NotFound(
                "PLATFORM_TRANSFER_NOT_FOUND",
                f"transferId: 주문 정산건을 찾을 수 없습니다: {request.transfer_id}",
            )
        return original
    if not (request.partner_id and request.payment_id):
        raise invalid("transferId 또는 partnerId와 paymentId가 필요합니다.")
    candidates = list(
        qs.filter(partner__public_id=request.partner_id, payment_public_id=request.payment_id)[:2]
    )
    if not candidates:
        raise NotFound(
            "PLATFORM_TRANSFER_NOT_FOUND", "해당 파트너와 결제의 주문 정산건이 없습니다."
        )
    if len(candidates) > 1:
        raise Invalid(
            "PLATFORM_CANNOT_SPECIFY_TRANSFER",
            "주문 정산건이 여러 개입니다. transferId로 지정하세요.",
        )
    return candidates[0]


def _prior_cancellations(original: Transfer) -> list[calc.Cancellation]:
    cancels = original.cancel_transfers.order_by("created_at", "id").values_list(
        "calc_input", flat=True
    )
    return [codec.cancellation_from_json(c["cancellation"]) for c in cancels]


def _check_cancel_caps(
    payment: Payment, cancellation_id: str, amount: calc.SettlementAmount
) -> None:
    """Cancels of one PortOne cancellation never exceed its amount (docs/calculation.md,
    "Payment caps")."""
    cancel = PaymentCancellation.objects.filter(
        payment=payment, cancellation_id=cancellation_id
    ).first()
    if cancel is None:
        raise NotFound(
            "PLATFORM_CANCELLATION_NOT_FOUND",
            f"cancellationId: 포트원 결제 취소를 찾을 수 없습니다: {cancellation_id}",
        )
    if cancel.total_amount is None:
        return
    registered = Transfer.objects.filter(
        payment=payment, type=TransferType.ORDER_CANCEL, cancellation_id=cancellation_id
    ).aggregate(payment=Sum("amount_payment"), tax_free=Sum("amount_payment_tax_free"))
    reg_total, reg_tax_free = registered["payment"] or 0, registered["tax_free"] or 0
    cancel_tax_free = cancel.tax_free_amount or 0
    for amount_type, reg, requested, allowed in (
        (
            "SUPPLY_WITH_VAT",
            reg_total - reg_tax_free,
            amount.payment - amount.payment_tax_free,
            cancel.total_amount - cancel_tax_free,
        ),
        ("TAX_FREE", reg_tax_free, amount.payment_tax_free, cancel_tax_free),
    ):
        if reg + requested > allowed:
            raise Invalid(
                "PLATFORM_SETTLEMENT_CANCEL_AMOUNT_EXCEEDED_PORT_ONE_CANCEL",
                f"취소 정산 금액이 포트원 취소 금액을 넘습니다 ({amount_type}): "
                f"{reg} + {requested} > {allowed}",
                registered_settlement_cancel_amount=reg,
                request_settlement_cancel_amount=requested,
                port_one_cancel_amount=allowed,
                amount_type=amount_type,
            )


def _contract_terms_from_snapshot(original: Transfer) -> dict[str, Any]:
    """The original's contract version (its cycle dates the cancel)."""
    cycle = original.snapshot["contract"]["settlementCycle"]
    method = cycle["method"]
    return {
        "lag_days": cycle["lagDays"],
        "date_policy": cycle["datePolicy"],
        "cycle_method": method["type"],
        "days_of_week": method.get("daysOfWeek", []),
        "days_of_month": method.get("daysOfMonth", []),
        "manual_dates": method.get("dates", []),
    }


def _policies_from_snapshot(original: Transfer, key: str, policy_key: str) -> dict[str, dict]:
    entries = list(original.snapshot.get(key, []))
    for line in original.snapshot.get("orderLines", []):
        entries += line.get(key, [])
    return {e[policy_key]["id"]: e[policy_key] for e in entries}
