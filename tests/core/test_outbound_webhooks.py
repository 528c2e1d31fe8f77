"""Outgoing webhooks (docs/webhooks.md): emitted on commit only, one INSERT for many rows, signed
the Standard Webhooks way (checked by `standardwebhooks` and by the SDK against a real local
receiver), retried by the back-off table, logged, re-sent, disabled, and their secret rotated."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import respx
import standardwebhooks
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from portone_server_sdk import webhook as sdk_webhook

from core.outbound import events, sender, services
from core.outbound.models import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookMessage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.OUTBOUND_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True  # the receiver is on 127.0.0.1


class Receiver:
    """A real HTTP server in a thread; answers `status` and records what it got."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b'{"ok":true}'
        self.received: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                outer.received.append(
                    ({k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                )
                self.send_response(outer.status)
                if 300 <= outer.status < 400:
                    self.send_header("Location", "http://example.invalid/elsewhere")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _verify_both(secret: str, headers: dict, body: bytes) -> dict:
    standardwebhooks.Webhook(secret).verify(body.decode(), headers)
    got = sdk_webhook.verify(secret, body.decode(), headers)
    assert isinstance(got, dict)  # a platform event: the SDK has no type for it
    return got


def _emit_one(event_type=events.TRANSFER_CREATED, data=None, *, test=False):
    with transaction.atomic():
        services.emit(event_type, [data or {"transferId": "t-1"}], is_for_test=test)


def test_delivery_is_signed_so_standardwebhooks_and_the_sdk_accept_it(receiver):
    endpoint = services.endpoint_create(url=receiver.url, is_for_test=False)
    assert endpoint.secret.startswith("whsec_")
    _emit_one(data={"transferId": "t-1", "status": "IN_PROCESS"})
    assert services.deliver_due() == 1
    headers, body = receiver.received[0]
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= set(headers)
    got = _verify_both(endpoint.secret, headers, body)
    assert got["type"] == "platform.transfer.created"
    assert got["data"] == {"transferId": "t-1", "status": "IN_PROCESS"}
    message = WebhookMessage.objects.get()
    assert (message.status, message.attempt_count, message.last_status_code) == (
        MessageStatus.SUCCEEDED,
        1,
        200,
    )
    log = WebhookAttempt.objects.get()
    assert log.succeeded and log.status_code == 200 and log.response_body == '{"ok":true}'
    assert headers["webhook-id"] == message.message_id


def test_a_rolled_back_change_emits_nothing(receiver):
    services.endpoint_create(url=receiver.url, is_for_test=False)

    def change_then_fail():
        with transaction.atomic():
            services.emit(events.TRANSFER_CREATED, [{"transferId": "x"}], is_for_test=False)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert WebhookMessage.objects.count() == 0


def test_many_events_for_many_endpoints_are_one_insert(receiver):
    for _ in range(3):
        services.endpoint_create(url=receiver.url, is_for_test=False)
    services.endpoint_create(url=receiver.url, is_for_test=True)  # other mode: nothing
    services.endpoint_create(
        url=receiver.url, is_for_test=False, event_types=[events.PAYOUT_STATUS_CHANGED]
    )  # not subscribed: nothing
    items = [{"transferId": f"t-{i}"} for i in range(500)]
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        services.emit(events.TRANSFER_CREATED, items, is_for_test=False)
    inserts = [q for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
    message_inserts = [q for q in inserts if "webhookmessage" in q["sql"]]
    # one statement per 2,000 rows on PostgreSQL; SQLite's bound-parameter limit splits it more
    assert len(message_inserts) == (1 if connection.vendor == "postgresql" else 16)
    assert WebhookMessage.objects.count() == 1500


def test_failures_back_off_by_the_table_then_fail(receiver):
    receiver.status = 500
    endpoint = services.endpoint_create(url=receiver.url, is_for_test=False)
    _emit_one()
    message = WebhookMessage.objects.get()
    delays = []
    for n in range(events.MAX_ATTEMPTS):
        WebhookMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        assert services.deliver_due() == 1
        message.refresh_from_db()
        if message.next_attempt_at:
            delays.append(
                message.next_attempt_at
                - WebhookAttempt.objects.get(message=message, number=n + 1).attempted_at
            )
    assert message.status == MessageStatus.FAILED
    assert message.attempt_count == events.MAX_ATTEMPTS == 8
    expected = list(events.RETRY_DELAYS[1:])
    assert [round(d.total_seconds() / 60) for d in delays] == [
        round(e.total_seconds() / 60) for e in expected
    ]
    assert sum(events.RETRY_DELAYS, timedelta()) > timedelta(hours=24)
    log = list(WebhookAttempt.objects.filter(message=message).order_by("number"))
    assert [a.number for a in log] == list(range(1, 9))
    assert all(a.status_code == 500 and a.error == "HTTP 500" for a in log)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 8


def test_a_message_not_yet_due_is_not_sent(receiver):
    services.endpoint_create(url=receiver.url, is_for_test=False)
    _emit_one()
    WebhookMessage.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert services.deliver_due() == 0
    assert receiver.received == []


def test_redirects_are_not_followed_and_count_as_failures(receiver):
    receiver.status = 302
    services.endpoint_create(url=receiver.url, is_for_test=False)
    _emit_one()
    services.deliver_due()
    log = WebhookAttempt.objects.get()
    assert log.status_code == 302 and not log.succeeded and "리다이렉트" in log.error
    assert len(receiver.received) == 1


def test_the_response_body_is_capped(receiver):
    receiver.body = b"x" * (sender.BODY_CAP * 10)
    services.endpoint_create(url=receiver.url, is_for_test=False)
    _emit_one()
    services.deliver_due()
    assert len(WebhookAttempt.objects.get().response_body) == sender.BODY_CAP


def test_a_refused_connection_is_logged_without_a_status_code():
    services.endpoint_create(url="http://127.0.0.1:9/nothing", is_for_test=False)
    _emit_one()
    services.deliver_due()
    log = WebhookAttempt.objects.get()
    assert log.status_code is None and log.error and not log.succeeded


@override_settings(
    OUTBOUND_WEBHOOK_DISABLE_AFTER_FAILURES=3, OUTBOUND_WEBHOOK_DISABLE_AFTER_HOURS=24
)
def test_an_endpoint_failing_long_enough_is_disabled_with_its_reason(receiver):
    receiver.status = 503
    endpoint = services.endpoint_create(url=receiver.url, is_for_test=False)
    for _ in range(3):
        _emit_one()
    services.deliver_due()
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.consecutive_failures == 3  # failing for minutes only
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(hours=25)
    )
    WebhookMessage.objects.update(next_attempt_at=timezone.now())
    services.deliver_due(limit=1)
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_at
    assert "연속 4회" in endpoint.disabled_reason and "HTTP 503" in endpoint.disabled_reason
    # a disabled endpoint is sent nothing; enabling it again clears the record
    WebhookMessage.objects.update(next_attempt_at=timezone.now())
    sent = len(receiver.received)
    assert services.deliver_due() == 0 and len(receiver.received) == sent
    services.endpoint_update(endpoint, enabled=True)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.disabled_reason == ""


def test_a_success_resets_the_failure_streak(receiver):
    receiver.status = 500
    endpoint = services.endpoint_create(url=receiver.url, is_for_test=False)
    _emit_one()
    services.deliver_due()
    receiver.status = 200
    _emit_one()
    services.deliver_due()
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.failing_since is None


def test_manual_resend_sends_the_same_message_again(receiver):
    endpoint = services.endpoint_create(url=receiver.url, is_for_test=False)
    _emit_one()
    services.deliver_due()
    message = WebhookMessage.objects.get()
    assert services.messages_resend([message.pk]) == 1
    services.deliver_due()
    (h1, b1), (h2, b2) = receiver.received
    assert h1["webhook-id"] == h2["webhook-id"] and b1 == b2
    _verify_both(endpoint.secret, h2, b2)
    assert WebhookAttempt.objects.filter(message=message).count() == 2


def test_rotation_signs_with_both_secrets_until_the_overlap_ends(receiver):
    endpoint = services.endpoint_create(url=receiver.url, is_for_test=False)
    old = endpoint.secret
    new = services.endpoint_rotate_secret(endpoint)
    assert new != old
    _emit_one()
    services.deliver_due()
    headers, body = receiver.received[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    _verify_both(old, headers, body)  # receivers not yet updated
    _verify_both(new, headers, body)  # receivers already updated
    # the window ends: the new secret alone
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    _emit_one()
    services.deliver_due()
    headers, body = receiver.received[1]
    assert len(headers["webhook-signature"].split(" ")) == 1
    _verify_both(new, headers, body)
    with pytest.raises(sdk_webhook.WebhookVerificationError):
        sdk_webhook.verify(old, body.decode(), headers)


def test_rotation_without_overlap_drops_the_old_secret_at_once(receiver):
    endpoint = services.endpoint_create(url=receiver.url, is_for_test=False)
    services.endpoint_rotate_secret(endpoint, overlap=timedelta(0))
    endpoint.refresh_from_db()
    assert endpoint.signing_secrets() == [endpoint.secret]


def test_emit_for_reads_ids_and_statuses_in_one_query(receiver):
    """The hook the services use for set-based changes."""
    services.endpoint_create(url=receiver.url, is_for_test=False)
    with transaction.atomic():
        services.emit_for(
            events.BULK_PAYOUT_STATUS_CHANGED,
            WebhookEndpoint,  # any model with public_id / is_for_test serves for the mechanism
            WebhookEndpoint.objects.values_list("pk", flat=True),
            entity="bulk_payout",
            status=False,
        )
    body = json.loads(WebhookMessage.objects.get().payload)
    assert body["type"] == "platform.bulk_payout.status_changed"
    assert body["data"]["bulkPayoutId"].startswith("whep_")


@respx.mock
def test_sender_unit_timeout_is_an_outcome_not_an_exception():
    respx.post("http://hooks.example/x").mock(side_effect=httpx.ReadTimeout("slow"))
    got = sender.post("http://hooks.example/x", b"{}", {})
    assert got.status_code is None and "시간 초과" in got.error and not got.ok


@respx.mock
def test_sender_unit_sends_json_with_the_given_headers():
    route = respx.post("http://hooks.example/x").mock(return_value=httpx.Response(204))
    got = sender.post("http://hooks.example/x", b'{"a":1}', {"webhook-id": "msg_1"})
    assert got.ok and got.status_code == 204
    request = route.calls.last.request
    assert request.headers["webhook-id"] == "msg_1"
    assert request.headers["content-type"] == "application/json"


def test_private_addresses_are_refused_unless_allowed(receiver, settings):
    settings.OUTBOUND_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    services.endpoint_create(url=receiver.url, is_for_test=False)
    _emit_one()
    services.deliver_due()
    log = WebhookAttempt.objects.get()
    assert "내부망" in log.error and "127.0.0.1" in log.error and not log.succeeded
    assert receiver.received == []
    assert sender.private_address("http://169.254.169.254/latest") == "169.254.169.254"
    assert sender.private_address("http://[::1]:8000/") == "::1"


def test_unknown_event_types_are_refused():
    from core.errors import Invalid

    with pytest.raises(Invalid):
        services.endpoint_create(url="http://x.example", is_for_test=False, event_types=["nope"])


def test_events_are_written_in_the_callers_transaction_and_enqueued_once(receiver, monkeypatch):
    """Written with the change (a commit cannot lose them); after commit one delivery task,
    however many emits the transaction made; a broker error after commit is not the caller's."""
    services.endpoint_create(url=receiver.url, is_for_test=False)
    queued = []
    monkeypatch.setattr(services, "_last_enqueued", [float("-inf")])
    monkeypatch.setattr(services, "enqueue_delivery", lambda: queued.append(1) or 1 / 0)
    with transaction.atomic():
        services.emit(events.TRANSFER_CREATED, [{"transferId": "a"}], is_for_test=False)
        assert WebhookMessage.objects.count() == 1  # already there, before commit
        services.emit(events.TRANSFER_CREATED, [{"transferId": "b"}], is_for_test=False)
        assert queued == []
    assert queued == [1]  # one task; robust: its ZeroDivisionError is logged, not raised
    assert WebhookMessage.objects.count() == 2


def test_a_stale_attempt_does_not_overwrite_what_another_worker_recorded(receiver):
    """The lease ran out and another worker delivered the message meanwhile: the late worker's
    answer is logged but the message keeps the other's record (no SUCCEEDED back to PENDING)."""
    receiver.status = 500
    services.endpoint_create(url=receiver.url, is_for_test=False)
    _emit_one()
    stale = WebhookMessage.objects.select_related("endpoint").get()
    WebhookMessage.objects.filter(pk=stale.pk).update(
        attempt_count=1, status=MessageStatus.SUCCEEDED, next_attempt_at=None
    )
    services.attempt(stale)
    message = WebhookMessage.objects.get()
    assert (message.status, message.attempt_count) == (MessageStatus.SUCCEEDED, 1)
    assert WebhookAttempt.objects.get().status_code == 500


def test_the_checked_address_is_the_one_connected_to(monkeypatch):
    """DNS rebinding: the name answers a public address when checked and 127.0.0.1 after. The
    request goes to the address that was checked (Host header and TLS name kept), so a second
    lookup never happens; a name with any internal answer is refused outright."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    def getaddrinfo(host, port, proto=0):
        return [(2, 1, 6, "", (ip, 0)) for ip in next(answers)]

    monkeypatch.setattr(sender.socket, "getaddrinfo", getaddrinfo)
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    with sender.client(transport=httpx.MockTransport(handler)) as http:
        got = sender.post("https://hooks.example:8443/in?x=1", b"{}", {}, using=http)
    assert got.ok
    request = seen[0]
    assert (request.url.host, request.url.port, request.url.path) == ("93.184.216.34", 8443, "/in")
    assert request.headers["host"] == "hooks.example:8443"
    assert request.extensions["sni_hostname"] == "hooks.example"
    refused = sender.post("https://hooks.example/in", b"{}", {})  # now answers 127.0.0.1
    assert refused.status_code is None and "127.0.0.1" in refused.error


def test_old_delivered_and_failed_messages_are_purged_pending_ones_never(receiver, settings):
    settings.OUTBOUND_WEBHOOK_RETENTION_DAYS = 30
    services.endpoint_create(url=receiver.url, is_for_test=False)
    for _ in range(4):
        _emit_one()
    assert services.deliver_due(limit=2) == 2  # two delivered, two still pending
    given_up = WebhookMessage.objects.filter(status=MessageStatus.PENDING).order_by("pk")[0]
    WebhookMessage.objects.filter(pk=given_up.pk).update(
        status=MessageStatus.FAILED, next_attempt_at=None
    )
    month_ago = timezone.now() - timedelta(days=31)
    WebhookMessage.objects.update(created_at=month_ago)
    fresh = WebhookMessage.objects.filter(status=MessageStatus.SUCCEEDED).first()
    WebhookMessage.objects.filter(pk=fresh.pk).update(created_at=timezone.now())
    assert services.messages_purge() == 2  # one delivered and one failed, both old
    left = sorted(WebhookMessage.objects.values_list("status", flat=True))
    assert left == [MessageStatus.PENDING, MessageStatus.SUCCEEDED]
    assert WebhookAttempt.objects.count() == 1  # the fresh delivery's attempt
