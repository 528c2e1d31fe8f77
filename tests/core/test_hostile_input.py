"""Hostile requests get a clear 4xx in the API's JSON shape and write nothing (docs/api.md#limits).

The corpus below is one list of requests that used to answer 500 (RecursionError, OverflowError,
RequestDataTooBig), HTML, or a 200 that silently dropped data. Each is sent, the answer checked
for its status, `{"type", "message"}` and the field the message names, and the database compared
before and after.
"""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest

from core import webhooks
from core.models import IdempotencyKey
from partners.models import Partner
from policies.models import DiscountSharePolicy
from settlements.models import Payment, PaymentCancellation
from tests.factories import make_contract

pytestmark = pytest.mark.django_db

LIVE_SECRET = "whsec_" + "bGl2ZS1zZWNyZXQtZm9yLXRlc3RzLTEyMzQ1Njc4OTA="
TEST_SECRET = "whsec_" + "dGVzdC1zZWNyZXQtZm9yLXRlc3RzLTEyMzQ1Njc4OTA="


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def partner(public_id: str, **changes) -> dict:
    body = {
        "id": public_id,
        "name": "가나다 상점",
        "contact": {"name": "이담당", "email": "owner@example.com"},
        "account": {
            "bank": "KOOKMIN",
            "currency": "KRW",
            "number": "110-123-456789",
            "holder": "주식회사 가나다",
        },
        "defaultContractId": "c-1",
        "tags": ["패션"],
        "type": {"whtPayer": {"birthdate": "1990-01-02"}},
    }
    body.update(changes)
    return body


def counts() -> dict[str, int]:
    return {
        "partners": Partner.objects.count(),
        "policies": DiscountSharePolicy.objects.count(),
        "payments": Payment.objects.count(),
        "cancellations": PaymentCancellation.objects.count(),
        "keys": IdempotencyKey.objects.count(),
    }


def list_query(body: str) -> str:
    return "?requestBody=" + quote(body)


# (id, method, path, raw body or None, extra headers, status, words the message must contain)
API_CORPUS = [
    (
        "body nested 100,000 deep",
        "post",
        "/platform/partners",
        nested(100_000),
        {},
        400,
        ["요청 본문", "중첩"],
    ),
    (
        "body nested 65 deep inside a field",
        "post",
        "/platform/partners",
        json.dumps(partner("deep", tags="DEEP")).replace('"DEEP"', nested(65, '"x"')),
        {},
        400,
        ["tags", "중첩", "최대 64단계"],
    ),
    (
        "body nested deep with an Idempotency-Key",
        "post",
        "/platform/discount-share-policies",
        '{"name": "x", "partnerShareRate": 1, "memo": ' + nested(5_000) + "}",
        {"HTTP_IDEMPOTENCY_KEY": "deep-1"},
        400,
        ["중첩"],
    ),
    (
        "requestBody nested 10,000 deep",
        "get",
        "/platform/partners" + list_query('{"filter": ' + nested(10_000) + "}"),
        None,
        {},
        400,
        ["requestBody", "중첩"],
    ),
    (
        "page.number of 2^63",
        "get",
        "/platform/partners" + list_query('{"page": {"number": 9223372036854775808}}'),
        None,
        {},
        400,
        ["requestBody.page.number", "64비트"],
    ),
    (
        "a filter number of 10^30",
        "get",
        "/platform/transfer-summaries"
        + list_query('{"filter": {"settlementAmountRange": {"from": 1' + "0" * 30 + "}}}"),
        None,
        {},
        400,
        ["requestBody.filter.settlementAmountRange.from", "64비트"],
    ),
    (
        "an amount of -2^63 - 1 in a body",
        "post",
        "/platform/discount-share-policies",
        '{"name": "x", "partnerShareRate": -9223372036854775809}',
        {},
        400,
        ["partnerShareRate", "64비트"],
    ),
    (
        "an integer of 5,000 digits",
        "post",
        "/platform/discount-share-policies",
        '{"name": "x", "partnerShareRate": ' + "9" * 5_000 + "}",
        {},
        400,
        ["요청 본문", "JSON 형식이 아닙니다"],
    ),
    (
        "NaN",
        "post",
        "/platform/discount-share-policies",
        '{"name": "x", "partnerShareRate": NaN}',
        {},
        400,
        ["JSON 형식이 아닙니다", "NaN"],
    ),
    (
        "a 20,000-character name",
        "post",
        "/platform/partners",
        json.dumps(partner("long", name="가" * 20_000)),
        {},
        400,
        ["name", "문자열이 너무 깁니다", "10,000자"],
    ),
    (
        "a 10,001-character key",
        "post",
        "/platform/discount-share-policies",
        json.dumps({"name": "x", "partnerShareRate": 1, "k" * 10_001: "v"}),
        {},
        400,
        ["요청 본문의 키", "문자열이 너무 깁니다"],
    ),
    (
        "a lone surrogate in requestBody",
        "get",
        "/platform/partners" + list_query('{"filter": {"keyword": "\\ud800"}}'),
        None,
        {},
        400,
        ["requestBody.filter.keyword", "서로게이트"],
    ),
    (
        "a body that is not UTF-8",
        "post",
        "/platform/discount-share-policies",
        b'{"name": "\xff\xfe"}',
        {},
        400,
        ["UTF-8"],
    ),
    (
        "a query string of 1,001 fields",
        "get",
        "/platform/partners?" + "&".join(f"f{n}=1" for n in range(1_001)),
        None,
        {},
        400,
        ["쿼리 파라미터가 너무 많습니다"],
    ),
    (
        "an unknown path under the API prefix",
        "get",
        "/platform/no-such-thing/at/all",
        None,
        {},
        404,
        ["경로를 찾을 수 없습니다"],
    ),
    (
        "a method the endpoint does not take",
        "put",
        "/platform/partners",
        "{}",
        {},
        405,
        ["PUT"],
    ),
]


@pytest.fixture
def contract(db):
    return make_contract("c-1", name="기본 계약")


def send(client, method: str, path: str, body, headers: dict):
    kwargs = {"content_type": "application/json", **headers} if body is not None else headers
    if body is not None:
        kwargs["data"] = body
    return getattr(client, method)(path, **kwargs)


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "words"),
    [case[1:] for case in API_CORPUS],
    ids=[case[0] for case in API_CORPUS],
)
def test_hostile_api_requests_get_a_json_4xx_and_write_nothing(
    api_client, contract, settings, debug, method, path, body, headers, status, words
):
    settings.DEBUG = debug
    before = counts()
    response = send(api_client, method, path, body, headers)
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    answer = response.json()
    assert set(answer) == {"type", "message"}
    expected_type = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "INVALID_REQUEST")
    assert answer["type"] == expected_type
    for word in words:
        assert word in answer["message"]
    assert counts() == before


def test_a_page_far_past_the_end_is_empty_not_an_overflow(api_client):
    query = list_query(json.dumps({"page": {"number": 2**62, "size": 1000}}))
    response = api_client.get("/platform/partners" + query)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["items"] == []
    assert response.json()["page"] == {"number": 2**62, "size": 1000, "totalCount": 0}


# --- body size ---------------------------------------------------------------------------------


def padded_policy(size: int) -> bytes:
    """A valid policy body of about `size` bytes (an ignored key carries the padding)."""
    body = {"name": "큰 본문", "partnerShareRate": 1, "padding": ["p" * 1000] * (size // 1004)}
    return json.dumps(body).encode()


@pytest.mark.parametrize("key", [None, "big-1"], ids=["plain", "idempotency-key"])
def test_a_body_past_djangos_2_5_mb_is_served_within_the_api_limit(api_client, key):
    body = padded_policy(3_300_000)
    assert len(body) > 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    response = api_client.post(
        "/platform/discount-share-policies", data=body, content_type="application/json", **headers
    )
    assert response.status_code == 200, response.content[:300]
    assert response.json()["discountSharePolicy"]["name"] == "큰 본문"
    assert DiscountSharePolicy.objects.filter(name="큰 본문").count() == 1


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("key", [None, "too-big-1"], ids=["plain", "idempotency-key"])
@pytest.mark.parametrize("path", ["/platform/discount-share-policies", "/webhooks/portone"])
def test_a_body_past_the_api_limit_is_413_json(api_client, settings, debug, key, path):
    settings.DEBUG = debug
    settings.API_MAX_BODY_BYTES = 100_000
    settings.WEBHOOK_MAX_BODY_BYTES = 100_000
    settings.PORTONE_WEBHOOK_SECRET = LIVE_SECRET
    before = counts()
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    response = api_client.post(
        path, data=padded_policy(150_000), content_type="application/json", **headers
    )
    assert response.status_code == 413
    assert response.json()["type"] == "INVALID_REQUEST"
    assert response.json()["message"].startswith("요청 본문이 너무 큽니다 (최대 100,000바이트")
    assert counts() == before


def test_an_anonymous_webhook_body_gets_1_mb_not_the_api_limit(client, settings):
    """The webhook is read before its signature is checked: an unsigned 2 MB body is refused
    at 1 MB, where an authenticated API call may send 32 MB."""
    settings.PORTONE_WEBHOOK_SECRET = LIVE_SECRET
    response = client.post(
        "/webhooks/portone", data=b"{" + b" " * 2_000_000 + b"}", content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["message"].startswith("요청 본문이 너무 큽니다 (최대 1,048,576바이트")


# --- the payment webhook -----------------------------------------------------------------------


def webhook_body(payment_id: str = "pay-1", **data) -> bytes:
    payload = {
        "type": "Transaction.Paid",
        "timestamp": "2026-01-01T00:00:00Z",
        "data": {"paymentId": payment_id, "storeId": "store-1", "transactionId": "tx-1", **data},
    }
    return json.dumps(payload).encode()


def deliver(client, body: bytes, *, msg_id="msg-1", secret=LIVE_SECRET, query=""):
    timestamp = int(time.time())
    return client.post(
        "/webhooks/portone" + query,
        data=body,
        content_type="application/json",
        headers={
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": webhooks.sign(secret, msg_id, timestamp, body),
        },
    )


@pytest.fixture
def webhook_secrets(settings):
    settings.PORTONE_WEBHOOK_SECRET = LIVE_SECRET
    settings.PORTONE_WEBHOOK_TEST_SECRET = TEST_SECRET


WEBHOOK_CORPUS = [
    ("signed body nested 100,000 deep", {"body": nested(100_000).encode()}, ["중첩"]),
    (
        "signed body nested 65 deep",
        {"body": webhook_body(extra=json.loads(nested(65)))},
        ["data.extra", "최대 64단계"],
    ),
    ("webhook-id of 256 characters", {"msg_id": "m" * 256}, ["webhook-id", "255자 이하"]),
    ("paymentId of 201 characters", {"body": webhook_body("p" * 201)}, ["data.paymentId", "200자"]),
    ("storeId of 101 characters", {"body": webhook_body(storeId="s" * 101)}, ["data.storeId"]),
    (
        "cancellationId of 201 characters",
        {"body": webhook_body(cancellationId="c" * 201)},
        ["data.cancellationId", "200자"],
    ),
    ("paymentId that is a number", {"body": webhook_body(12345)}, ["data.paymentId", "문자열"]),
]


@pytest.mark.parametrize(
    ("change", "words"), [c[1:] for c in WEBHOOK_CORPUS], ids=[c[0] for c in WEBHOOK_CORPUS]
)
def test_hostile_signed_webhooks_are_400_and_write_nothing(client, webhook_secrets, change, words):
    before = counts()
    response = deliver(client, change.pop("body", webhook_body()), **change)
    assert response.status_code == 400, response.content[:300]
    assert response.json()["type"] == "INVALID_REQUEST"
    for word in words:
        assert word in response.json()["message"]
    assert counts() == before


def test_two_webhook_ids_that_share_255_characters_cannot_collide(client, webhook_secrets):
    """Before, ids were cut to 255 characters and the second delivery answered 200 unstored."""
    first = deliver(client, webhook_body("pay-a"), msg_id="w" * 255)
    assert first.status_code == 200
    second = deliver(client, webhook_body("pay-b"), msg_id="w" * 255 + "2")
    assert second.status_code == 400
    assert list(Payment.objects.values_list("public_id", flat=True)) == ["pay-a"]


def test_the_mode_comes_from_the_key_not_the_unsigned_query_flag(client, webhook_secrets):
    live = webhook_body("pay-live")
    replayed_as_test = deliver(client, live, msg_id="m-1", query="?test=true")
    assert replayed_as_test.status_code == 400
    assert replayed_as_test.json()["type"] == "NO_MATCHING_SIGNATURE"
    test_one = webhook_body("pay-test")
    replayed_as_live = deliver(client, test_one, msg_id="m-2", secret=TEST_SECRET)
    assert replayed_as_live.status_code == 400
    assert Payment.objects.count() == 0

    assert deliver(client, live, msg_id="m-1").status_code == 200
    assert (
        deliver(client, test_one, msg_id="m-2", secret=TEST_SECRET, query="?test=true").json() == {}
    )
    assert sorted(Payment.objects.values_list("public_id", "is_for_test")) == [
        ("pay-live", False),
        ("pay-test", True),
    ]


def test_test_deliveries_need_their_own_secret(client, settings):
    settings.PORTONE_WEBHOOK_SECRET = LIVE_SECRET
    settings.PORTONE_WEBHOOK_TEST_SECRET = ""
    missing = deliver(client, webhook_body(), query="?test=true")
    assert missing.status_code == 503
    assert missing.json() == {
        "type": "WEBHOOK_NOT_CONFIGURED",
        "message": "웹훅 시크릿이 설정되지 않았습니다 (PORTONE_WEBHOOK_TEST_SECRET).",
    }
    settings.PORTONE_WEBHOOK_TEST_SECRET = LIVE_SECRET
    same = deliver(client, webhook_body(), query="?test=true")
    assert same.status_code == 503
    assert same.json()["message"] == "테스트 웹훅 시크릿은 운영 시크릿과 달라야 합니다."
    assert Payment.objects.count() == 0


def test_a_value_the_database_refuses_is_a_400_not_a_500():
    """A string longer than its column on PostgreSQL (value too long for type character
    varying) fails the statement: nothing was written, so it is the caller's input error."""
    from django.db import DataError

    from core.api.errors import exception_handler

    response = exception_handler(DataError("value too long for type character varying(100)"), {})
    assert response.status_code == 400
    assert response.data == {
        "type": "INVALID_REQUEST",
        "message": "값이 저장할 수 있는 범위를 넘습니다 (문자열 길이 또는 숫자 범위).",
    }


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_unknown_b2b_paths_and_webhook_paths_are_json_404(client, settings, debug):
    settings.DEBUG = debug
    for path in ("/b2b/anything", "/webhooks/unknown"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {"type": "NOT_FOUND", "message": "경로를 찾을 수 없습니다."}


def _string_paths(value, path=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _string_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _string_paths(child, (*path, index))
    elif isinstance(value, str):
        yield path


def _with(value, path, replacement):
    if not path:
        return replacement
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _with(value[head], rest, replacement)
    return copy


PROBES = {
    "/platform/partners": partner("probe"),
    "/platform/discount-share-policies": {"name": "정책", "partnerShareRate": 1, "memo": "m"},
}


@pytest.mark.parametrize("path", list(PROBES))
def test_every_string_longer_than_any_column_is_a_4xx_not_a_500(api_client, contract, path):
    """Each string of a valid body, one at a time, made 9,000 characters long (under the JSON
    limit, over every column): a 400 (or the 404 of an unknown reference), never a 500 or a
    silently stored value."""
    body = PROBES[path]
    for where in _string_paths(body):
        before = counts()
        response = api_client.post(path, _with(body, where, "x" * 9_000), format="json")
        assert response.status_code in (400, 404), (where, response.content[:300])
        assert set(response.json()) >= {"type", "message"}
        assert counts() == before, where
