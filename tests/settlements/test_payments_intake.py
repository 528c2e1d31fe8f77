"""Payments coming in: the payment file (settlements.files.payments), PortOne webhooks
(settlements.services.webhooks, Standard Webhooks signature) and the HTTP payment resolver
(settlements.providers.HttpPortOneResolver) against a fake PortOne REST API: respx answering in
place of the network (`FakePortOne`), so the real resolver and its error mapping run."""

import base64
import csv
import io
import json
import time
from datetime import timedelta

import httpx
import pytest
import respx
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from portone_server_sdk import errors
from portone_server_sdk import webhook as sdk_webhook
from portone_server_sdk.platform.transfer import CreatePlatformOrderTransferBodyOrderDetail

from core import webhooks
from core.api.errors import error_status
from core.errors import RowsRefused as BulkRowsError
from core.models import IdempotencyKey
from settlements.domain import calculation as calc
from settlements.files import payments as payment_files
from settlements.models import Payment, PaymentCancellation, Transfer
from settlements.services import webhooks as webhook_services
from settlements.services.order_transfers import OrderTransferRequest, order_transfers_create_bulk
from tests.factories import make_contract, make_partner

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
TEST_MODE_SECRET = "whsec_" + base64.b64encode(b"test-mode-webhook-secret-32bytes").decode()


# --- a fake PortOne REST API (respx, in-process) ---

PAID_AT = "2025-10-01T01:00:00Z"


def portone_payment(payment_id: str, total: int = 30_000, tax_free: int = 0) -> dict:
    """The shape of PortOne's `GET /payments/{paymentId}` (PaidPayment / CancelledPayment)."""
    return {
        "status": "PARTIAL_CANCELLED",
        "id": payment_id,
        "transactionId": f"tx-{payment_id}",
        "merchantId": "merchant-1",
        "storeId": "store-1",
        "method": {"type": "PaymentMethodCard", "card": {"name": "신한카드"}},
        "channel": {"type": "LIVE", "id": "ch-id", "key": "channel-key-1", "name": "카드"},
        "version": "V2",
        "requestedAt": "2025-10-01T00:59:00Z",
        "updatedAt": "2025-10-02T00:00:00Z",
        "statusChangedAt": "2025-10-02T00:00:00Z",
        "orderName": "티셔츠 외 1건",
        "amount": {
            "total": total,
            "taxFree": tax_free,
            "vat": 2_727,
            "discount": 0,
            "paid": total,
            "cancelled": 5_000,
            "cancelledTaxFree": 0,
        },
        "currency": "KRW",
        "customer": {},
        "paidAt": PAID_AT,
        "cancellations": [
            {
                "status": "SUCCEEDED",
                "id": "cancel-1",
                "totalAmount": 5_000,
                "taxFreeAmount": 0,
                "vatAmount": 455,
                "reason": "부분 환불",
                "cancelledAt": "2025-10-02T00:00:00Z",
                "requestedAt": "2025-10-02T00:00:00Z",
            }
        ],
    }


class FakePortOne:
    """`GET /payments/{id}`: ids starting with 'paid' answer a payment, 'missing' 404, 'boom'
    500, 'slow' after 2 s (a shorter read time-out gives up first), 'html' a non-JSON page.

    Faked with respx, in-process: the real `HttpPortOneResolver._get` runs (httpx builds and sends
    the request) and respx answers at httpx's transport, in whichever thread asks, including the
    live server's. Requests to the live server itself (the SDK's) pass through to it; any other
    host fails the test."""

    url = "https://portone.test"  # never resolved
    SLOW_SECONDS = 2.0

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.router = respx.mock(assert_all_called=False)
        self.router.get(url__startswith=f"{self.url}/payments/").mock(side_effect=self._answer)
        self.router.route(host="localhost").pass_through()  # the SDK and our live server

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.url.raw_path.decode(), request.headers["Authorization"]))
        payment_id = request.url.path.removeprefix("/payments/")
        if payment_id.startswith("paid"):
            return httpx.Response(200, json=portone_payment(payment_id))
        if payment_id.startswith("missing"):
            return httpx.Response(404, json={"type": "PAYMENT_NOT_FOUND", "message": "not found"})
        if payment_id.startswith("boom"):
            return httpx.Response(500, json={"type": "INTERNAL"})
        if payment_id.startswith("slow"):
            if request.extensions["timeout"]["read"] < self.SLOW_SECONDS:
                raise httpx.ReadTimeout("timed out", request=request)
            return httpx.Response(200, json=portone_payment(payment_id))
        return httpx.Response(200, content=b"<html>maintenance</html>", headers=HTML)

    def __enter__(self):
        self.router.__enter__()
        return self

    def __exit__(self, *exc):
        return self.router.__exit__(*exc)


HTML = {"Content-Type": "text/html"}


@pytest.fixture
def fake_portone(settings):
    with FakePortOne() as fake:
        settings.PORTONE_PAYMENT_RESOLVER = "http"
        settings.PORTONE_API_URL = fake.url
        settings.PORTONE_API_SECRET = "portone-api-secret"
        settings.PORTONE_API_TIMEOUT_SECONDS = 0.5
        yield fake


@pytest.fixture
def seller(db):
    make_contract("C1", fee_rate=10_000, platform_fee_vat_payer="PARTNER")
    return make_partner("seller", contract_id="C1")


def order_row(payment_id: str, amount=10_000, partner="seller", tax_free=None):
    return OrderTransferRequest(
        partner_id=partner,
        payment_id=payment_id,
        order=calc.Order(order_amount=amount, tax_free_amount=tax_free),
    )


# --- the resolver through the SDK ---


def create_order(portone, payment_id: str, amount: int, partner="seller"):
    return portone.platform.transfer.create_platform_order_transfer(
        partner_id=partner,
        payment_id=payment_id,
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=amount),
        discounts=[],
        additional_fees=[],
    ).transfer


@pytest.mark.django_db(transaction=True)
def test_an_order_transfer_fetches_the_payment_from_portone_and_is_capped(
    portone, seller, fake_portone
):
    make_partner("seller-2", contract_id="C1")
    transfer = create_order(portone, "paid-1", 20_000)

    assert fake_portone.requests == [("/payments/paid-1", "PortOne portone-api-secret")]
    assert transfer.payment.__class__.__name__ == "PlatformPortOnePayment"
    assert (transfer.payment.store_id, transfer.payment.channel_key) == ("store-1", "channel-key-1")
    assert transfer.settlement_start_date == "2025-10-01"
    payment = Payment.objects.get(public_id="paid-1")
    assert (payment.source, payment.total_amount, payment.method) == (
        "RESOLVER",
        30_000,
        {"type": "CARD"},
    )
    assert PaymentCancellation.objects.get(payment=payment).total_amount == 5_000

    with pytest.raises(errors.PlatformSettlementPaymentAmountExceededPortOnePaymentError) as exc:
        create_order(portone, "paid-1", 10_001, partner="seller-2")
    assert exc.value.port_one_payment_amount == 30_000
    assert exc.value.registered_settlement_payment_amount == 20_000
    assert len(fake_portone.requests) == 1  # known locally from now on


@pytest.mark.django_db(transaction=True)
def test_a_payment_portone_does_not_know_is_payment_not_found(portone, seller, fake_portone):
    with pytest.raises(errors.PlatformPaymentNotFoundError):
        create_order(portone, "missing-1", 1_000)
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("payment_id", ["boom-1", "slow-1", "html-1"])
def test_portone_failures_answer_external_api_failed(api_client, seller, fake_portone, payment_id):
    response = api_client.post(
        "/platform/transfers/order",
        {
            "partnerId": "seller",
            "paymentId": payment_id,
            "orderDetail": {"orderAmount": 1_000},
            "discounts": [],
            "additionalFees": [],
        },
        format="json",
    )
    assert response.status_code == 503
    assert response.json()["type"] == "PLATFORM_EXTERNAL_API_FAILED"


@pytest.mark.django_db
@pytest.mark.parametrize("payment_id", ["boom-1", "slow-1", "html-1"])
def test_portone_failures_are_external_api_failed_rows_in_bulk(seller, fake_portone, payment_id):
    started = time.monotonic()
    with pytest.raises(BulkRowsError) as exc:
        order_transfers_create_bulk(
            is_for_test=False, rows=[order_row("paid-ok"), order_row(payment_id)]
        )
    assert time.monotonic() - started < 1.9  # the 0.5 s time-out, not the slow answer
    assert exc.value.failures[0].index == 1
    assert exc.value.code == "PLATFORM_EXTERNAL_API_FAILED"
    assert error_status(exc.value) == 503
    assert exc.value.message.startswith("row 1: ")
    assert Payment.objects.count() == 0  # the fetched paid-ok was rolled back too


@pytest.mark.django_db
def test_bulk_fetches_unknown_payments_once_each(seller, fake_portone):
    make_partner("seller-2", contract_id="C1")
    rows = [order_row("paid-a"), order_row("paid-a", partner="seller-2"), order_row("paid-b")]
    order_transfers_create_bulk(is_for_test=False, rows=rows)
    assert sorted(path for path, _ in fake_portone.requests) == [
        "/payments/paid-a",
        "/payments/paid-b",
    ]
    with pytest.raises(BulkRowsError) as exc:  # 20,000 registered + 10,001 > 30,000
        order_transfers_create_bulk(
            is_for_test=False, rows=[order_row("paid-a", 10_001, partner="seller-3")]
        )
    assert exc.value.code == "PLATFORM_PARTNER_NOT_FOUND"
    make_partner("seller-3", contract_id="C1")
    with pytest.raises(BulkRowsError) as exc:
        order_transfers_create_bulk(
            is_for_test=False, rows=[order_row("paid-a", 10_001, partner="seller-3")]
        )
    assert exc.value.code == "PLATFORM_SETTLEMENT_PAYMENT_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT"


# --- webhooks ---

WEBHOOK = "/webhooks/portone"


def webhook_body(kind="Transaction.Paid", payment_id="pay-1", **data) -> bytes:
    return json.dumps(
        {
            "type": kind,
            "timestamp": "2025-10-01T01:00:00.000Z",
            "data": {
                "paymentId": payment_id,
                "storeId": "store-1",
                "transactionId": f"tx-{payment_id}",
                **data,
            },
        }
    ).encode()


def deliver(client, body: bytes, *, msg_id="msg-1", timestamp=None, secret=SECRET, query=""):
    timestamp = int(time.time()) if timestamp is None else timestamp
    return client.post(
        WEBHOOK + query,
        data=body,
        content_type="application/json",
        headers={
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": webhooks.sign(secret, msg_id, timestamp, body),
        },
    )


@pytest.fixture
def webhook_secret(settings):
    settings.PORTONE_WEBHOOK_SECRET = SECRET
    settings.PORTONE_WEBHOOK_TEST_SECRET = TEST_MODE_SECRET


def test_our_signature_is_what_portones_sdk_verifies():
    body = webhook_body()
    timestamp = int(time.time())
    headers = {
        "webhook-id": "msg-1",
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1a,abc " + webhooks.sign(SECRET, "msg-1", timestamp, body),
    }
    verified = sdk_webhook.verify(SECRET, body.decode(), headers)
    assert verified.data.payment_id == "pay-1"
    webhooks.verify(SECRET, headers, body)  # and ours accepts it (rotation list included)


@pytest.mark.django_db
def test_a_signed_webhook_records_a_stub_with_the_local_resolver(client, webhook_secret):
    response = deliver(client, webhook_body())
    assert response.status_code == 200 and response.json() == {}
    payment = Payment.objects.get(public_id="pay-1")
    assert (payment.kind, payment.source, payment.store_id, payment.total_amount) == (
        "PORT_ONE",
        "WEBHOOK",
        "store-1",
        None,
    )
    assert not payment.is_for_test
    cancel = deliver(
        client,
        webhook_body("Transaction.PartialCancelled", cancellationId="cancel-9"),
        msg_id="msg-2",
        query="?test=false",
    )
    assert cancel.status_code == 200
    assert Payment.objects.count() == 1
    assert PaymentCancellation.objects.get().cancellation_id == "cancel-9"
    other = deliver(client, webhook_body("BillingKey.Issued"), msg_id="msg-3")
    assert other.status_code == 200  # verified, nothing to store


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"secret": "whsec_" + base64.b64encode(b"other").decode()}, "NO_MATCHING_SIGNATURE"),
        ({"timestamp": -301}, "TIMESTAMP_TOO_OLD"),  # seconds from now, taken when it runs
        ({"timestamp": +400}, "TIMESTAMP_TOO_NEW"),
    ],
)  # fmt: skip
def test_a_bad_signature_is_refused(client, webhook_secret, change, reason):
    if "timestamp" in change:  # relative: a time taken at collection goes stale in a long run
        change = {"timestamp": int(time.time()) + change["timestamp"]}
    response = deliver(client, webhook_body(), **change)
    assert response.status_code == 400
    assert response.json()["type"] == reason
    assert Payment.objects.count() == 0 and IdempotencyKey.objects.count() == 0


@pytest.mark.django_db
def test_missing_headers_tampered_bodies_and_no_secret(client, settings, webhook_secret):
    bare = client.post(WEBHOOK, data=webhook_body(), content_type="application/json")
    assert (bare.status_code, bare.json()["type"]) == (400, "MISSING_REQUIRED_HEADERS")
    timestamp = int(time.time())
    signature = webhooks.sign(SECRET, "m", timestamp, webhook_body())
    tampered = client.post(
        WEBHOOK,
        data=webhook_body(payment_id="pay-2"),
        content_type="application/json",
        headers={
            "webhook-id": "m",
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature,
        },
    )
    assert tampered.json()["type"] == "NO_MATCHING_SIGNATURE"
    settings.PORTONE_WEBHOOK_SECRET = ""
    unconfigured = deliver(client, webhook_body())
    assert (unconfigured.status_code, unconfigured.json()["type"]) == (
        503,
        "WEBHOOK_NOT_CONFIGURED",
    )


@pytest.mark.django_db
def test_a_repeated_delivery_is_processed_once(client, webhook_secret, fake_portone):
    body = webhook_body(payment_id="paid-7")
    first = deliver(client, body, msg_id="msg-7")
    again = deliver(client, body, msg_id="msg-7", timestamp=int(time.time()) + 1)
    assert first.status_code == again.status_code == 200
    assert again.json() == {}
    assert len(fake_portone.requests) == 1  # the repeat did not ask PortOne again
    payment = Payment.objects.get(public_id="paid-7")
    assert (payment.source, payment.total_amount, payment.store_id) == (
        "WEBHOOK",
        30_000,
        "store-1",
    )
    assert payment.cancellations.get().cancellation_id == "cancel-1"
    assert (
        IdempotencyKey.objects.filter(caller=webhook_services.WEBHOOK_CALLER, key="msg-7").count()
        == 1
    )


@pytest.mark.django_db
def test_portone_down_answers_503_and_the_retry_is_processed(client, webhook_secret, fake_portone):
    failed = deliver(client, webhook_body(payment_id="boom-1"), msg_id="msg-8")
    assert failed.status_code == 503
    assert failed.json()["type"] == "PLATFORM_EXTERNAL_API_FAILED"
    assert IdempotencyKey.objects.count() == 0  # not marked as handled: PortOne will retry
    unknown = deliver(client, webhook_body(payment_id="missing-1"), msg_id="msg-9")
    assert unknown.status_code == 200
    assert Payment.objects.get(public_id="missing-1").total_amount is None  # a stub


@pytest.mark.django_db
def test_stubs_are_filled_once_portone_can_be_asked(client, settings, webhook_secret):
    deliver(client, webhook_body(payment_id="paid-9"), query="?test=true", secret=TEST_MODE_SECRET)
    stub = Payment.objects.get(public_id="paid-9")
    assert stub.is_for_test and stub.total_amount is None
    assert webhook_services.portone_payment_stubs_refresh() == 0  # local resolver: nothing to ask
    with FakePortOne() as fake:
        settings.PORTONE_PAYMENT_RESOLVER = "http"
        settings.PORTONE_API_URL = fake.url
        settings.PORTONE_API_SECRET = "s"
        assert webhook_services.portone_payment_stubs_refresh() == 1
    stub.refresh_from_db()
    assert stub.total_amount == 30_000 and stub.is_for_test


# --- the payment file ---

PAYMENT_HEADERS = payment_files.COLUMNS.headers


def payment_csv(rows, encoding="utf-8-sig", headers=PAYMENT_HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


PAYMENT_ROWS = [
    ["ext-1", "외부", "", "", "티셔츠", "", "2025-10-01 10:00", "12,000", "", "카드"],
    ["po-1", "PORT_ONE", "store-1", "ch-1", "도서", "KRW", "2025-10-01T11:30:00+09:00", "42000",
     "30000", "간편결제"],
    ["ext-2", "EXTERNAL", "", "", "", "USD", "", "", "", ""],
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_payment_file_creates_then_updates(encoding):
    result = payment_files.import_payment_file(
        payment_csv(PAYMENT_ROWS, encoding), "p.csv", is_for_test=False
    )
    assert result.ok, result.errors
    assert (result.created, result.updated) == (3, 0)
    ext = Payment.objects.get(public_id="ext-1")
    assert (ext.kind, ext.source, ext.currency, ext.total_amount, ext.tax_free_amount) == (
        "EXTERNAL",
        "CSV",
        "KRW",
        12_000,
        0,
    )
    assert ext.method == {"type": "CARD"}
    assert timezone.localtime(ext.paid_at).hour == 10
    portone = Payment.objects.get(public_id="po-1")
    assert (portone.kind, portone.store_id, portone.channel_key) == ("PORT_ONE", "store-1", "ch-1")
    assert (portone.total_amount, portone.tax_free_amount) == (42_000, 30_000)
    assert Payment.objects.get(public_id="ext-2").total_amount is None

    changed = [list(r) for r in PAYMENT_ROWS]
    changed[0][7] = "13000"
    again = payment_files.import_payment_file(
        payment_csv(changed, encoding), "p.csv", is_for_test=False
    )
    assert (again.created, again.updated, again.unchanged) == (0, 1, 2)
    assert Payment.objects.get(public_id="ext-1").total_amount == 13_000
    assert Payment.objects.count() == 3


@pytest.mark.django_db
def test_payment_file_row_errors_write_nothing():
    from tests.settlements.test_order_files import xlsx_bytes

    rows = [
        ["ok-1", "외부", "", "", "", "", "", "1000", "", ""],
        ["po-1", "포트원", "", "ch", "주문", "", "2025-10-01", "1000", "", ""],  # no store id
        ["x-1", "현금", "", "", "", "", "", "", "", ""],
        ["x-2", "외부", "", "", "", "ABC", "", "1000", "2000", ""],
        ["ok-1", "외부", "", "", "", "", "", "1000", "", ""],  # repeated
        ["", "외부", "", "", "", "", "어제", "", "", "현금"],
    ]
    result = payment_files.import_payment_file(xlsx_bytes(rows, PAYMENT_HEADERS), "p.xlsx",
                                               is_for_test=False)  # fmt: skip
    assert {(e.row, e.column) for e in result.errors} == {
        (3, "상점 아이디"),
        (4, "구분"),
        (5, "통화"),
        (5, "면세 금액"),
        (6, "결제 아이디"),
        (7, "결제 아이디"),
        (7, "결제 시각"),
        (7, "결제수단"),
    }
    assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_payment_file_cannot_lower_an_amount_below_registered_transfers(seller):
    payment_files.import_payment_file(
        payment_csv([PAYMENT_ROWS[1]]), "p.csv", is_for_test=False
    )  # po-1: 42,000
    order_transfers_create_bulk(
        is_for_test=False, rows=[order_row("po-1", 20_000, tax_free=10_000)]
    )
    lowered = list(PAYMENT_ROWS[1])
    lowered[7], lowered[8] = "19000", "0"
    result = payment_files.import_payment_file(payment_csv([lowered]), "p.csv", is_for_test=False)
    assert [(e.row, e.column) for e in result.errors] == [(2, "결제 금액")]
    assert Payment.objects.get(public_id="po-1").total_amount == 42_000
    assert Transfer.objects.count() == 1


@pytest.mark.django_db
def test_payment_upload_in_the_admin(admin_client):
    url = "/admin/settlements/orders/payments/"
    assert "결제 파일 업로드" in admin_client.get(url).content.decode()
    preview = admin_client.post(
        url, {"file": SimpleUploadedFile("p.csv", payment_csv(PAYMENT_ROWS)), "mode": "test"}
    )
    assert 'id="upload-confirm"' in preview.content.decode()
    assert Payment.objects.count() == 0
    done = admin_client.post(f"{url}confirm/")
    assert done.status_code == 302
    assert Payment.objects.filter(is_for_test=True).count() == 3
    template = admin_client.get(f"{url}template.csv")
    parsed = payment_files.parse_file(template.content, "t.csv")
    assert parsed.errors == [] and len(parsed.items) == 2


@pytest.mark.django_db
def test_payment_caps_use_the_file_amounts(seller):
    payment_files.import_payment_file(payment_csv([PAYMENT_ROWS[1]]), "p.csv", is_for_test=False)
    caps = [  # po-1 paid 42,000 of which 30,000 tax-free
        (order_row("po-1", 42_001, tax_free=30_000), "PAYMENT_AMOUNT"),
        (order_row("po-1", 42_000), "SUPPLY_WITH_VAT_AMOUNT"),
        (order_row("po-1", 31_000, tax_free=31_000), "TAX_FREE_AMOUNT"),
    ]
    for row, kind in caps:
        with pytest.raises(BulkRowsError) as exc:
            order_transfers_create_bulk(is_for_test=False, rows=[row])
        assert exc.value.code == f"PLATFORM_SETTLEMENT_{kind}_EXCEEDED_PORT_ONE_PAYMENT"
    created = order_transfers_create_bulk(
        is_for_test=False, rows=[order_row("po-1", 42_000, tax_free=30_000)]
    )
    assert created[0].settlement_start_date == timezone.localdate(
        Payment.objects.get(public_id="po-1").paid_at
    )
    assert created[0].settlement_start_date < timezone.localdate() - timedelta(days=1)
