"""Wire rules shared by every endpoint (docs/api.md#api-conventions)."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def test_malformed_request_body_is_invalid_request(api_client):
    response = api_client.get("/platform/contracts", {"requestBody": "{not json"})
    assert response.status_code == 400
    assert response.json()["type"] == "INVALID_REQUEST"
    assert "requestBody" in response.json()["message"]


def test_union_with_two_keys_is_rejected(api_client):
    response = api_client.post(
        "/platform/discount-share-policies",
        {"name": "x", "partnerShareRate": 1},
        format="json",
    )
    assert response.status_code == 200
    response = api_client.post(
        "/platform/additional-fee-policies",
        {"name": "x", "vatPayer": "PARTNER", "fee": {"fixedRate": 1, "fixedAmount": 2}},
        format="json",
    )
    assert response.status_code == 400
    assert "fee" in response.json()["message"]


def test_absent_optional_fields_are_omitted_never_null(api_client):
    body = api_client.post(
        "/platform/discount-share-policies", {"name": "x", "partnerShareRate": 1}, format="json"
    ).json()
    assert "memo" not in body["discountSharePolicy"]
    assert None not in body["discountSharePolicy"].values()


def test_query_test_wins_over_body_is_for_test(api_client):
    body = {"name": "x", "partnerShareRate": 1, "isForTest": True}
    created = api_client.post(
        "/platform/discount-share-policies?test=false", body, format="json"
    ).json()
    assert created["discountSharePolicy"]["isForTest"] is False
    created = api_client.post("/platform/discount-share-policies", body, format="json").json()
    assert created["discountSharePolicy"]["isForTest"] is True


def test_bad_test_flag_is_invalid_request(api_client):
    response = api_client.get("/platform/setting?test=maybe")
    assert response.status_code == 400
    assert response.json()["type"] == "INVALID_REQUEST"


def test_post_without_body_is_accepted(api_client):
    api_client.post(
        "/platform/contracts",
        {
            "id": "c",
            "name": "n",
            "platformFee": {"fixedRate": 1},
            "settlementCycle": {
                "lagDays": 1,
                "datePolicy": "CALENDAR_DAY",
                "method": {"daily": {}},
            },
            "platformFeeVatPayer": "PARTNER",
            "subtractPaymentVatAmount": False,
        },
        format="json",
    )
    response = api_client.generic("POST", "/platform/contracts/c/archive")
    assert response.status_code == 200
    assert response.json()["contract"]["isArchived"] is True


def test_unknown_path_answers_json(api_client):
    response = api_client.get("/platform/nothing-here")
    assert response.status_code == 404
    assert json.loads(response.content)["type"] == "NOT_FOUND"


def test_openapi_docs_are_served_offline(client):
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    # no CDN and no other outside origin; the per-request CSP nonces are random base64 and can
    # spell anything ("cdn" among it), so they are left out of the check
    page = re.sub(rb'nonce="[^"]*"', b"", docs.content).lower()
    assert b"cdn" not in page
    assert not re.search(rb'(src|href)="(https?:)?//', page)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/platform/contracts" in schema.content
