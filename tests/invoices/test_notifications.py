"""Invoice notifications (invoices.services.notifications): requests are queued set-based (a
constant number of queries however many invoices), the link renewed or kept as asked, the
messenger message added for a mobile number; events reach the party that did not act; sending
marks each message SENT or FAILED, retries temporary failures a few times and never permanent
ones; a task is enqueued after commit."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import pgcopy
from invoices.domain.statuses import Status
from invoices.models import Notification, TaxInvoice
from invoices.providers import messenger
from invoices.services import links, notifications
from tests.invoices.conftest import OWN_BRN, PARTNER_BRN

pytestmark = pytest.mark.django_db

BASE = "https://settle.example"


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server down")


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.PUBLIC_BASE_URL = BASE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.INVOICE_FROM_EMAIL = "invoice@platform.test"
    settings.VAR_DIR = tmp_path
    settings.MESSENGER_PROVIDER = "sandbox"
    messenger.outbox.clear()


def _invoice(n: int, *, contact: dict | None = None, send_sms: bool = False) -> TaxInvoice:
    now = timezone.now()
    return TaxInvoice(
        public_id=f"inv-{n}",
        status=Status.REQUESTED,
        status_updated_at=now,
        requested_at=now,
        issuance_type="REVERSE",
        taxation_type="TAXABLE",
        purpose_type="RECEIPT",
        write_date=timezone.localdate(),
        issuance_due_date=timezone.localdate() + timedelta(days=10),
        total_supply_amount=10_000 + n,
        total_tax_amount=1_000,
        total_amount=11_000 + n,
        supplier={
            "brn": PARTNER_BRN,
            "name": f"공급자 {n}",
            "representativeName": "대표",
            "contact": contact if contact is not None else {"email": f"s{n}@partner.test"},
        },
        recipient={
            "brn": OWN_BRN,
            "name": "주식회사 플랫폼",
            "representativeName": "김대표",
            "contact": {"email": "finance@platform.test", "mobilePhoneNumber": "010-2222-3333"},
        },
        supplier_brn=PARTNER_BRN,
        supplier_name=f"공급자 {n}",
        supplier_representative_name="대표",
        recipient_brn=OWN_BRN,
        recipient_name="주식회사 플랫폼",
        recipient_representative_name="김대표",
        send_sms=send_sms,
    )


def _many(count: int, **kw) -> list[TaxInvoice]:
    TaxInvoice.objects.bulk_create([_invoice(n, **kw) for n in range(count)], batch_size=1000)
    return list(TaxInvoice.objects.order_by("pk"))


def test_queueing_many_is_set_based(django_capture_on_commit_callbacks):
    invoices = _many(1200, contact={"email": "a@partner.test", "mobilePhoneNumber": "01055556666"})
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks() as callbacks,
    ):
        queued = notifications.queue_requests(invoices)
    assert queued == 2400  # an e-mail and a messenger message each
    # one UPDATE per chunk of 5,000 invoices, one INSERT per batch of 5,000 rows (fewer rows per
    # INSERT on SQLite, whose statements take at most 999 parameters): nothing per invoice
    # (on PostgreSQL the rows go in by one COPY, which the query log does not list)
    sqls = [q["sql"] for q in queries.captured_queries]
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    batch = min(notifications.CHUNK, connection.ops.bulk_batch_size(fields, [None] * 2400))
    inserts = 0 if pgcopy.is_available() else math.ceil(2400 / batch)
    assert sum(s.startswith("UPDATE") for s in sqls) == 1
    assert sum(s.startswith("INSERT") for s in sqls) == inserts
    assert len(sqls) == 1 + inserts
    assert len(callbacks) == 1  # the sending task, after commit
    assert Notification.objects.filter(channel="EMAIL", kind="REVERSE_REQUEST").count() == 1200
    assert Notification.objects.filter(channel="MESSENGER", to="01055556666").count() == 1200
    stored = TaxInvoice.objects.get(pk=invoices[7].pk)
    assert stored.link_version == 0 and stored.link_sent_count == 1
    assert stored.link_expires_at == invoices[7].link_expires_at
    assert abs(stored.link_expires_at - (timezone.now() + timedelta(days=62))) < timedelta(
        seconds=10
    )
    assert links.verify(links.token_for(stored)).pk == stored.pk


def test_a_plain_requeue_keeps_the_link_and_a_renewal_supersedes_it():
    [invoice] = _many(1)
    notifications.queue_requests([invoice])
    first = links.token_for(invoice)
    expiry = invoice.link_expires_at
    notifications.queue_requests([invoice])
    invoice.refresh_from_db()
    assert links.token_for(invoice) == first and invoice.link_expires_at == expiry
    assert invoice.link_sent_count == 2
    notifications.queue_requests([invoice], renew=True)
    invoice.refresh_from_db()
    assert invoice.link_version == 1 and invoice.link_sent_count == 3
    assert links.token_for(invoice) != first
    with pytest.raises(links.LinkRefused) as old:
        links.verify(first)
    assert old.value.reason is links.Refusal.SUPERSEDED and old.value.status == 410
    assert links.verify(links.token_for(invoice)).pk == invoice.pk


def test_only_requested_invoices_are_queued():
    invoices = _many(3)
    TaxInvoice.objects.filter(pk=invoices[1].pk).update(status=Status.ISSUED)
    invoices[1].status = Status.ISSUED
    assert notifications.queue_requests(invoices) == 2
    assert not Notification.objects.filter(invoice=invoices[1]).exists()
    assert notifications.queue_requests([]) == 0


def test_whom_the_messenger_reaches():
    land_line = _invoice(1, contact={"email": "a@x.test", "phoneNumber": "02-123-4567"})
    with_sms = _invoice(2, contact={"email": "a@x.test", "phoneNumber": "010-7777-8888"})
    with_sms.send_sms = True
    without_sms = _invoice(3, contact={"email": "a@x.test", "phoneNumber": "010-7777-8888"})
    mobile = _invoice(4, contact={"email": "a@x.test", "mobilePhoneNumber": "+82 10 1111 2222"})
    no_email = _invoice(5, contact={"mobilePhoneNumber": "01011112222"})
    land_line.send_sms = True
    assert notifications.contact_of(land_line, "supplier").phone == ""
    assert notifications.contact_of(with_sms, "supplier").phone == "01077778888"
    assert notifications.contact_of(without_sms, "supplier").phone == ""
    assert notifications.contact_of(mobile, "supplier").phone == "01011112222"
    assert notifications.contact_of(no_email, "supplier") == notifications.Contact(
        email="", phone="01011112222"
    )
    no_email.supplier_email = "fallback@x.test"
    assert notifications.contact_of(no_email, "supplier").email == "fallback@x.test"


def test_no_messenger_rows_when_the_messenger_is_off(settings):
    settings.MESSENGER_PROVIDER = "none"
    invoices = _many(2, contact={"email": "a@x.test", "mobilePhoneNumber": "01011112222"})
    assert notifications.queue_requests(invoices) == 2
    assert set(Notification.objects.values_list("channel", flat=True)) == {"EMAIL"}


def test_events_reach_the_party_that_did_not_act():
    [invoice] = _many(1)
    invoice.cancel_reason = "금액 오류"
    assert notifications.queue_event(invoice, "REFUSED") == 2  # recipient: e-mail + mobile
    assert notifications.queue_event(invoice, "REQUEST_CANCELLED") == 1  # supplier: e-mail
    rows = set(Notification.objects.values_list("kind", "channel", "to"))
    assert rows == {
        ("REFUSED", "EMAIL", "finance@platform.test"),
        ("REFUSED", "MESSENGER", "01022223333"),
        ("REQUEST_CANCELLED", "EMAIL", "s0@partner.test"),
    }
    with pytest.raises(ValueError, match="unknown notification kind"):
        notifications.queue_event(invoice, "SOMETHING")
    TaxInvoice.objects.filter(pk=invoice.pk).update(cancel_reason="금액 오류")
    assert notifications.send_queued() == 3
    refused = next(m for m in mail.outbox if m.to == ["finance@platform.test"])
    assert "거부" in refused.subject and "사유: 금액 오류" in refused.body
    [text] = [m.text for m in messenger.outbox]
    assert "발행 거부" in text and "금액 오류" in text


def test_sending_marks_sent_with_the_link_in_email_and_messenger():
    [invoice] = _many(1, contact={"email": "a@x.test", "mobilePhoneNumber": "01012345678"})
    notifications.queue_requests([invoice])
    assert notifications.send_queued() == 2
    assert set(Notification.objects.values_list("state", "attempts")) == {("SENT", 1)}
    assert all(n.sent_at for n in Notification.objects.all())
    invoice.refresh_from_db()
    url = links.url_for(invoice)
    assert url.startswith(BASE + "/tax-invoices/r/")
    [email] = mail.outbox
    assert url in email.body and url in email.alternatives[0][0]
    assert email.from_email == "invoice@platform.test"
    [sent] = messenger.outbox
    assert sent.template_code == "TAX_INVOICE_REVERSE_REQUEST"
    assert sent.variables["link"] == url and url in sent.text
    assert sent.variables["totalAmount"] == 11_000
    # nothing left: a second run sends nothing
    assert notifications.send_queued() == 0


def test_temporary_failures_are_retried_a_few_times_then_left(settings):
    [invoice] = _many(1, contact={"email": "a@x.test", "mobilePhoneNumber": "010-9999-9999"})
    notifications.queue_requests([invoice])
    settings.EMAIL_BACKEND = "tests.invoices.test_notifications.FailingBackend"
    for attempt in range(1, notifications.MAX_ATTEMPTS + 1):
        assert notifications.send_queued() == 0
        states = set(Notification.objects.values_list("state", "attempts"))
        assert states == {("FAILED", attempt)}
    errors = set(Notification.objects.values_list("channel", "error"))
    assert errors == {
        ("EMAIL", "ConnectionRefusedError: SMTP server down"),
        ("MESSENGER", "MessengerError: [sandbox] 중계 서버 일시 장애 (010-9999-9999)"),
    }
    assert notifications.send_queued() == 0  # given up: attempts exhausted
    assert set(Notification.objects.values_list("attempts", flat=True)) == {3}


def test_a_failure_that_can_be_fixed_later_succeeds_on_retry(settings):
    [invoice] = _many(1)
    notifications.queue_requests([invoice])
    settings.EMAIL_BACKEND = "tests.invoices.test_notifications.FailingBackend"
    assert notifications.send_queued() == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.send_queued() == 1
    n = Notification.objects.get()
    assert (n.state, n.attempts, n.error) == ("SENT", 2, "")
    assert len(mail.outbox) == 1


def test_permanent_failures_are_not_retried():
    [invoice] = _many(1, contact={"email": "a@x.test", "mobilePhoneNumber": "010-0000-0000"})
    notifications.queue_requests([invoice])
    assert notifications.send_queued() == 1  # the e-mail
    failed = Notification.objects.get(channel="MESSENGER")
    assert failed.state == "FAILED" and failed.attempts == notifications.MAX_ATTEMPTS
    assert "없는 번호" in failed.error
    assert notifications.send_queued() == 0


def test_a_request_no_longer_waiting_is_not_sent():
    [invoice] = _many(1)
    notifications.queue_requests([invoice])
    TaxInvoice.objects.filter(pk=invoice.pk).update(status=Status.REQUEST_CANCELLED)
    assert notifications.send_queued() == 0
    n = Notification.objects.get()
    assert n.state == "FAILED" and "역발행 요청 상태가 아니어서" in n.error
    assert mail.outbox == []


def test_a_full_batch_enqueues_the_next_run(monkeypatch):
    calls = []
    monkeypatch.setattr(notifications, "async_task", lambda *a, **kw: calls.append(a))
    invoices = _many(5)
    notifications.queue_requests(invoices)
    assert notifications.send_queued(limit=2) == 2
    assert calls == [(notifications.SEND_TASK,)]
    assert Notification.objects.filter(state="QUEUED").count() == 3
    calls.clear()
    assert notifications.send_queued(limit=10) == 3
    assert calls == []


def test_a_broker_error_after_commit_is_not_an_error(
    monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(notifications, "async_task", broken)
    [invoice] = _many(1)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.queue_requests([invoice]) == 1
    assert Notification.objects.filter(state="QUEUED").count() == 1


def test_the_task_sends_them(monkeypatch):
    from invoices import tasks

    [invoice] = _many(1)
    notifications.queue_requests([invoice])
    assert tasks.send_notifications() == 1
    assert len(mail.outbox) == 1
