"""The order-transfer pipeline in bulk (settlements.services.order_transfers): the same results as
a single call, all rows or none, errors naming the row, duplicates inside the batch and against
the database."""

import json
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.api.errors import error_body, error_status
from core.errors import RowsRefused as BulkRowsError
from partners.models import UserDefinedProperty
from policies.models import PlatformSetting
from settlements.domain import calculation as calc
from settlements.models import (
    AMOUNT_COLUMNS,
    OPEN_BUCKET_STATUS,
    PartnerSettlement,
    Payment,
    SettlementParameter,
    Transfer,
)
from settlements.services.daily import settle_due
from settlements.services.order_transfers import (
    ExternalPayment,
    OrderTransferRequest,
    order_transfer_create,
    order_transfers_create_bulk,
)
from tests.factories import (
    make_additional_fee_policy,
    make_contract,
    make_discount_share_policy,
    make_partner,
)

pytestmark = pytest.mark.django_db

PAST = datetime.fromisoformat("2025-10-01T10:00:00+09:00")


@pytest.fixture
def setup(db):
    make_contract("C1", fee_rate=10_000, platform_fee_vat_payer="PARTNER")
    make_contract("C2", fee_type="FIXED_AMOUNT", fee_rate=None, fee_amount=500)
    make_discount_share_policy("P1", partner_share_rate=50_000)
    make_discount_share_policy("P2", partner_share_rate=0)
    make_additional_fee_policy(
        "F1", fee_type="FIXED_RATE", fee_rate=5_000, fee_amount=None, vat_payer="PARTNER"
    )
    make_additional_fee_policy("F2", fee_amount=1_000, vat_payer="MERCHANT")
    make_partner("seller", contract_id="C1")
    make_partner("seller-2", contract_id="C1")


def external(currency="KRW", name="주문", paid_at=PAST):
    return ExternalPayment(
        currency=currency, order_name=name, paid_at=paid_at, method={"type": "CARD"}
    )


_EXTERNAL = object()


def amount_order(amount, discounts=(), fees=(), tax_free=None):
    return calc.Order(
        order_amount=amount,
        discounts=tuple(calc.Discount(p, a) for p, a in discounts),
        additional_fees=tuple(calc.AdditionalFee(f) for f in fees),
        tax_free_amount=tax_free,
    )


def row(partner="seller", payment="pay-1", order=None, external_payment=_EXTERNAL, **extra):
    return OrderTransferRequest(
        partner_id=partner,
        payment_id=payment,
        order=order or amount_order(10_000),
        external_payment=external() if external_payment is _EXTERNAL else external_payment,
        **extra,
    )


def worked_example_1():
    return calc.Order(
        order_lines=(
            calc.OrderLine(calc.Product("A", "책", 15_000, 15_000), 2),
            calc.OrderLine(
                calc.Product("B", "머그", 12_000), 1, discounts=(calc.Discount("P1", 2_000),)
            ),
        ),
        discounts=(calc.Discount("P2", 3_000, 1_000),),
        additional_fees=(calc.AdditionalFee("F1"),),
    )


def portone_payment(public_id="po-1", total=25_000, tax_free=0):
    return Payment.objects.create(
        public_id=public_id,
        kind="PORT_ONE",
        store_id="store",
        channel_key="ch",
        order_name="주문",
        currency="KRW",
        paid_at=timezone.now() - timedelta(days=30),
        total_amount=total,
        tax_free_amount=tax_free,
    )


COMPARED = (
    "public_id",
    "stored_status",
    "partner_id",
    "contract_id",
    "settlement_start_date",
    "settlement_date",
    "settlement_date_explicit",
    "settlement_currency",
    "memo",
    "user_defined_properties",
    "parameters",
    "payment_public_id",
    "snapshot",
    "calc_input",
    *AMOUNT_COLUMNS,
)


def comparable(transfer: Transfer) -> dict:
    return json.loads(json.dumps({name: getattr(transfer, name) for name in COMPARED}, default=str))


def test_bulk_amounts_equal_the_single_services(setup):
    UserDefinedProperty.objects.create(key="channel", label="판매 채널")
    SettlementParameter.objects.create(key="weight", label="무게")
    portone_payment("po-1", total=25_000)
    today = timezone.localdate()
    rows = [
        row(id="t0"),
        row(id="t1", payment="pay-2", order=worked_example_1()),
        row(id="t2", payment="po-1", external_payment=None),
        row(id="t3", partner="seller-2", payment="po-1", external_payment=None,
            order=amount_order(12_000, discounts=[("P1", 1_000)], fees=["F2"])),
        row(id="t4", payment="pay-4", settlement_start_date=today + timedelta(days=10)),
        row(id="t5", payment="pay-5", settlement_date=today + timedelta(days=40), memo="지정일"),
        row(id="t6", payment="pay-6", user_defined_properties=[
            {"key": "channel", "value": {"string": "app"}}],
            parameters={"weight": {"decimal": 1250, "decimalScale": 2}}),
        row(id="t7", payment="pay-7", contract_id="C2", order=amount_order(30_000, tax_free=5_000)),
        row(id="t8", payment="pay-8", external_payment=external("USD"), order=amount_order(1999)),
        # A multi-partner order: the same external payment, its detail given again differently.
        row(id="t9", partner="seller-2", external_payment=external(name="바뀐 주문명")),
    ]  # fmt: skip

    planned = order_transfers_create_bulk(is_for_test=False, rows=rows, dry_run=True)

    assert Transfer.objects.count() == 0 and Payment.objects.count() == 1  # dry run
    for r in rows:
        order_transfer_create(is_for_test=False, request=r)
    singles = {t.public_id: t for t in Transfer.objects.all()}
    assert [comparable(t) for t in planned] == [comparable(singles[r.id]) for r in rows]
    assert {t.status for t in planned} >= {"SETTLED", "SCHEDULED", "IN_PROCESS"}
    assert planned[1].amount_settlement == 34_070  # docs/calculation.md#worked-example-1
    assert planned[1].amount_settlement_tax_free == 24_929
    assert planned[9].snapshot["payment"]["orderName"] == "바뀐 주문명"
    assert planned[0].snapshot["payment"]["orderName"] == "주문"


def test_bulk_writes_payments_transfers_and_gathers_settled_ones(setup):
    rows = [row(payment=f"pay-{i}", order=amount_order(1_000 * (i + 1))) for i in range(30)]
    rows.append(row(partner="seller-2", payment="pay-0"))  # second partner of one order
    rows.append(row(payment="pay-late", settlement_start_date=timezone.localdate() + timedelta(1)))

    created = order_transfers_create_bulk(
        is_for_test=False, rows=rows, payment_source=Payment.Source.CSV
    )

    assert len(created) == Transfer.objects.count() == 32
    assert all(t.pk for t in created)
    payments = Payment.objects.filter(kind="EXTERNAL")
    assert payments.count() == 31
    assert set(payments.values_list("source", flat=True)) == {"CSV"}
    stored = Transfer.objects.get(pk=created[4].pk)
    assert stored.payment.public_id == "pay-4" and stored.amount_order == 5_000
    for transfer in created[:3]:  # what PostgreSQL's COPY path wrote is what was computed
        fresh = Transfer.objects.get(pk=transfer.pk)
        assert comparable(fresh) == comparable(transfer)
    assert stored.amount_settlement == 5_000 - 500 - 50
    assert stored.status == "SETTLED"
    settled = [t for t in created if t.status == "SETTLED"]
    assert len(settled) == 31 and created[-1].status == "SCHEDULED"
    assert all(t.partner_settlement_id for t in settled)
    assert (
        Transfer.objects.filter(stored_status="SETTLED", partner_settlement__isnull=True).count()
        == 0
    )
    settlements = PartnerSettlement.objects.order_by("partner__public_id")
    assert [(s.partner.public_id, s.transfer_count, s.amount_order) for s in settlements] == [
        ("seller", 30, sum(1_000 * (i + 1) for i in range(30))),
        ("seller-2", 1, 10_000),
    ]
    late = Transfer.objects.get(pk=created[-1].pk)
    assert late.partner_settlement.status == OPEN_BUCKET_STATUS  # waits for its day, unseen


def test_bulk_transfers_before_their_date_wait_in_buckets_until_it_comes(setup):
    start = timezone.localdate() + timedelta(days=3)
    rows = [
        row(payment=f"pay-{i}", order=amount_order(1_000 * (i + 1)), settlement_start_date=start)
        for i in range(20)
    ]
    rows.append(row(partner="seller-2", payment="pay-0", settlement_start_date=start))

    created = order_transfers_create_bulk(is_for_test=False, rows=rows)

    assert {t.status for t in created} == {"SCHEDULED"}
    assert not PartnerSettlement.objects.exists()
    assert PartnerSettlement.all_objects.filter(status=OPEN_BUCKET_STATUS).count() == 2
    day = created[0].settlement_date
    assert settle_due(today=day)["gathered"] == 21
    totals = {
        s.partner.public_id: (s.status, s.transfer_count, s.amount_order, s.amount_settlement)
        for s in PartnerSettlement.objects.select_related("partner")
    }
    orders = sum(1_000 * (i + 1) for i in range(20))
    assert totals == {
        "seller": ("PAYOUT_PREPARED", 20, orders, orders - orders // 10 - orders // 100),
        "seller-2": ("PAYOUT_PREPARED", 1, 10_000, 8_900),
    }


def test_a_bad_row_anywhere_writes_nothing_and_every_error_names_its_row(setup):
    rows = [row(payment=f"pay-{i}") for i in range(50)]
    rows[12] = row(payment="pay-12", order=amount_order(1_000, discounts=[("NOPE", 100)]))
    rows[37] = row(partner="ghost", payment="pay-37")
    rows[49] = row(payment="pay-49", order=amount_order(1_000, discounts=[("P1", 2_000)]))

    with pytest.raises(BulkRowsError) as exc:
        order_transfers_create_bulk(is_for_test=False, rows=rows)

    error = exc.value
    assert [f.index for f in error.failures] == [12, 37, 49]
    assert [f.error.code for f in error.failures] == [
        "PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND",
        "PLATFORM_PARTNER_NOT_FOUND",
        "PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED",
    ]
    assert error.code == "PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND"
    assert error.message.startswith("row 12: ")
    assert error_status(error) == 404
    body = error_body(error)
    assert body["row"] == 12 and body["ids"] == ["NOPE"] and body["graphqlIds"]
    assert Transfer.objects.count() == 0
    assert Payment.objects.count() == 0


def test_unknown_properties_parameters_contracts_and_currencies_are_row_errors(setup):
    rows = [
        row(payment="a", user_defined_properties=[{"key": "nope", "value": {"string": "x"}}]),
        row(payment="b", parameters={"nope": {"decimal": 1}}),
        row(payment="c", contract_id="C404"),
        row(payment="d", external_payment=external("XYZ")),
        row(payment="e", external_payment=None),
        row(payment="f", settlement_start_date=timezone.localdate(),
            settlement_date=timezone.localdate() - timedelta(days=1)),
    ]  # fmt: skip
    with pytest.raises(BulkRowsError) as exc:
        order_transfers_create_bulk(is_for_test=False, rows=rows)
    assert [(f.index, f.error.code) for f in exc.value.failures] == [
        (0, "PLATFORM_USER_DEFINED_PROPERTY_NOT_FOUND"),
        (1, "PLATFORM_SETTLEMENT_PARAMETER_NOT_FOUND"),
        (2, "PLATFORM_CONTRACT_NOT_FOUND"),
        (3, "PLATFORM_CURRENCY_NOT_SUPPORTED"),
        (4, "PLATFORM_PAYMENT_NOT_FOUND"),
        (5, "PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE"),
    ]


def test_duplicates_within_the_batch(setup):
    rows = [
        row(id="x-1", payment="pay-1"),
        row(id="x-2", payment="pay-1"),  # same partner and payment as row 0
        row(id="x-1", payment="pay-3"),  # id of row 0 again
        row(partner="seller-2", payment="pay-1"),  # another partner: fine
    ]
    with pytest.raises(BulkRowsError) as exc:
        order_transfers_create_bulk(is_for_test=False, rows=rows)
    failures = exc.value.failures
    assert [(f.index, f.error.code) for f in failures] == [
        (1, "PLATFORM_TRANSFER_ALREADY_EXISTS"),
        (2, "PLATFORM_TRANSFER_ID_ALREADY_USED"),
    ]
    assert error_body(failures[0].error)["transferId"] == "x-1"
    assert error_status(exc.value) == 409
    assert Transfer.objects.count() == 0


def test_duplicates_and_caps_against_the_database(setup):
    portone_payment("po-1", total=25_000)
    order_transfers_create_bulk(
        is_for_test=False,
        rows=[row(id="old", payment="pay-1"), row(payment="po-1", external_payment=None)],
    )
    rows = [
        row(payment="pay-1"),  # seller already has an ORDER transfer of pay-1
        row(id="old", payment="pay-9"),
        row(partner="seller-2", payment="po-1", external_payment=None),  # 10,000 + 10,000 ok
        row(partner="seller-2", payment="pay-1"),  # fine: another partner
    ]
    rows_over = [*rows, row(partner="seller-2", payment="po-1", external_payment=None)]
    with pytest.raises(BulkRowsError) as exc:
        order_transfers_create_bulk(is_for_test=False, rows=rows_over)
    failures = {f.index: f.error for f in exc.value.failures}
    assert sorted(failures) == [0, 1, 4]
    assert failures[0].code == "PLATFORM_TRANSFER_ALREADY_EXISTS"
    assert error_body(failures[0])["transferId"] == "old"
    assert failures[1].code == "PLATFORM_TRANSFER_ID_ALREADY_USED"
    # row 4: the payment's 25,000 minus 10,000 in the database minus row 2's 10,000
    assert failures[4].code == "PLATFORM_SETTLEMENT_PAYMENT_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT"
    assert error_body(failures[4])["registeredSettlementPaymentAmount"] == 20_000
    assert error_body(failures[4])["portOnePaymentAmount"] == 25_000
    assert Transfer.objects.count() == 2

    created = order_transfers_create_bulk(is_for_test=False, rows=rows[2:])
    assert len(created) == 2


def test_multiple_order_transfers_per_partner_when_the_setting_allows(setup):
    setting = PlatformSetting.for_mode(is_for_test=False)
    setting.supports_multiple_order_transfers_per_partner = True
    setting.save()
    created = order_transfers_create_bulk(
        is_for_test=False, rows=[row(payment="pay-1"), row(payment="pay-1")]
    )
    assert len(created) == 2


def test_test_and_live_namespaces_are_separate(setup):
    with pytest.raises(BulkRowsError) as exc:
        order_transfers_create_bulk(is_for_test=True, rows=[row()])
    assert exc.value.code == "PLATFORM_PARTNER_NOT_FOUND"


def test_the_number_of_queries_does_not_grow_with_the_rows(setup):
    def queries(n: int, prefix: str) -> int:
        rows = [
            row(
                partner="seller" if i % 2 else "seller-2",
                payment=f"{prefix}-{i}",
                order=amount_order(1_000 + i, discounts=[("P1", 100)], fees=["F1", "F2"]),
            )
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as ctx:
            order_transfers_create_bulk(is_for_test=False, rows=rows, dry_run=True)
        return len(ctx.captured_queries)

    assert queries(300, "big") == queries(10, "small")
