"""Where the events come from (docs/webhooks.md#events): the settlement and payout services emit
them on commit, with the entity's public id and its status at that moment, and a bulk payout's run
reaches every subscribed endpoint. Also the admin pages (Korean, under 시스템)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.test import Client

from core.admin.navigation import links
from core.outbound import events, services
from core.outbound.models import WebhookEndpoint, WebhookMessage
from payouts.services import bulk_payouts as bp
from payouts.services.bulk_payouts import Actor
from payouts.services.runner import bulk_payout_run
from payouts.services.selection import Selection
from tests.payouts.conftest import (  # noqa: F401 - the payout tests' fixtures
    _ledger_invariant,
    _sandbox_bank,
    make_world,
)

ALICE = Actor("user:1", "alice")


def _bodies() -> list[dict]:
    return [
        json.loads(p)
        for p in WebhookMessage.objects.order_by("pk").values_list("payload", flat=True)
    ]


def test_a_bulk_payout_from_creation_to_completion_emits_its_events(make_world):  # noqa: F811
    services.endpoint_create(url="http://127.0.0.1:9/x", is_for_test=True)
    services.endpoint_create(url="http://127.0.0.1:9/live", is_for_test=False)  # other mode
    world = make_world({"a": {"amount": 100_000}, "b": {"amount": 250_000}})
    # make_world's transfers and gathering ran in this test's transaction: on_commit callbacks
    # of a `db` test never run, so only what is committed below counts.
    WebhookMessage.objects.all().delete()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        bulk = bp.bulk_payout_create(
            selection=Selection.of_ids(world.ids("a", "b"), is_for_test=True),
            name="3월",
            actor=ALICE,
        )
    kinds = Counter(b["type"] for b in _bodies())
    assert kinds == {
        events.PAYOUT_CREATED: 2,
        events.PARTNER_SETTLEMENT_STATUS_CHANGED: 2,
        events.BULK_PAYOUT_CREATED: 1,
    }
    created = next(b for b in _bodies() if b["type"] == events.BULK_PAYOUT_CREATED)
    assert created["data"] == {"bulkPayoutId": bulk.public_id, "status": "PREPARED"}
    assert all(m.endpoint.is_for_test for m in WebhookMessage.objects.all())

    WebhookMessage.objects.all().delete()
    with TestCase.captureOnCommitCallbacks(execute=True):
        bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=ALICE)
    with TestCase.captureOnCommitCallbacks(execute=True):
        bulk_payout_run(bulk.pk)
    bodies = _bodies()
    payout_statuses = Counter(
        b["data"]["status"] for b in bodies if b["type"] == events.PAYOUT_STATUS_CHANGED
    )
    assert payout_statuses["SUCCEEDED"] == 2
    settlement_statuses = {
        b["data"]["status"] for b in bodies if b["type"] == events.PARTNER_SETTLEMENT_STATUS_CHANGED
    }
    assert "PAID_OUT" in settlement_statuses
    bulk_statuses = [
        b["data"]["status"] for b in bodies if b["type"] == events.BULK_PAYOUT_STATUS_CHANGED
    ]
    assert bulk_statuses == ["ONGOING", "COMPLETED"]


@pytest.mark.django_db
def test_a_manual_transfer_through_the_api_emits_transfer_created(api_client):
    from django.test import TestCase

    from tests.factories import make_contract, make_partner

    services.endpoint_create(
        url="http://127.0.0.1:9/x", is_for_test=False, event_types=[events.TRANSFER_CREATED]
    )
    partner = make_partner(contract_id=make_contract().public_id)
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = api_client.post(
            "/platform/transfers/manual",
            {
                "partnerId": partner.public_id,
                "settlementAmount": 1000,
                "settlementDate": "2030-01-10",
            },
            format="json",
        )
    assert answer.status_code == 200, answer.content
    (body,) = _bodies()
    assert body["type"] == "platform.transfer.created"
    assert body["data"] == {"transferId": answer.json()["transfer"]["id"]}


@pytest.mark.django_db
def test_admin_pages_are_under_the_system_section_and_show_the_log():
    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(admin)
    answer = client.post(
        "/admin/core/webhookendpoint/add/",
        {
            "url": "https://hooks.example/in",
            "description": "상점",
            "event_types": [events.PAYOUT_STATUS_CHANGED],
            "enabled": "on",
        },
        follow=True,
    )
    assert answer.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in answer.content.decode()  # shown once as a message
    assert endpoint.event_types == [events.PAYOUT_STATUS_CHANGED]
    change = client.get(f"/admin/core/webhookendpoint/{endpoint.pk}/change/")
    assert change.status_code == 200 and endpoint.secret in change.content.decode()

    message = services.endpoint_ping(endpoint)
    page = client.get("/admin/core/webhookmessage/")
    assert page.status_code == 200 and message.message_id in page.content.decode()
    assert client.get(f"/admin/core/webhookmessage/{message.pk}/change/").status_code == 200
    WebhookMessage.objects.update(status="FAILED", next_attempt_at=None)
    client.post(
        "/admin/core/webhookmessage/",
        {"action": "resend_selected", "_selected_action": [message.pk]},
    )
    assert WebhookMessage.objects.get().status == "PENDING"
    client.post(
        "/admin/core/webhookendpoint/",
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )
    endpoint.refresh_from_db()
    assert len(endpoint.signing_secrets()) == 2

    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = admin
    system = dict(links(request))
    titles = [str(e["title"]) for e in system[next(t for t in system if str(t) == "시스템")]]
    assert "웹훅 엔드포인트" in titles and "웹훅 전송 내역" in titles
