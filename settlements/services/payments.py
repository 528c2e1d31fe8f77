"""Payments behind ORDER transfers: PortOne payments stored from the resolver or a webhook, the
lookup that asks the resolver for one the local table does not have (docs/calculation.md#payments),
and payments from a file (other PGs' reports, or corrections). Nothing here decides amounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.dateparse import parse_datetime

from core.errors import Invalid, RowFailure, RowsRefused
from core.iterables import chunked
from settlements.models import Payment, PaymentCancellation, Transfer, TransferType
from settlements.providers import get_payment_resolver

KEY_CHUNK = 5_000

METHOD_TYPES = {
    "PaymentMethodCard": "CARD",
    "PaymentMethodTransfer": "TRANSFER",
    "PaymentMethodVirtualAccount": "VIRTUAL_ACCOUNT",
    "PaymentMethodGiftCertificate": "GIFT_CERTIFICATE",
    "PaymentMethodMobile": "MOBILE",
    "PaymentMethodEasyPay": "EASY_PAY",
}


def _dt(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def method_from_portone(method: dict | None) -> dict | None:
    """PortOne payment `method` ({"type": "PaymentMethodCard", ...}) -> our wire union."""
    if not method:
        return None
    kind = METHOD_TYPES.get(method.get("type", ""))
    if kind is None:
        return None
    out: dict[str, Any] = {"type": kind}
    if kind == "EASY_PAY":
        if method.get("provider"):
            out["provider"] = method["provider"]
        inner = (method.get("easyPayMethod") or {}).get("type", "")
        mapped = {
            "PaymentMethodEasyPayMethodCharge": "CHARGE",
            "PaymentMethodCard": "CARD",
            "PaymentMethodTransfer": "TRANSFER",
        }.get(inner)
        if mapped:
            out["methodType"] = mapped
    return out


def store_portone_payment(
    body: dict[str, Any], *, is_for_test: bool, source: str = Payment.Source.RESOLVER
) -> Payment:
    """Upsert a PortOne Payment JSON (from the resolver or a webhook-triggered fetch)."""
    amount = body.get("amount") or {}
    payment, _ = Payment.objects.update_or_create(
        is_for_test=is_for_test,
        kind=Payment.Kind.PORT_ONE,
        public_id=body["id"],
        defaults={
            "source": source,
            "store_id": body.get("storeId", ""),
            "channel_key": (body.get("channel") or {}).get("key", ""),
            "order_name": body.get("orderName", ""),
            "currency": body.get("currency", "KRW"),
            "paid_at": _dt(body.get("paidAt")),
            "method": method_from_portone(body.get("method")),
            "total_amount": amount.get("total"),
            "tax_free_amount": amount.get("taxFree", 0),
            "raw": body,
        },
    )
    for cancel in body.get("cancellations") or []:
        PaymentCancellation.objects.update_or_create(
            payment=payment,
            cancellation_id=cancel["id"],
            defaults={
                "cancelled_at": _dt(cancel.get("cancelledAt") or cancel.get("requestedAt")),
                "total_amount": cancel.get("totalAmount"),
                "tax_free_amount": cancel.get("taxFreeAmount", 0),
            },
        )
    return payment


def find_portone_payment(payment_id: str, *, is_for_test: bool) -> Payment | None:
    payment = Payment.objects.filter(
        is_for_test=is_for_test, kind=Payment.Kind.PORT_ONE, public_id=payment_id
    ).first()
    if payment is not None:
        return payment
    body = get_payment_resolver().fetch(payment_id)
    if body is None:
        return None
    return store_portone_payment(body, is_for_test=is_for_test)


# --- payments from a file ------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentRecord:
    """One payment as a file gives it (insert, or update by (mode, kind, public id))."""

    kind: str  # Payment.Kind
    public_id: str
    store_id: str = ""
    channel_key: str = ""
    order_name: str = ""
    currency: str = "KRW"
    paid_at: datetime | None = None
    method: dict | None = None
    total_amount: int | None = None
    tax_free_amount: int | None = None


@dataclass(frozen=True)
class PaymentsImported:
    created: int
    updated: int
    unchanged: int


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


@transaction.atomic
def payments_upsert(
    *,
    is_for_test: bool,
    records: Sequence[PaymentRecord],
    source: str = Payment.Source.CSV,
    dry_run: bool = False,
) -> PaymentsImported:
    """Insert or update every payment (update_or_create semantics, set-based: one read per kind,
    one bulk insert, one bulk update), or none: `RowsRefused` names the records refused.

    A payment's amount cannot go below what ORDER transfers already settled against it: the
    payment caps (docs/calculation.md, "Payment caps") would silently stop holding.
    """
    existing: dict[tuple[str, str], Payment] = {}
    for kind in (Payment.Kind.PORT_ONE, Payment.Kind.EXTERNAL):
        ids = [r.public_id for r in records if r.kind == kind]
        for chunk in chunked(ids, KEY_CHUNK):
            for payment in Payment.objects.select_for_update().filter(
                is_for_test=is_for_test, kind=kind, public_id__in=chunk
            ):
                existing[(kind, payment.public_id)] = payment
    registered = _registered_amounts([p.pk for p in existing.values()])

    new: list[Payment] = []
    changed: list[Payment] = []
    failures: list[RowFailure] = []
    for index, record in enumerate(records):
        values = {name: getattr(record, name) for name in FIELDS if name != "source"}
        values["source"] = source
        payment = existing.get((record.kind, record.public_id))
        if payment is None:
            new.append(
                Payment(
                    is_for_test=is_for_test, kind=record.kind, public_id=record.public_id, **values
                )
            )
            continue
        settled = registered.get(payment.pk)
        total = values["total_amount"]
        if settled and total is not None and settled > total:
            failures.append(
                RowFailure(
                    index,
                    Invalid(
                        "INVALID_REQUEST",
                        f"이미 등록된 주문 정산건의 결제금액 합계({settled:,})보다 작게 바꿀 수 "
                        "없습니다.",
                        field="total_amount",
                    ),
                )
            )
            continue
        if any(getattr(payment, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(payment, name, value)
            changed.append(payment)
    if failures:
        raise RowsRefused(failures)
    done = PaymentsImported(
        created=len(new), updated=len(changed), unchanged=len(records) - len(new) - len(changed)
    )
    if not dry_run:
        Payment.objects.bulk_create(new, batch_size=2_000)
        Payment.objects.bulk_update(changed, [*FIELDS, "updated_at"], batch_size=2_000)
    return done


def _registered_amounts(payment_pks: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for chunk in chunked(payment_pks, KEY_CHUNK):
        rows = (
            Transfer.objects.filter(type=TransferType.ORDER, payment_id__in=chunk)
            .order_by()
            .values("payment_id")
            .annotate(total=Sum("amount_payment"))
        )
        out.update((row["payment_id"], row["total"]) for row in rows)
    return out
