"""Demo transfers for `make run`: orders, a partial cancel and manual adjustments over the coming
weeks, so the dashboard and the partner-settlement pages have something to show."""

from datetime import timedelta

from django.utils import timezone

from settlements.domain import calculation as calc
from settlements.models import Transfer
from settlements.services.cancel_transfers import (
    ExternalCancellation,
    OrderCancelTransferRequest,
    order_cancel_transfer_create,
)
from settlements.services.manual_transfers import ManualTransferRequest, manual_transfer_create
from settlements.services.order_transfers import (
    ExternalPayment,
    OrderTransferRequest,
    order_transfer_create,
)


def load() -> int:
    if Transfer.objects.filter(public_id__startswith="demo-").exists():
        return 0
    today = timezone.localdate()
    paid_at = timezone.now() - timedelta(days=2)
    created = 0
    orders = [
        ("demo-order-1", "demo-seller-1", 128_000, "demo-coupon-half", 8_000),
        ("demo-order-2", "demo-seller-1", 54_000, None, 0),
        ("demo-order-3", "demo-seller-2", 230_000, None, 0),
        ("demo-order-4", "demo-instructor-1", 99_000, None, 0),
        ("demo-order-5", "demo-creator-1", 35_000, "demo-coupon-none", 5_000),
    ]
    for public_id, partner_id, amount, coupon, discount in orders:
        order_transfer_create(
            is_for_test=False,
            request=OrderTransferRequest(
                id=public_id,
                partner_id=partner_id,
                payment_id=f"{public_id}-pay",
                order=calc.Order(
                    order_amount=amount,
                    discounts=(calc.Discount(coupon, discount),) if coupon else (),
                ),
                external_payment=ExternalPayment(
                    currency="KRW", order_name="데모 주문", paid_at=paid_at, method={"type": "CARD"}
                ),
                memo="데모 주문 정산",
            ),
        )
        created += 1
    order_cancel_transfer_create(
        is_for_test=False,
        request=OrderCancelTransferRequest(
            id="demo-cancel-1",
            transfer_id="demo-order-2",
            cancellation_id="demo-cancel-1",
            cancellation=calc.Cancellation(order_amount=14_000),
            external_cancellation=ExternalCancellation(
                cancelled_at=timezone.now() - timedelta(days=1)
            ),
        ),
    )
    for public_id, partner_id, amount, days, memo in (
        ("demo-manual-1", "demo-seller-1", 30_000, 7, "프로모션 보상금"),
        ("demo-manual-2", "demo-seller-2", -15_000, 7, "반품 배송비 차감"),
        ("demo-manual-3", "demo-instructor-1", 50_000, -3, "강의 보너스"),
    ):
        manual_transfer_create(
            is_for_test=False,
            request=ManualTransferRequest(
                id=public_id,
                partner_id=partner_id,
                settlement_amount=amount,
                settlement_date=today + timedelta(days=days),
                memo=memo,
            ),
        )
        created += 1
    return created + 1
