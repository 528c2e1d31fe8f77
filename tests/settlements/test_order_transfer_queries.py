"""What one `POST /platform/transfers/order` costs in SQL statements (issue 13: count them and
remove what is not needed per request). The figures are the statements as they stand; a change
that adds one makes this fail and has to say why here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from settlements.models import Payment, Transfer
from tests.factories import make_additional_fee_policy, make_contract, make_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(db):
    make_contract("C1", fee_rate=10_000, platform_fee_vat_payer="PARTNER")
    make_additional_fee_policy(
        "F1", fee_type="FIXED_RATE", fee_rate=5_000, fee_amount=None, vat_payer="PARTNER"
    )
    make_partner("seller", contract_id="C1")


def body(payment_id: str, amount: int = 10_000) -> dict:
    return {
        "partnerId": "seller",
        "paymentId": payment_id,
        "orderDetail": {"orderAmount": amount},
        "discounts": [],
        "additionalFees": [{"policyId": "F1"}],
        "externalPaymentDetail": {
            "currency": "KRW",
            "orderName": "주문",
            # paid now: IN_PROCESS, as in the bench (a past date is SETTLED and gathered at
            # once, which reads transfers for the gather)
            "paidAt": timezone.now().isoformat(),
            "method": {"card": {}},
        },
    }


def statements(api_client, payment_id: str, amount: int = 10_000) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = api_client.post("/platform/transfers/order", body(payment_id, amount), "json")
    assert response.status_code == 200, response.content
    return [q["sql"] for q in ctx.captured_queries]


def reads_of(sqls: list[str], table: str) -> int:
    return sum(1 for sql in sqls if sql.startswith("SELECT") and f'FROM "{table}"' in sql)


def test_a_new_payment_is_inserted_once_and_not_read_back(api_client, setup):
    statements(api_client, "warm-up")  # first-request caches (schema, content types)
    sqls = statements(api_client, "pay-new")
    # the payment: one locked read (is it known?), one INSERT; no read back, and no read of
    # the transfers registered against it (none can be: this transaction inserted it)
    assert reads_of(sqls, "settlements_payment") == 1
    assert sum(1 for s in sqls if s.startswith('INSERT INTO "settlements_payment"')) == 1
    assert reads_of(sqls, "settlements_transfer") == 0
    # each entity's terms in one statement (terms_at: the due schedule or the applied version)
    assert reads_of(sqls, "policies_contractversion") == 1
    assert reads_of(sqls, "policies_additionalfeepolicyversion") == 1
    assert Payment.objects.filter(public_id="pay-new").count() == 1
    assert Transfer.objects.get(payment__public_id="pay-new").amount_order == 10_000


def test_an_existing_payment_is_read_with_its_registered_transfers(api_client, setup):
    statements(api_client, "pay-1", 10_000)
    make_partner("other", contract_id="C1")
    again = body("pay-1", 5_000) | {"partnerId": "other"}
    with CaptureQueriesContext(connection) as ctx:
        response = api_client.post("/platform/transfers/order", again, "json")
    assert response.status_code == 200, response.content
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert sum(1 for s in sqls if s.startswith('INSERT INTO "settlements_payment"')) == 0
    assert reads_of(sqls, "settlements_transfer") == 2  # the caps' sums and the duplicates
    assert Transfer.objects.filter(payment__public_id="pay-1").count() == 2


def test_a_concurrently_inserted_payment_is_read_not_duplicated(api_client, setup, monkeypatch):
    """The unique key refuses our INSERT when another request inserted the payment between our
    read and our insert: the planner reads that row instead (`_insert_payment`)."""
    from settlements.services import order_transfers

    original = order_transfers._Planner._locked
    calls = []

    def locked(self, wanted):
        calls.append(wanted)
        if len(calls) == 1:  # our first read: another request inserts the payment right after
            found = original(self, wanted)
            Payment.objects.create(
                public_id="pay-race",
                is_for_test=False,
                kind=Payment.Kind.EXTERNAL,
                source=Payment.Source.API,
                order_name="주문",
                currency="KRW",
                paid_at=timezone.now(),
                method={"card": {}},
                total_amount=10_000,
                tax_free_amount=0,
            )
            return found
        return original(self, wanted)

    monkeypatch.setattr(order_transfers._Planner, "_locked", locked)
    statements(api_client, "pay-race")
    assert len(calls) == 2  # the refused INSERT was followed by a read
    assert Payment.objects.filter(public_id="pay-race").count() == 1
    assert Transfer.objects.filter(payment__public_id="pay-race").count() == 1
