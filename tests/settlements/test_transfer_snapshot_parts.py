"""Narrow transfer rows (issue 13): bulk-created transfers reference the contract and policy
versions and the calculation terms (`SnapshotPart`) and leave the amount to the amount columns;
read back, they are whole again — the same snapshot, calc_input, API output, list filters and
cancellations as a transfer stored whole. Plus the bulk path's faster pieces (order JSON, new
payments copied) against what they replace."""

import json
from dataclasses import asdict
from datetime import datetime

import pytest
from django.db import connection

from settlements.api.outputs import transfer_json
from settlements.domain import calculation as calc
from settlements.domain import codec
from settlements.models import AMOUNT_FIELDS, Payment, Transfer
from settlements.models.transfers import (
    AMOUNT_FROM_COLUMNS,
    PARTS_MARKER,
    SnapshotPart,
    expand_parts,
    part_digest,
)
from settlements.selectors.transfers import TransferFilter, filter_transfers
from settlements.services.cancel_transfers import (
    ExternalCancellation,
    OrderCancelTransferRequest,
    order_cancel_transfer_create,
)
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
    make_discount_share_policy("P1", partner_share_rate=50_000)
    make_additional_fee_policy(
        "F1", fee_type="FIXED_RATE", fee_rate=5_000, fee_amount=None, vat_payer="PARTNER"
    )
    make_partner("seller", contract_id="C1")
    make_partner("seller-2", contract_id="C1")


def order(amount=10_000):
    return calc.Order(
        order_lines=(
            calc.OrderLine(calc.Product("A", "책", amount, 0), 2),
            calc.OrderLine(
                calc.Product("B", "머그", 12_000), 1, discounts=(calc.Discount("P1", 2_000),)
            ),
        ),
        discounts=(calc.Discount("P1", 3_000, 0),),
        additional_fees=(calc.AdditionalFee("F1"),),
    )


def request(payment, partner="seller", **extra):
    return OrderTransferRequest(
        partner_id=partner,
        payment_id=payment,
        order=order(**extra),
        external_payment=ExternalPayment(
            currency="KRW", order_name="주문", paid_at=PAST, method={"type": "CARD"}
        ),
    )


def wire(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def stored(transfer: Transfer, column: str) -> dict:
    """The column as stored, references unexpanded."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM settlements_transfer WHERE id = %s", [transfer.pk])
        (value,) = cursor.fetchone()
    return json.loads(value) if isinstance(value, str) else value


def test_a_narrow_row_reads_back_whole_on_any_database(setup):
    whole = order_transfer_create(is_for_test=False, request=request("pay-1"))
    whole = Transfer.objects.get(pk=whole.pk)
    api = wire(transfer_json(whole))
    snapshot, calc_input = whole.snapshot, whole.calc_input
    parts = {
        "contract": snapshot["contract"],
        "policy": snapshot["discounts"][0]["sharePolicy"],
        "terms": calc_input["terms"],
    }
    refs = {}
    for name, value in parts.items():
        digest = part_digest(json.dumps(value))
        SnapshotPart.objects.create(digest=digest, value=value)
        refs[name] = {"$part": digest}
    narrow_snapshot = {
        PARTS_MARKER: 1,
        **snapshot,
        "contract": {"id": "C1", **refs["contract"]},
        "discounts": [{**snapshot["discounts"][0], "sharePolicy": {"id": "P1", **refs["policy"]}}],
        "amount": AMOUNT_FROM_COLUMNS,
    }
    narrow_input = {PARTS_MARKER: 1, **calc_input, "terms": refs["terms"]}
    Transfer.objects.filter(pk=whole.pk).update(snapshot=narrow_snapshot, calc_input=narrow_input)

    assert stored(whole, "snapshot")["contract"] == {"id": "C1", **refs["contract"]}
    again = Transfer.objects.get(pk=whole.pk)
    assert again.snapshot == snapshot
    assert again.calc_input == calc_input
    assert wire(transfer_json(again)) == api
    assert again.snapshot["amount"]["settlement"] == whole.amount_settlement
    # Deferred amount columns are loaded once, for the snapshot's amount.
    deferred = Transfer.objects.defer("amount_settlement", "amount_order").get(pk=whole.pk)
    assert deferred.snapshot == snapshot


def test_a_missing_part_is_an_error_not_a_wrong_snapshot():
    with pytest.raises(LookupError, match="0" * 32):
        expand_parts({PARTS_MARKER: 1, "contract": {"$part": "0" * 32}})
    assert expand_parts({"contract": {"$part": "x"}}) == {"contract": {"$part": "x"}}  # old row


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="COPY path: PostgreSQL only")
def test_bulk_rows_on_postgresql_are_narrow_and_read_back_as_stored_whole(setup):
    rows = [request(f"pay-{i}", amount=10_000 + i) for i in range(3)]
    created = order_transfers_create_bulk(is_for_test=False, rows=rows)

    first = created[0]
    narrow = stored(first, "snapshot")
    assert narrow[PARTS_MARKER] == 1 and narrow["amount"] == AMOUNT_FROM_COLUMNS
    assert set(narrow["contract"]) == {"id", "$part"}
    assert narrow["discounts"][0]["sharePolicy"]["id"] == "P1"
    assert set(stored(first, "calc_input")["terms"]) == {"$part"}
    assert SnapshotPart.objects.count() == 4  # contract, P1, F1, terms: once for all rows

    fresh = {t.pk: t for t in Transfer.objects.select_related("partner")}
    for transfer in created:
        whole = json.loads(json.dumps(transfer.snapshot, default=str))
        with connection.cursor() as cursor:  # what jsonb gives back for the whole snapshot
            cursor.execute("SELECT %s::jsonb", [json.dumps(whole)])
            (as_stored,) = cursor.fetchone()
        got = fresh[transfer.pk]
        assert wire(got.snapshot) == wire(json.loads(as_stored))  # key order included
        assert got.calc_input == json.loads(json.dumps(transfer.calc_input))
        api = wire(transfer_json(got))
        Transfer.objects.filter(pk=got.pk).update(snapshot=whole)  # stored whole instead
        assert wire(transfer_json(Transfer.objects.get(pk=got.pk))) == api

    # The list filters read the stored text: the policy ids are still there.
    by_policy = filter_transfers(
        Transfer.objects.all(), TransferFilter(discount_share_policy_ids=("P1",))
    )
    by_fee = filter_transfers(
        Transfer.objects.all(), TransferFilter(additional_fee_policy_ids=("F1",))
    )
    assert by_policy.count() == by_fee.count() == 3

    # Cancelling reads the original's order, terms and versions back from the references.
    cancel = order_cancel_transfer_create(
        is_for_test=False,
        request=OrderCancelTransferRequest(
            cancellation_id="c-1",
            transfer_id=created[1].public_id,
            cancellation=calc.Cancellation(all=True),
            external_cancellation=ExternalCancellation(cancelled_at=PAST),
        ),
    )
    # everything cancelled (ORDER_CANCEL amounts are stored as magnitudes)
    assert cancel.amount_order == created[1].amount_order == 32_002
    assert cancel.amount_settlement == created[1].amount_settlement
    assert cancel.snapshot["contract"] == fresh[created[1].pk].snapshot["contract"]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="COPY path: PostgreSQL only")
def test_many_new_payments_are_copied_and_an_existing_one_is_reused(setup):
    Payment.objects.create(
        public_id="pay-0", kind="EXTERNAL", currency="KRW", order_name="먼저", paid_at=PAST
    )
    rows = [request(f"pay-{i}") for i in range(150)]

    created = order_transfers_create_bulk(is_for_test=False, rows=rows)

    assert Payment.objects.count() == 150
    by_id = {p.public_id: p for p in Payment.objects.all()}
    assert [t.payment_id for t in created] == [by_id[f"pay-{i}"].pk for i in range(150)]
    new = by_id["pay-7"]
    assert (new.source, new.order_name, new.method, new.paid_at) == (
        "API",
        "주문",
        {"type": "CARD"},
        PAST,
    )
    assert new.created_at is not None and new.updated_at is not None
    assert by_id["pay-0"].order_name == "주문"  # the row's detail updated the existing one


def test_order_json_equals_asdict():
    orders = [
        order(),
        calc.Order(order_amount=5_000, tax_free_amount=100),
        calc.Order(
            order_lines=(calc.OrderLine(calc.Product("T", "태그", 1_000, 100, "tag"), 3),),
        ),
    ]
    for value in orders:
        assert repr(codec.to_json(value)) == repr(asdict(value))  # tuples and key order too
        assert codec.order_from_json(json.loads(json.dumps(codec.to_json(value)))) == value
    cancellation = calc.Cancellation(order_amount=100)
    assert codec.to_json(cancellation) == asdict(cancellation)


def test_the_copy_texts_are_the_values_with_parts_and_amount_referenced(setup):
    """What COPY writes (`_JsonTexts`), its references put back, is exactly json.dumps of the
    values the single path saves (replaces test_bulk's exact-json.dumps test)."""
    from settlements.services import order_transfers as bulk

    rows = [
        request("pay-1"),
        request("pay-1", partner="seller-2", amount=20_000),
        OrderTransferRequest(
            partner_id="seller",
            payment_id="pay-3",
            order=calc.Order(order_amount=7_000),
            external_payment=ExternalPayment(currency="USD", paid_at=PAST),
        ),
    ]
    plan = bulk._Planner(is_for_test=False, requests=rows, source="API")
    plan.run()
    assert not plan.failures
    texts = bulk._JsonTexts()
    for planned in plan.rows:
        got = texts.row(*planned.json_parts)

        def whole(value, planned=planned):
            if isinstance(value, dict):
                if "$part" in value:
                    return texts.parts[value["$part"]]
                if value == AMOUNT_FROM_COLUMNS:
                    return {
                        wire: planned.values[f"amount_{col}"] for wire, col in AMOUNT_FIELDS.items()
                    } | {"userDefinedFormulas": {}}
                return {k: whole(v) for k, v in value.items() if k != PARTS_MARKER}
            if isinstance(value, list):
                return [whole(v) for v in value]
            return value

        for column in ("snapshot", "calc_input"):
            assert whole(json.loads(got[column])) == json.loads(json.dumps(planned.values[column]))
    assert len(texts.parts) == 5  # contract, P1, F1, the terms with and without the policies
