"""Idempotency keys keep no readable copy of personal data, and belong to the API secret however
the Authorization header spells it (core/api/idempotency.py, docs/security.md)."""

import hashlib
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from core import crypto
from core.models import ApiSecret, IdempotencyKey
from policies.models import DiscountSharePolicy
from tests.factories import make_contract

pytestmark = pytest.mark.django_db

NUMBER = "110-123-456789"
BIRTHDATE = "1990-01-02"
POLICY_URL = "/platform/discount-share-policies"
POLICY_BODY = {"name": "쿠폰", "partnerShareRate": 10_000}


def partner_body(public_id: str) -> dict:
    return {
        "id": public_id,
        "name": "가나다 상점",
        "contact": {"name": "이담당", "email": "owner@example.com"},
        "account": {"bank": "KOOKMIN", "currency": "KRW", "number": NUMBER, "holder": "이담당"},
        "defaultContractId": "c-1",
        "tags": [],
        "type": {"whtPayer": {"birthdate": BIRTHDATE}},
    }


def client_with(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def raw_rows(columns: str = "*") -> list[tuple]:
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table}")
        return cursor.fetchall()


def as_text(row: tuple) -> str:
    return " ".join(
        bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row
    )


def test_the_stored_answer_shows_no_account_number_and_replays_byte_for_byte(api_client):
    make_contract("c-1")
    first = api_client.post(
        "/platform/partners", partner_body("p-1"), format="json", HTTP_IDEMPOTENCY_KEY="sealed-1"
    )
    assert first.status_code == 200, first.json()
    wire = first.json()["partner"]
    assert wire["account"]["number"] == "110123456789"
    assert wire["type"] == {"type": "WHT_PAYER", "birthdate": BIRTHDATE}

    (row,) = raw_rows()
    text = as_text(row)
    assert "sealed-1" in text  # the key itself is no secret
    for secret in (NUMBER, "110123456789", "456789", BIRTHDATE, "가나다"):
        assert secret not in text
    token = bytes(IdempotencyKey.objects.values_list("response_body", flat=True).get())
    assert token == first.content, "the model hands back the plain bytes"

    replay = api_client.post(
        "/platform/partners", partner_body("p-1"), format="json", HTTP_IDEMPOTENCY_KEY="sealed-1"
    )
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.content == first.content
    assert replay["Content-Type"] == first["Content-Type"]


def test_a_stored_answer_is_a_fernet_token_under_the_current_key(api_client):
    api_client.post(POLICY_URL, POLICY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="sealed-2")
    ((body,),) = raw_rows("response_body")
    stored = bytes(body)
    assert stored.startswith(b"gAAAAA")
    assert crypto.is_current(stored)
    assert b"partnerShareRate" in crypto.decrypt_bytes(stored)


@pytest.mark.parametrize(
    "spelling", ["PortOne  {s}", "PortOne {s}  ", "PortOne   {s} ", "PortOne {s}\t"]
)
def test_one_secret_spelled_two_ways_is_one_caller(api_secret, spelling):
    first = client_with(f"PortOne {api_secret}").post(
        POLICY_URL, POLICY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="spaced"
    )
    second = client_with(spelling.format(s=api_secret)).post(
        POLICY_URL, POLICY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="spaced"
    )
    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in first
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert DiscountSharePolicy.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_the_caller_is_the_hash_of_the_canonical_header(api_secret):
    """Rows written before normalisation hashed the raw header, which the SDK always spells
    `PortOne <secret>`: those keys keep replaying after the upgrade."""
    client_with(f"PortOne   {api_secret}  ").post(
        POLICY_URL, POLICY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="canonical"
    )
    expected = hashlib.sha256(f"PortOne {api_secret}".encode()).hexdigest()
    assert IdempotencyKey.objects.get(key="canonical").caller == expected


def test_a_revoked_secret_gets_no_replay(api_secret):
    client = client_with(f"PortOne {api_secret}")
    first = client.post(POLICY_URL, POLICY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="revoked")
    assert first.status_code == 200
    ApiSecret.objects.get().revoke()

    again = client.post(POLICY_URL, POLICY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="revoked")
    assert again.status_code == 401
    assert again.json()["type"] == "UNAUTHORIZED"
    assert "Idempotent-Replayed" not in again
    assert DiscountSharePolicy.objects.count() == 1


def test_an_unknown_secret_is_refused_and_nothing_is_kept(api_secret):
    response = client_with("PortOne sk_not_a_secret").post(
        POLICY_URL, POLICY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="unknown"
    )
    assert response.status_code == 401
    assert response.json()["message"] == "유효하지 않은 API 시크릿입니다."
    assert IdempotencyKey.objects.count() == 0
    assert DiscountSharePolicy.objects.count() == 0


def test_the_migration_seals_the_rows_stored_before_in_place():
    """core/migrations/0004: answers stored in plain text before the upgrade are encrypted where
    they are (nothing purged, so a retry across the upgrade still replays); running it twice
    does not encrypt twice."""
    migration = importlib.import_module("core.migrations.0004_idempotency_sealed")
    body = f'{{"account":{{"number":"{NUMBER}"}}}}'.encode()
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, caller, request_hash, method, path, status_code, "
            "response_body, content_type, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                "old",
                "c" * 64,
                "h",
                "POST",
                "/platform/partners",
                200,
                body,
                "application/json",
                timezone.now(),
            ],
        )
    editor = SimpleNamespace(connection=connection)

    migration.seal_existing(None, editor)
    ((sealed,),) = raw_rows("response_body")
    migration.seal_existing(None, editor)
    ((again,),) = raw_rows("response_body")

    assert NUMBER.encode() not in bytes(sealed)
    assert bytes(again) == bytes(sealed)
    assert bytes(IdempotencyKey.objects.get(key="old").response_body) == body

    migration.unseal_existing(None, editor)
    assert [bytes(b) for (b,) in raw_rows("response_body")] == [body]


def test_the_admin_page_of_a_key_never_shows_the_stored_answer(api_client, admin_client):
    make_contract("c-1")
    api_client.post(
        "/platform/partners", partner_body("p-adm"), format="json", HTTP_IDEMPOTENCY_KEY="adm-1"
    )
    row = IdempotencyKey.objects.get()
    page = admin_client.get(f"/admin/core/idempotencykey/{row.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "adm-1" in html and "/platform/partners" in html
    assert "110-123-456789" not in html and "110123456789" not in html and BIRTHDATE not in html
