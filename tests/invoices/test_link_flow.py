"""The e-mailed link of a reverse-issuance request, end to end with Django's test client
(docs/invoices.md#the-partner-page): the request e-mail carries a signed link; the page asks the
supplier's business registration number before it shows anything; with it the partner approves
(ISSUED, history actor `partner:<brn>`), refuses with a reason, or cancels the issuance; a wrong
number shows nothing and changes nothing; an expired link answers 410, a tampered one 404, a
superseded one 410; re-sending renews the link and emits TaxInvoice.Manual; the page lists the
partner's payouts, statements and other invoices."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.signing import TimestampSigner
from django.test import Client
from django.utils import timezone

from core.errors import DomainError
from core.outbound import events
from core.outbound.models import WebhookMessage
from core.outbound.services import endpoint_create
from invoices.domain.statuses import Action, Status
from invoices.models import Notification, TaxInvoice, TaxInvoiceEvent, new_public_id
from invoices.providers import messenger
from invoices.services import links, notifications, tax_invoices, transitions
from payouts.models import BulkPayout, Payout, PayoutMethod
from tests.invoices.conftest import OWN_BRN, PARTNER_BRN

pytestmark = pytest.mark.django_db

BASE = "https://settle.example"
LINK = re.compile(re.escape(BASE) + r"(/tax-invoices/r/[^/\s\"<>]+/)")


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.PUBLIC_BASE_URL = BASE
    settings.INVOICE_FROM_EMAIL = "invoice@platform.test"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.VAR_DIR = tmp_path
    settings.MESSENGER_PROVIDER = "sandbox"
    cache.clear()
    messenger.outbox.clear()
    yield
    cache.clear()


def make_requested_invoice(
    own_company, partner, *, supply: int = 1_000_000, mobile: str | None = None, **extra
) -> TaxInvoice:
    """A REVERSE invoice from the partner (공급자) to us (공급받는자), drafted and requested
    through the services (the request queues the e-mail)."""
    counterparty = partner.counterparty
    contact = {"email": counterparty.contact_email, "name": counterparty.contact_name}
    if mobile:
        contact["mobilePhoneNumber"] = mobile
    now = timezone.now()
    invoice = TaxInvoice(
        status=None,  # a new invoice: DRAFT sets it
        status_updated_at=now,
        issuance_type="REVERSE",
        taxation_type="TAXABLE",
        purpose_type="RECEIPT",
        write_date=timezone.localdate(),
        issuance_due_date=timezone.localdate() + timedelta(days=10),
        total_supply_amount=supply,
        total_tax_amount=supply // 10,
        total_amount=supply + supply // 10,
        items=[
            {
                "name": "3월 판매 수수료",
                "supplyCostAmount": supply,
                "taxAmount": supply // 10,
                "quantity": "1",
            }
        ],
        supplier={
            "brn": PARTNER_BRN,
            "name": counterparty.company_name,
            "representativeName": counterparty.representative_name,
            "address": "서울특별시 마포구 1",
            "contact": contact,
        },
        recipient={
            "brn": OWN_BRN,
            "name": own_company.company_name,
            "representativeName": own_company.representative_name,
            "contact": {"email": own_company.contact_email, "name": own_company.contact_name},
        },
        supplier_brn=PARTNER_BRN,
        supplier_name=counterparty.company_name,
        supplier_representative_name=counterparty.representative_name,
        supplier_email=counterparty.contact_email,
        supplier_counterparty=counterparty,
        recipient_brn=OWN_BRN,
        recipient_name=own_company.company_name,
        recipient_representative_name=own_company.representative_name,
        recipient_document_key=extra.pop("recipient_document_key", f"doc-{new_public_id()}"),
        **extra,
    )
    transitions.apply(invoice, Action.DRAFT, actor="api:test")
    return tax_invoices.request(invoice, actor="api:test")


def link_of(message) -> str:
    """The page path of the link in an e-mail (its text and its HTML carry the same one)."""
    found = LINK.search(message.body)
    assert found, message.body
    html = message.alternatives[0][0]
    assert found.group(0) in html
    return found.group(1)


@pytest.fixture
def requested(own_company, connected_partner):
    return make_requested_invoice(own_company, connected_partner)


@pytest.fixture
def emailed_link(requested) -> str:
    assert notifications.send_queued() == 1
    assert len(mail.outbox) == 1
    return link_of(mail.outbox[0])


def open_page(client, path: str, brn: str = PARTNER_BRN):
    return client.post(path, {"brn": brn}, follow=True)


def test_the_request_email_carries_the_signed_link(requested, emailed_link):
    message = mail.outbox[0]
    assert message.to == ["partner@partner.test"]
    assert message.from_email == "invoice@platform.test"
    assert message.subject.startswith("[주식회사 플랫폼] 세금계산서 역발행 요청 - 1,100,000원")
    assert "1,100,000원" in message.body
    assert message.alternatives[0][1] == "text/html"
    requested.refresh_from_db()
    assert links.verify(emailed_link.split("/")[-2]).pk == requested.pk
    expected = timezone.now() + timedelta(days=62)
    assert abs((requested.link_expires_at - expected).total_seconds()) < 5
    assert requested.link_sent_count == 1
    assert f"{timezone.localtime(requested.link_expires_at):%Y-%m-%d %H:%M}" in message.body
    notification = Notification.objects.get(invoice=requested)
    assert (notification.channel, notification.kind, notification.state) == (
        "EMAIL",
        "REVERSE_REQUEST",
        "SENT",
    )


def test_the_page_asks_the_number_before_showing_anything(client, requested, emailed_link):
    response = client.get(emailed_link)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="brn"' in body
    assert "1,100,000" not in body and "주식회사 파트너" not in body
    requested.refresh_from_db()
    assert requested.opened_at is None


def test_a_wrong_number_shows_nothing_and_changes_nothing(client, requested, emailed_link):
    before = requested.events.count()
    response = client.post(emailed_link, {"brn": "123-45-67890"})
    assert response.status_code == 403
    body = response.content.decode()
    assert 'name="brn"' in body and "일치하지 않습니다" in body
    assert "1,100,000" not in body and "주식회사 파트너" not in body
    # nor do the buttons work without the number
    response = client.post(emailed_link + "approve")
    assert response.status_code == 403
    requested.refresh_from_db()
    assert requested.status == Status.REQUESTED
    assert requested.opened_at is None
    assert requested.events.count() == before


def test_right_number_shows_the_invoice_and_approving_issues_it(client, requested, emailed_link):
    response = open_page(client, emailed_link, "214-88-12345")  # dashes are fine
    assert response.status_code == 200
    body = response.content.decode()
    assert "1,100,000원" in body and "주식회사 파트너" in body and "3월 판매 수수료" in body
    assert 'id="approve"' in body
    requested.refresh_from_db()
    opened = requested.opened_at
    assert opened is not None

    response = client.post(emailed_link + "approve", follow=True)
    assert response.status_code == 200
    requested.refresh_from_db()
    assert requested.status == Status.ISSUED
    assert requested.nts_approval_number
    last = requested.events.order_by("-at", "-id").first()
    assert (last.action, last.actor, last.to_status) == (
        "ISSUE",
        f"partner:{PARTNER_BRN}",
        "ISSUED",
    )
    body = response.content.decode()
    assert "발행했습니다" in body and 'data-status="ISSUED"' in body
    assert 'id="approve"' not in body and 'id="cancel"' in body

    # a second approval changes nothing and is a message, not an error page
    events = requested.events.count()
    response = client.post(emailed_link + "approve", follow=True)
    assert response.status_code == 200
    assert "이미 처리된 요청입니다" in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == Status.ISSUED and requested.events.count() == events
    assert requested.opened_at == opened  # only the first opening is recorded


def test_the_recipient_hears_of_the_issuance(client, requested, emailed_link):
    open_page(client, emailed_link)
    client.post(emailed_link + "approve")
    issued = Notification.objects.get(invoice=requested, kind="ISSUED")
    assert (issued.channel, issued.to) == ("EMAIL", "finance@platform.test")
    assert notifications.send_queued() == 1
    assert mail.outbox[-1].to == ["finance@platform.test"]
    assert "발행했습니다" in mail.outbox[-1].body


def test_refusing_needs_a_reason_and_records_it(client, requested, emailed_link):
    open_page(client, emailed_link)
    response = client.post(emailed_link + "refuse", {"reason": "  "}, follow=True)
    assert "거부 사유를 입력해 주세요" in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == Status.REQUESTED

    response = client.post(emailed_link + "refuse", {"reason": "금액이 다릅니다"}, follow=True)
    assert response.status_code == 200
    requested.refresh_from_db()
    assert requested.status == Status.REQUEST_REFUSED
    assert requested.cancel_reason == "금액이 다릅니다"
    last = requested.events.order_by("-at", "-id").first()
    assert (last.action, last.actor, last.memo) == (
        "REFUSE",
        f"partner:{PARTNER_BRN}",
        "금액이 다릅니다",
    )
    body = response.content.decode()
    assert 'data-status="REQUEST_REFUSED"' in body and 'id="approve"' not in body


def test_cancelling_the_issuance_before_transmission(client, requested, emailed_link):
    open_page(client, emailed_link)
    client.post(emailed_link + "approve")
    response = client.post(emailed_link + "cancel", {"reason": "품목 오류"}, follow=True)
    assert response.status_code == 200
    requested.refresh_from_db()
    assert requested.status == Status.ISSUANCE_CANCELLED
    assert requested.cancel_reason == "품목 오류"
    # again: the status no longer allows it, a message says so
    response = client.post(emailed_link + "cancel", {"reason": "다시"}, follow=True)
    assert response.status_code == 200
    assert "발행을 취소할 수 없습니다" in response.content.decode()


def test_an_expired_link_answers_410(client, requested, emailed_link):
    with time_machine.travel(timezone.now() + timedelta(days=63), tick=False):
        response = client.get(emailed_link)
        assert response.status_code == 410
        assert "만료" in response.content.decode()
        response = client.post(emailed_link, {"brn": PARTNER_BRN})
        assert response.status_code == 410
        response = client.post(emailed_link + "approve")
        assert response.status_code == 410
    requested.refresh_from_db()
    assert requested.status == Status.REQUESTED and requested.opened_at is None
    # a day before its end it still works
    with time_machine.travel(timezone.now() + timedelta(days=61), tick=False):
        assert client.get(emailed_link).status_code == 200


def test_a_tampered_or_unknown_link_answers_404(client, requested, emailed_link):
    token = emailed_link.split("/")[-2]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/tax-invoices/r/{flipped}/").status_code == 404
    assert client.get("/tax-invoices/r/nonsense/").status_code == 404
    # signed with our key and salt but for an invoice that does not exist
    forged = TimestampSigner(salt=links.SALT).sign_object({"i": 987654, "v": 0})
    assert client.get(f"/tax-invoices/r/{forged}/").status_code == 404
    # another salt (say, a statement token) is not a link
    other = TimestampSigner(salt=links.STATEMENT_SALT).sign_object({"i": requested.pk, "v": 0})
    assert client.get(f"/tax-invoices/r/{other}/").status_code == 404
    response = client.post(f"/tax-invoices/r/{flipped}/approve")
    assert response.status_code == 404
    # a deleted invoice, or one that is not a reverse request, has no page
    TaxInvoice.objects.filter(pk=requested.pk).update(issuance_type="NORMAL")
    assert client.get(emailed_link).status_code == 404
    TaxInvoice.objects.filter(pk=requested.pk).update(
        issuance_type="REVERSE", deleted_at=timezone.now()
    )
    assert client.get(emailed_link).status_code == 404
    TaxInvoice.objects.filter(pk=requested.pk).update(deleted_at=None)
    requested.refresh_from_db()
    assert requested.status == Status.REQUESTED


def test_too_many_wrong_numbers_lock_the_link_for_an_hour(client, requested, emailed_link):
    for _ in range(links.BRN_ATTEMPTS_PER_HOUR):
        assert client.post(emailed_link, {"brn": "1111111111"}).status_code == 403
    response = client.post(emailed_link, {"brn": PARTNER_BRN})
    assert response.status_code == 429
    assert "주식회사 파트너" not in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1), tick=False):
        assert open_page(client, emailed_link).status_code == 200


def test_resending_renews_the_link_and_emits_manual(client, api_client, requested, emailed_link):
    endpoint_create(url="https://hooks.example/x", is_for_test=False)
    before = TaxInvoice.objects.get(pk=requested.pk).link_expires_at
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        response = api_client.post(f"/b2b/tax-invoices/{requested.public_id}/resend-request")
        assert response.status_code == 200, response.content
        assert response.json()["taxInvoice"]["id"] == requested.public_id
        assert response.json()["taxInvoice"]["status"] == "REQUESTED"
        requested.refresh_from_db()
        assert requested.link_version == 1 and requested.link_sent_count == 2
        renewed_by = requested.link_expires_at - before
        assert abs(renewed_by - timedelta(days=30)) < timedelta(seconds=1)
        event = requested.events.order_by("-at", "-id").first()
        assert (event.action, event.actor) == ("RESEND_REQUEST", "api:test integrator")
        manual = WebhookMessage.objects.filter(event_type=events.TAX_INVOICE_MANUAL)
        assert manual.count() == 1
        assert requested.public_id in manual.get().payload

        assert notifications.send_queued() == 1
        new_link = link_of(mail.outbox[-1])
        assert new_link != emailed_link
        old = client.get(emailed_link)
        assert old.status_code == 410 and "새 링크" in old.content.decode()
        assert client.get(new_link).status_code == 200
    # the renewed link outlives the first one's two months
    with time_machine.travel(timezone.now() + timedelta(days=80), tick=False):
        assert client.get(new_link).status_code == 200


def test_resend_from_a_stale_copy_never_undoes_an_approval(requested):
    """The admin's re-send reads the invoice without a lock: approved meanwhile (the partner's
    page), the re-send must be refused, not write REQUESTED back over ISSUED."""
    stale = TaxInvoice.objects.get(pk=requested.pk)
    tax_invoices.issue(requested, actor="partner:x")
    with pytest.raises(DomainError) as refused:
        notifications.resend_request(stale, actor="admin:test")
    assert refused.value.code == "B2B_TAX_INVOICE_NOT_REQUESTED_STATUS"
    assert TaxInvoice.objects.get(pk=requested.pk).status == "ISSUED"


def test_resend_of_an_invoice_not_requested_is_refused(api_client, requested):
    tax_invoices.issue(requested, actor="admin:test")
    response = api_client.post(f"/b2b/tax-invoices/{requested.public_id}/resend-request")
    assert response.status_code == 400
    assert response.json()["type"] == "B2B_TAX_INVOICE_NOT_REQUESTED_STATUS"
    assert not TaxInvoiceEvent.objects.filter(invoice=requested, action="RESEND_REQUEST").exists()
    missing = api_client.post("/b2b/tax-invoices/nope/resend-request")
    assert missing.status_code == 404
    assert missing.json()["type"] == "B2B_TAX_INVOICE_NOT_FOUND"
    by_key = api_client.post("/b2b/tax-invoices/k-1/resend-request?taxInvoiceKeyType=SUPPLIER")
    assert by_key.status_code == 400  # brn is needed with a document key


def _payout(partner, amount: int, status: str, day: date) -> Payout:
    at = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 10))
    bulk = BulkPayout.objects.create(
        name=f"{day:%m}월 정산",
        status="COMPLETED",
        status_updated_at=at,
        method=PayoutMethod.DIRECT,
    )
    return Payout.objects.create(
        bulk_payout=bulk,
        partner=partner,
        method=PayoutMethod.DIRECT,
        status=status,
        status_updated_at=at,
        amount=amount,
        supply_amount=amount,
        settlement_amount=amount,
        partner_name=partner.name,
        partner_type=partner.partner_type,
        account_bank=partner.bank,
        account_number=partner.account_number,
        account_holder=partner.account_holder,
    )


def test_the_page_lists_the_partners_payouts_statements_and_invoices(
    client, own_company, connected_partner, requested, emailed_link
):
    paid = _payout(connected_partner, 1_234_000, "SUCCEEDED", date(2026, 2, 10))
    waiting = _payout(connected_partner, 55_000, "PREPARED", date(2026, 3, 10))
    other = make_requested_invoice(own_company, connected_partner, supply=20_000)
    response = open_page(client, emailed_link)
    body = response.content.decode()
    assert f'data-payout-id="{paid.public_id}"' in body and "1,234,000원" in body
    assert f'data-payout-id="{waiting.public_id}"' in body and "55,000원" in body
    assert f'data-invoice-id="{other.public_id}"' in body and "22,000원" in body
    urls = re.findall(r'href="(/tax-invoices/r/[^"]+/statements/[^"]+/)"', body)
    assert len(urls) == 1  # only the succeeded payout has a statement

    pdf = client.get(urls[0])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert paid.public_id in pdf["Content-Disposition"]
    # a statement reference made up for another payout is refused
    token = emailed_link.split("/")[-2]
    forged = links.statement_token(requested, waiting.pk)
    assert client.get(f"/tax-invoices/r/{token}/statements/{forged}/").status_code == 410
    assert client.get(f"/tax-invoices/r/{token}/statements/garbage/").status_code == 410
    # the statement URL alone (copied, forwarded, from a history) needs the number too
    stranger = Client()
    refused = stranger.get(urls[0])
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("text/html")
    assert paid.public_id not in refused.content.decode()
