"""The webhook-endpoint API (ours, docs/webhooks.md#api): PortOne wire style, the secret shown
on create and rotate only, test and live apart, re-send, and the OpenAPI documents it."""

from __future__ import annotations

import json

import pytest

from core.outbound import events, services
from core.outbound.models import WebhookEndpoint, WebhookMessage

pytestmark = pytest.mark.django_db


def test_create_list_read_update_delete(api_client):
    answer = api_client.post(
        "/platform/webhook-endpoints?test=true",
        {"url": "https://hooks.example/in", "eventTypes": [events.PAYOUT_STATUS_CHANGED]},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["secret"].startswith("whsec_")
    endpoint = body["endpoint"]
    assert endpoint["isForTest"] is True and endpoint["enabled"] is True
    assert endpoint["eventTypes"] == ["platform.payout.status_changed"]
    eid = endpoint["id"]

    listed = api_client.get("/platform/webhook-endpoints?test=true").json()
    assert [e["id"] for e in listed["items"]] == [eid] and listed["page"]["totalCount"] == 1
    assert "secret" not in json.dumps(listed)
    assert api_client.get("/platform/webhook-endpoints").json()["items"] == []  # live: apart

    got = api_client.get(f"/platform/webhook-endpoints/{eid}?test=true").json()["endpoint"]
    assert got["url"] == "https://hooks.example/in"
    patched = api_client.patch(
        f"/platform/webhook-endpoints/{eid}?test=true",
        {"enabled": False, "eventTypes": []},
        format="json",
    ).json()["endpoint"]
    assert patched["enabled"] is False and patched["eventTypes"] == []

    assert api_client.delete(f"/platform/webhook-endpoints/{eid}?test=true").json() == {}
    missing = api_client.get(f"/platform/webhook-endpoints/{eid}?test=true")
    assert missing.status_code == 404
    assert missing.json()["type"] == "PLATFORM_WEBHOOK_ENDPOINT_NOT_FOUND"


def test_refusals_are_portone_errors(api_client):
    bad = api_client.post(
        "/platform/webhook-endpoints", {"url": "not a url", "eventTypes": ["x"]}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["type"] == "INVALID_REQUEST"
    from rest_framework.test import APIClient

    anonymous = APIClient().get("/platform/webhook-endpoints")
    assert anonymous.status_code == 401 and anonymous.json()["type"] == "UNAUTHORIZED"


def test_rotate_ping_messages_and_resend(api_client):
    eid = api_client.post(
        "/platform/webhook-endpoints", {"url": "https://hooks.example/in"}, format="json"
    ).json()["endpoint"]["id"]
    rotated = api_client.post(
        f"/platform/webhook-endpoints/{eid}/rotate-secret", {"overlapHours": 2}, format="json"
    ).json()
    endpoint = WebhookEndpoint.objects.get(public_id=eid)
    assert rotated["secret"] == endpoint.secret
    assert "previousSecretExpiresAt" in rotated["endpoint"]
    assert len(endpoint.signing_secrets()) == 2

    ping = api_client.post(f"/platform/webhook-endpoints/{eid}/ping", format="json").json()
    assert ping["message"]["eventType"] == "webhook.ping"
    assert json.loads(ping["message"]["payload"])["data"] == {"webhookEndpointId": eid}

    messages = api_client.get(f"/platform/webhook-endpoints/{eid}/messages").json()
    assert [m["id"] for m in messages["items"]] == [ping["message"]["id"]]

    WebhookMessage.objects.update(status="FAILED", next_attempt_at=None, attempt_count=8)
    again = api_client.post(
        f"/platform/webhook-messages/{ping['message']['id']}/resend", format="json"
    ).json()["message"]
    assert again["status"] == "PENDING" and "nextAttemptAt" in again
    nothing = api_client.post("/platform/webhook-messages/msg_nope/resend", format="json")
    assert nothing.status_code == 404


def test_openapi_documents_the_endpoints_under_the_webhook_tag(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert "post" in paths["/platform/webhook-endpoints"]
    assert "patch" in paths["/platform/webhook-endpoints/{id}"]
    assert paths["/platform/webhook-endpoints/{id}/rotate-secret"]["post"]["tags"] == ["웹훅"]
    assert paths["/platform/webhook-messages/{id}/resend"]["post"]["summary"] == "웹훅 재전송"


def test_services_helper_secret_is_usable():
    endpoint = services.endpoint_create(url="https://x.example", is_for_test=False)
    assert endpoint.signing_secrets() == [endpoint.secret]
