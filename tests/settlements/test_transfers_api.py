"""Transfers through portone-server-sdk 0.21.0 against the live server, with the amounts of the
domain reference's worked examples (docs/calculation.md#amounts,
docs/calculation.md#vat-payer-example)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from portone_server_sdk import errors
from portone_server_sdk.platform.transfer import (
    CreatePlatformOrderCancelTransferBodyDiscount,
    CreatePlatformOrderCancelTransferBodyExternalCancellationDetail,
    CreatePlatformOrderCancelTransferBodyOrderDetail,
    CreatePlatformOrderCancelTransferBodyOrderDetailAll,
    CreatePlatformOrderCancelTransferBodyOrderLine,
    CreatePlatformOrderTransferBodyAdditionalFee,
    CreatePlatformOrderTransferBodyDiscount,
    CreatePlatformOrderTransferBodyExternalPaymentDetail,
    CreatePlatformOrderTransferBodyOrderDetail,
    CreatePlatformOrderTransferBodyOrderLine,
    CreatePlatformOrderTransferBodyProduct,
    PlatformPaymentMethodCardInput,
    PlatformPaymentMethodInput,
    PlatformTransferFilterInput,
    PlatformTransferFilterInputKeyword,
)

from settlements.models import Payment, PaymentCancellation, Transfer
from tests.factories import (
    make_additional_fee_policy,
    make_contract,
    make_discount_share_policy,
    make_partner,
)

pytestmark = pytest.mark.django_db(transaction=True)

PAST = "2025-10-01T10:00:00+09:00"


@pytest.fixture
def setup(db):
    make_contract("C1", fee_rate=10_000, platform_fee_vat_payer="PARTNER")
    make_discount_share_policy("P1", partner_share_rate=50_000)
    make_discount_share_policy("P2", partner_share_rate=0)
    make_additional_fee_policy(
        "F1", fee_type="FIXED_RATE", fee_rate=5_000, fee_amount=None, vat_payer="PARTNER"
    )
    make_partner("seller", contract_id="C1")


def external(currency="KRW"):
    return CreatePlatformOrderTransferBodyExternalPaymentDetail(
        currency=currency,
        order_name="주문",
        paid_at=PAST,
        method=PlatformPaymentMethodInput(card=PlatformPaymentMethodCardInput()),
    )


def line(pid, amount, qty, tax_free=None, discounts=(), fees=()):
    return CreatePlatformOrderTransferBodyOrderLine(
        product=CreatePlatformOrderTransferBodyProduct(
            id=pid, name=f"상품 {pid}", amount=amount, tax_free_amount=tax_free
        ),
        quantity=qty,
        discounts=[
            CreatePlatformOrderTransferBodyDiscount(share_policy_id=p, amount=a)
            for p, a in discounts
        ],
        additional_fees=[CreatePlatformOrderTransferBodyAdditionalFee(policy_id=f) for f in fees],
    )


# An EXTERNAL payment's cancel carries externalCancellationDetail (the mismatch is refused).
EXTERNAL_CANCELLATION = CreatePlatformOrderCancelTransferBodyExternalCancellationDetail()


def order(portone, **kwargs):
    values = dict(
        partner_id="seller",
        payment_id="pay-1",
        discounts=[],
        additional_fees=[],
        external_payment_detail=external(),
    )
    values.update(kwargs)
    return portone.platform.transfer.create_platform_order_transfer(**values).transfer


def test_simple_order_reproduces_portones_example(portone, setup):
    transfer = order(
        portone, order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=10_000)
    )
    amount = transfer.amount
    assert (amount.order, amount.platform_fee, amount.platform_fee_vat, amount.settlement) == (
        10_000,
        1_000,
        100,
        8_900,
    )
    assert amount.payment_vat == 909 and amount.payment_supply == 9_091
    assert transfer.contract.id == "C1"
    assert transfer.payment.__class__.__name__ == "PlatformExternalPayment"
    assert transfer.payment.method.__class__.__name__ == "PlatformPaymentMethodCard"
    assert transfer.settlement_start_date == "2025-10-01"
    assert transfer.partner.id == "seller"
    assert transfer.settlement_currency == "KRW"
    assert transfer.status == "SETTLED"  # its settlement date has passed
    stored = Transfer.objects.get(public_id=transfer.id)
    assert stored.amount_settlement == 8_900


def test_worked_example_1_lines_discounts_fees(portone, setup):
    transfer = order(
        portone,
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(
            order_lines=[
                line("A", 15_000, 2, tax_free=15_000),
                line("B", 12_000, 1, discounts=[("P1", 2_000)]),
            ]
        ),
        discounts=[
            CreatePlatformOrderTransferBodyDiscount(
                share_policy_id="P2", amount=3_000, tax_free_amount=1_000
            )
        ],
        additional_fees=[CreatePlatformOrderTransferBodyAdditionalFee(policy_id="F1")],
    )
    a = transfer.amount
    assert (a.order, a.order_tax_free, a.discount, a.discount_tax_free) == (
        42_000,
        30_000,
        5_000,
        1_000,
    )
    assert (a.discount_share, a.payment, a.payment_tax_free) == (1_000, 37_000, 29_000)
    assert (a.payment_vat, a.payment_supply) == (727, 7_273)
    assert (a.platform_fee, a.platform_fee_vat, a.additional_fee, a.additional_fee_vat) == (
        4_200,
        420,
        2_100,
        210,
    )
    assert (a.settlement, a.settlement_tax_free) == (34_070, 24_929)
    lines = {ln.product.id: ln for ln in transfer.order_lines}
    assert lines["A"].amount.settlement == 26_700
    assert lines["B"].amount.settlement == 9_680
    assert lines["B"].discounts[0].share_amount == 1_000
    assert transfer.discounts[0].share_policy.id == "P2"
    assert transfer.additional_fees[0].policy.id == "F1"
    assert transfer.additional_fees[0].amount == 2_100


def test_worked_example_2_partial_cancellation(portone, setup):
    original = order(
        portone,
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(
            order_lines=[line("A", 2_000, 5, discounts=[("P1", 1_000)]), line("B", 4_000, 1)]
        ),
    )
    assert original.amount.settlement == 11_960
    cancel = portone.platform.transfer.create_platform_order_cancel_transfer(
        transfer_id=original.id,
        cancellation_id="cancel-1",
        discounts=[],
        order_detail=CreatePlatformOrderCancelTransferBodyOrderDetail(
            order_lines=[
                CreatePlatformOrderCancelTransferBodyOrderLine(
                    product_id="A",
                    quantity=2,
                    discounts=[
                        CreatePlatformOrderCancelTransferBodyDiscount(
                            share_policy_id="P1", amount=400
                        )
                    ],
                )
            ]
        ),
        external_cancellation_detail=CreatePlatformOrderCancelTransferBodyExternalCancellationDetail(
            cancelled_at="2025-10-02T09:00:00+09:00"
        ),
    ).transfer
    a = cancel.amount
    assert (a.order, a.discount, a.discount_share, a.payment) == (4_000, 400, 200, 3_600)
    assert (a.payment_vat, a.payment_supply, a.platform_fee, a.platform_fee_vat) == (
        327,
        3_273,
        400,
        40,
    )
    assert a.settlement == 3_360
    assert cancel.cancellation.id == "cancel-1"
    assert cancel.settlement_start_date == "2025-10-02"

    with pytest.raises(errors.PlatformCancellableProductQuantityExceededError) as exc:
        portone.platform.transfer.create_platform_order_cancel_transfer(
            external_cancellation_detail=EXTERNAL_CANCELLATION,
            transfer_id=original.id,
            cancellation_id="cancel-2",
            discounts=[],
            order_detail=CreatePlatformOrderCancelTransferBodyOrderDetail(
                order_lines=[
                    CreatePlatformOrderCancelTransferBodyOrderLine(
                        product_id="A", quantity=4, discounts=[]
                    )
                ]
            ),
        )
    assert exc.value.cancellable_quantity == 3
    with pytest.raises(errors.PlatformTransferAlreadyExistsError):
        portone.platform.transfer.create_platform_order_cancel_transfer(
            external_cancellation_detail=EXTERNAL_CANCELLATION,
            transfer_id=original.id,
            cancellation_id="cancel-1",
            discounts=[],
        )

    rest = portone.platform.transfer.create_platform_order_cancel_transfer(
        external_cancellation_detail=EXTERNAL_CANCELLATION,
        partner_id="seller",
        payment_id="pay-1",
        cancellation_id="cancel-3",
        discounts=[],
        order_detail=CreatePlatformOrderCancelTransferBodyOrderDetail(
            all=CreatePlatformOrderCancelTransferBodyOrderDetailAll()
        ),
    ).transfer
    assert a.settlement + rest.amount.settlement == original.amount.settlement
    with pytest.raises(errors.PlatformOrderTransferAlreadyCancelledError):
        portone.platform.transfer.create_platform_order_cancel_transfer(
            external_cancellation_detail=EXTERNAL_CANCELLATION,
            transfer_id=original.id,
            cancellation_id="cancel-4",
            discounts=[],
        )
    assert Transfer.objects.filter(type="ORDER_CANCEL").count() == 2


def test_an_external_payments_cancel_without_its_detail_is_a_type_mismatch(portone, setup):
    """An EXTERNAL payment's cancel must say so (externalCancellationDetail); the reverse, a
    PortOne payment's cancel with it, is refused too (test_portone_payment_caps_and_duplicates)."""
    original = order(
        portone, order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=10_000)
    )
    with pytest.raises(errors.PlatformCancellationAndPaymentTypeMismatchedError) as exc:
        portone.platform.transfer.create_platform_order_cancel_transfer(
            transfer_id=original.id,
            cancellation_id="cancel-1",
            discounts=[],
            order_detail=CreatePlatformOrderCancelTransferBodyOrderDetail(order_amount=1_000),
        )
    assert "externalCancellationDetail" in exc.value.message
    assert not Transfer.objects.filter(type="ORDER_CANCEL").exists()
    assert Transfer.objects.get(public_id=original.id).amount_settlement == 8_900


def test_bad_input_answers_sdk_errors_and_writes_nothing(portone, setup):
    detail = CreatePlatformOrderTransferBodyOrderDetail(order_amount=10_000)
    with pytest.raises(errors.PlatformPartnerNotFoundError):
        order(portone, partner_id="nobody", order_detail=detail)
    portone.platform.policy.archive_platform_contract(id="C1")
    with pytest.raises(errors.PlatformContractNotFoundError):
        order(portone, order_detail=detail)
    portone.platform.policy.recover_platform_contract(id="C1")
    with pytest.raises(errors.PlatformCurrencyNotSupportedError):
        order(portone, order_detail=detail, external_payment_detail=external("XYZ"))
    with pytest.raises(errors.PlatformDiscountSharePoliciesNotFoundError) as exc:
        order(
            portone,
            order_detail=detail,
            discounts=[CreatePlatformOrderTransferBodyDiscount(share_policy_id="nope", amount=1)],
        )
    assert exc.value.ids == ["nope"]
    with pytest.raises(errors.PlatformSettlementAmountExceededError) as exc:
        order(
            portone,
            order_detail=detail,
            discounts=[
                CreatePlatformOrderTransferBodyDiscount(share_policy_id="P1", amount=10_001)
            ],
        )
    assert "DISCOUNT_THAN_ORDER" in exc.value.message
    with pytest.raises(errors.InvalidRequestError) as exc:
        order(
            portone,
            order_detail=CreatePlatformOrderTransferBodyOrderDetail(
                order_lines=[line("A", 1_000, -1)]
            ),
        )
    assert "quantity" in exc.value.message
    with pytest.raises(errors.PlatformSettlementDateEarlierThanSettlementStartDateError):
        order(
            portone,
            order_detail=detail,
            settlement_start_date="2025-10-10",
            settlement_date="2025-10-09",
        )
    with pytest.raises(errors.PlatformPaymentNotFoundError):
        order(portone, order_detail=detail, external_payment_detail=None)
    assert Transfer.objects.count() == 0


def test_portone_payment_caps_and_duplicates(portone, setup):
    payment = Payment.objects.create(
        public_id="po-1",
        kind="PORT_ONE",
        store_id="store",
        channel_key="ch",
        order_name="주문",
        currency="KRW",
        paid_at=timezone.now() - timedelta(days=30),
        total_amount=25_000,
        tax_free_amount=0,
    )
    PaymentCancellation.objects.create(
        payment=payment,
        cancellation_id="pc-1",
        cancelled_at=timezone.now() - timedelta(days=1),
        total_amount=3_000,
        tax_free_amount=0,
    )
    make_partner("seller-2", contract_id="C1")
    detail = CreatePlatformOrderTransferBodyOrderDetail(order_amount=10_000)
    first = order(portone, payment_id="po-1", order_detail=detail, external_payment_detail=None)
    assert first.payment.__class__.__name__ == "PlatformPortOnePayment"
    assert first.payment.store_id == "store"
    with pytest.raises(errors.PlatformTransferAlreadyExistsError) as exc:
        order(portone, payment_id="po-1", order_detail=detail, external_payment_detail=None)
    assert exc.value.transfer_id == first.id
    with pytest.raises(errors.PlatformSettlementPaymentAmountExceededPortOnePaymentError) as exc:
        order(
            portone,
            partner_id="seller-2",
            payment_id="po-1",
            external_payment_detail=None,
            order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=16_000),
        )
    assert exc.value.port_one_payment_amount == 25_000
    assert exc.value.registered_settlement_payment_amount == 10_000
    with pytest.raises(errors.PlatformCancellationNotFoundError):
        portone.platform.transfer.create_platform_order_cancel_transfer(
            transfer_id=first.id, cancellation_id="unknown", discounts=[]
        )
    with pytest.raises(errors.PlatformSettlementCancelAmountExceededPortOneCancelError):
        portone.platform.transfer.create_platform_order_cancel_transfer(
            transfer_id=first.id,
            cancellation_id="pc-1",
            discounts=[],
            order_detail=CreatePlatformOrderCancelTransferBodyOrderDetail(order_amount=4_000),
        )
    with pytest.raises(errors.PlatformCancellationAndPaymentTypeMismatchedError):
        portone.platform.transfer.create_platform_order_cancel_transfer(
            transfer_id=first.id,
            cancellation_id="pc-1",
            discounts=[],
            external_cancellation_detail=(
                CreatePlatformOrderCancelTransferBodyExternalCancellationDetail()
            ),
        )
    ok = portone.platform.transfer.create_platform_order_cancel_transfer(
        transfer_id=first.id,
        cancellation_id="pc-1",
        discounts=[],
        order_detail=CreatePlatformOrderCancelTransferBodyOrderDetail(order_amount=3_000),
    ).transfer
    assert ok.amount.order == 3_000


def test_manual_transfers_positive_and_negative(portone, setup):
    client = portone.platform.transfer
    future = (timezone.localdate() + timedelta(days=5)).isoformat()
    plus = client.create_platform_manual_transfer(
        partner_id="seller", settlement_amount=50_000, settlement_date=future, memo="프로모션 보상"
    ).transfer
    assert (plus.settlement_amount, plus.settlement_tax_free_amount) == (50_000, 0)
    assert plus.status == "IN_PROCESS"
    minus = client.create_platform_manual_transfer(
        partner_id="seller",
        settlement_amount=-12_000,
        settlement_tax_free_amount=-2_000,
        settlement_date="2025-01-10",
        id="adj-1",
    ).transfer
    assert (minus.settlement_amount, minus.status, minus.id) == (-12_000, "SETTLED", "adj-1")
    with pytest.raises(errors.PlatformTransferIdAlreadyUsedError):
        client.create_platform_manual_transfer(
            partner_id="seller", settlement_amount=1, settlement_date=future, id="adj-1"
        )
    with pytest.raises(errors.PlatformPartnerNotFoundError):
        client.create_platform_manual_transfer(
            partner_id="x", settlement_amount=1, settlement_date=future
        )
    with pytest.raises(errors.PlatformCurrencyNotSupportedError):
        client.create_platform_manual_transfer(
            partner_id="seller",
            settlement_amount=1,
            settlement_date=future,
            settlement_currency="XYZ",
        )
    with pytest.raises(errors.InvalidRequestError) as exc:
        client.create_platform_manual_transfer(
            partner_id="seller",
            settlement_amount=100,
            settlement_tax_free_amount=200,
            settlement_date=future,
        )
    assert "settlementTaxFreeAmount" in exc.value.message
    assert Transfer.objects.count() == 2


def test_get_and_delete(portone, setup):
    client = portone.platform.transfer
    future = (timezone.localdate() + timedelta(days=5)).isoformat()
    manual = client.create_platform_manual_transfer(
        partner_id="seller", settlement_amount=1_000, settlement_date=future
    ).transfer
    got = client.get_platform_transfer(id=manual.id)
    assert got.settlement_amount == 1_000 and got.partner.id == "seller"
    with pytest.raises(errors.PlatformTransferNotFoundError):
        client.get_platform_transfer(id="nope")
    client.delete_platform_transfer(id=manual.id)
    assert not Transfer.objects.filter(public_id=manual.id).exists()
    with pytest.raises(errors.PlatformTransferNotFoundError):
        client.delete_platform_transfer(id=manual.id)

    original = order(
        portone,
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=10_000),
        settlement_start_date=future,
    )
    assert original.status == "SCHEDULED"
    client.create_platform_order_cancel_transfer(
        external_cancellation_detail=EXTERNAL_CANCELLATION,
        transfer_id=original.id,
        cancellation_id="c",
        discounts=[],
    )
    with pytest.raises(errors.PlatformCancelOrderTransfersExistsError):
        client.delete_platform_transfer(id=original.id)
    Transfer.objects.filter(public_id=original.id).update(stored_status="PAID_OUT")
    Transfer.objects.filter(type="ORDER_CANCEL").delete()
    with pytest.raises(errors.PlatformTransferNonDeletableStatusError):
        client.delete_platform_transfer(id=original.id)


def test_scheduled_transfer_uses_the_version_in_force_at_its_start_date(portone, setup):
    from portone_server_sdk.platform import PlatformFeeInput, UpdatePlatformContractBody

    start = timezone.localdate() + timedelta(days=10)
    portone.platform.schedule_contract(
        id="C1",
        update=UpdatePlatformContractBody(platform_fee=PlatformFeeInput(fixed_rate=20_000)),
        applied_at=(timezone.now() + timedelta(days=5)).isoformat(),
    )
    future = order(
        portone,
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=10_000),
        settlement_start_date=start.isoformat(),
    )
    assert future.amount.platform_fee == 2_000
    now = order(
        portone,
        payment_id="pay-now",
        order_detail=(CreatePlatformOrderTransferBodyOrderDetail(order_amount=10_000)),
    )
    assert now.amount.platform_fee == 1_000
    # A later contract change never alters an existing transfer.
    portone.platform.policy.update_platform_contract(
        id="C1", platform_fee=PlatformFeeInput(fixed_rate=30_000)
    )
    assert portone.platform.transfer.get_platform_transfer(id=now.id).amount.platform_fee == 1_000
    assert portone.platform.transfer.get_platform_transfer(
        id=now.id
    ).contract.platform_fee.rate == (10_000)


def test_settlement_date_follows_the_contract_cycle(portone, setup):
    # C1: monthly 31st, D+3, HOLIDAY_BEFORE. Start 2026-02-12 -> base 02-15 -> raw 02-28 (Sat)
    # -> 2026-02-27 Fri (docs/dates.md#settlement-date example 9 uses D+5 [15,31]; here only [31]).
    transfer = order(
        portone,
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=1_000),
        settlement_start_date="2026-02-12",
    )
    assert transfer.settlement_date == "2026-02-27"
    assert date.fromisoformat(transfer.settlement_date).weekday() == 4


def test_scheduled_transfers_are_recomputed_when_their_start_date_comes(portone, setup):
    """docs/versioning.md#which-version-a-transfer-uses: provisional until the start date, then the
    versions in force then."""
    from portone_server_sdk.platform import PlatformFeeInput

    from settlements.services.daily import settle_due

    start = timezone.localdate() + timedelta(days=10)
    provisional = order(
        portone,
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=10_000),
        settlement_start_date=start.isoformat(),
    )
    pinned = order(
        portone,
        payment_id="pay-pinned",
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=10_000),
        settlement_start_date=start.isoformat(),
        settlement_date=(start + timedelta(days=30)).isoformat(),
    )
    cancelled = order(
        portone,
        payment_id="pay-cancelled",
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=10_000),
        settlement_start_date=start.isoformat(),
    )
    portone.platform.transfer.create_platform_order_cancel_transfer(
        external_cancellation_detail=EXTERNAL_CANCELLATION,
        transfer_id=cancelled.id,
        cancellation_id="c-1",
        discounts=[],
        order_detail=CreatePlatformOrderCancelTransferBodyOrderDetail(order_amount=1_000),
    )
    assert provisional.status == "SCHEDULED" and provisional.amount.platform_fee == 1_000
    portone.platform.policy.update_platform_contract(
        id="C1", platform_fee=PlatformFeeInput(fixed_rate=20_000)
    )

    assert settle_due(today=start - timedelta(days=1))["recomputed"] == 0
    assert settle_due(today=start)["recomputed"] == 2

    get = portone.platform.transfer.get_platform_transfer
    now = get(id=provisional.id)
    assert now.status == "IN_PROCESS"
    assert (now.amount.platform_fee, now.amount.platform_fee_vat, now.amount.settlement) == (
        2_000,
        200,
        7_800,
    )
    assert now.contract.platform_fee.rate == 20_000
    assert get(id=pinned.id).settlement_date == (start + timedelta(days=30)).isoformat()
    assert get(id=pinned.id).amount.platform_fee == 2_000
    assert get(id=cancelled.id).amount.platform_fee == 1_000  # a cancel already used its terms


def test_transfers_before_their_date_wait_in_a_hidden_bucket(portone, setup):
    """A transfer created before its settlement date joins its key's open bucket at once; the
    bucket is no partner settlement until its day is gathered (settlements.aggregation)."""
    from portone_server_sdk.platform.partner_settlement import PlatformPartnerSettlementFilterInput

    from settlements.models import OPEN_BUCKET_STATUS, PartnerSettlement
    from settlements.services.daily import settle_due

    start = timezone.localdate() + timedelta(days=2)
    first, second, third = (
        order(
            portone,
            payment_id=f"pay-{n}",
            order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=amount),
            settlement_start_date=start.isoformat(),
        )
        for n, amount in ((1, 10_000), (2, 20_000), (3, 5_000))
    )
    day = date.fromisoformat(first.settlement_date)
    stored = Transfer.objects.filter(public_id__in=[first.id, second.id, third.id])
    buckets = {t.partner_settlement_id for t in stored}
    assert len(buckets) == 1
    bucket = PartnerSettlement.all_objects.get(pk=buckets.pop())
    assert (bucket.status, bucket.settlement_date) == (OPEN_BUCKET_STATUS, day)
    listed = portone.platform.partner_settlement.get_platform_partner_settlements(
        filter=PlatformPartnerSettlementFilterInput()
    )
    assert listed.items == []
    found = portone.platform.transfer.get_platform_transfer_summaries(
        filter=PlatformTransferFilterInput(
            keyword=PlatformTransferFilterInputKeyword(partner_settlement_id=bucket.public_id)
        )
    )
    assert found.transfer_summaries == []  # a bucket's id is never an answer

    portone.platform.transfer.delete_platform_transfer(id=third.id)
    assert PartnerSettlement.all_objects.filter(pk=bucket.pk).exists()  # two members left

    assert settle_due(today=day)["gathered"] == 2
    listed = portone.platform.partner_settlement.get_platform_partner_settlements(
        filter=PlatformPartnerSettlementFilterInput()
    ).items
    assert [(s.id, s.status, s.amount.order, s.amount.settlement) for s in listed] == [
        (bucket.public_id, "PAYOUT_PREPARED", 30_000, 8_900 + 17_800)
    ]


def test_a_recomputed_settlement_date_moves_the_transfer_to_that_days_bucket(portone, setup):
    """docs/versioning.md#which-version-a-transfer-uses: the contract's cycle changed before the
    start date, so the recompute gives another settlement date: another aggregation key, another
    open bucket."""
    from portone_server_sdk.platform import (
        PlatformSettlementCycleInput,
        PlatformSettlementCycleMethodDailyInput,
        PlatformSettlementCycleMethodInput,
    )

    from settlements.models import OPEN_BUCKET_STATUS, PartnerSettlement
    from settlements.services.daily import settle_due

    start = timezone.localdate() + timedelta(days=10)
    provisional = order(
        portone,
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=10_000),
        settlement_start_date=start.isoformat(),
    )
    before = Transfer.objects.get(public_id=provisional.id)
    old_bucket = before.partner_settlement
    assert (old_bucket.status, old_bucket.settlement_date) == (
        OPEN_BUCKET_STATUS,
        before.settlement_date,
    )
    portone.platform.policy.update_platform_contract(
        id="C1",
        settlement_cycle=PlatformSettlementCycleInput(
            lag_days=1,
            date_policy="CALENDAR_DAY",
            method=PlatformSettlementCycleMethodInput(
                daily=PlatformSettlementCycleMethodDailyInput()
            ),
        ),
    )

    assert settle_due(today=start)["recomputed"] == 1

    after = Transfer.objects.get(pk=before.pk)
    assert after.settlement_date == start + timedelta(days=1) != before.settlement_date
    bucket = after.partner_settlement
    assert (bucket.status, bucket.settlement_date) == (OPEN_BUCKET_STATUS, after.settlement_date)
    assert settle_due(today=after.settlement_date)["gathered"] == 1
    settlement = PartnerSettlement.objects.get()
    assert (settlement.pk, settlement.settlement_date, settlement.amount_settlement) == (
        bucket.pk,
        after.settlement_date,
        8_900,
    )
    settle_due(today=max(before.settlement_date, after.settlement_date))
    assert not PartnerSettlement.all_objects.filter(pk=old_bucket.pk).exists()  # empty: dropped
