"""Transmission to the NTS (docs/invoices.md#transmission): an issued invoice is due the next
business day at NTS_SEND_HOUR KST (a Friday's on Monday, past holidays and the platform's closed
days); the schedule hands over only due invoices; the sandbox walks ISSUED → BEFORE_SENDING →
WAITING_SENDING → SENDING → SENDING_COMPLETED one step per NTS_SANDBOX_STEP_SECONDS, each step a
history row, mirrored on the payout, told by webhook (TaxInvoice.SendingCompleted signed so the
SDK verifies it); the rehearsal inputs end in SENDING_FAILED with NTS-style codes; an outage is
retried later and answers send-to-nts with 502; send-to-nts through the SDK against the live
server; the export provider writes the standard XML and walks at once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.utils import timezone
from lxml import etree
from portone_server_sdk import errors
from portone_server_sdk import webhook as sdk_webhook

from core.outbound import events
from core.outbound import services as outbound
from core.outbound.models import WebhookMessage
from invoices.api.outputs import tax_invoice_json
from invoices.domain import nts_xml
from invoices.domain.statuses import Action, Status
from invoices.models import TaxInvoice, TaxInvoiceEvent, new_public_id
from invoices.services import transitions, transmission
from payouts.models import BulkPayout, Payout, PayoutMethod
from settlements.models.calendar import ClosedDay
from tests.invoices.conftest import OWN_BRN, PARTNER_BRN

KST = nts_xml.KST
XSD = Path(__file__).resolve().parents[2] / "invoices" / "schemas" / "nts_taxinvoice.xsd"


@pytest.fixture(autouse=True)
def _sandbox(settings, tmp_path):
    settings.NTS_PROVIDER = "sandbox"
    settings.NTS_SANDBOX_STEP_SECONDS = 2
    settings.NTS_SEND_HOUR = 15
    settings.NTS_EXPORT_DIR = str(tmp_path / "nts-export")
    settings.OUTBOUND_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=KST)


def make_issued(
    own_company,
    partner,
    *,
    issued_at: datetime | None = None,
    supply: int = 1_000_000,
    supplier_brn: str = PARTNER_BRN,
    recipient_brn: str = OWN_BRN,
    payout: Payout | None = None,
    is_for_test: bool = False,
    **extra,
) -> TaxInvoice:
    """A REVERSE invoice from the partner to us, drafted and issued with transitions.apply (the
    approval number and due time as the issue service sets them)."""
    issued_at = issued_at or timezone.now()
    counterparty = partner.counterparty
    tax = supply // 10
    invoice = TaxInvoice(
        status=None,
        status_updated_at=issued_at,
        is_for_test=is_for_test,
        issuance_type="REVERSE",
        taxation_type="TAXABLE",
        purpose_type="RECEIPT",
        write_date=issued_at.astimezone(KST).date(),
        issuance_due_date=issued_at.astimezone(KST).date() + timedelta(days=10),
        total_supply_amount=supply,
        total_tax_amount=tax,
        total_amount=supply + tax,
        items=[{"name": "판매 수수료", "supplyCostAmount": supply, "taxAmount": tax}],
        supplier={
            "brn": supplier_brn,
            "name": counterparty.company_name,
            "representativeName": counterparty.representative_name,
            "contact": {"email": counterparty.contact_email, "name": counterparty.contact_name},
        },
        recipient={
            "brn": recipient_brn,
            "name": own_company.company_name,
            "representativeName": own_company.representative_name,
            "contact": {"email": own_company.contact_email},
        },
        supplier_brn=supplier_brn,
        supplier_name=counterparty.company_name,
        supplier_representative_name=counterparty.representative_name,
        supplier_counterparty=counterparty,
        recipient_brn=recipient_brn,
        recipient_name=own_company.company_name,
        recipient_representative_name=own_company.representative_name,
        recipient_document_key=f"doc-{new_public_id()}",
        payout=payout,
        **extra,
    )
    transitions.apply(invoice, Action.DRAFT, actor="api:test", at=issued_at)
    transitions.link_payout(invoice)  # as an invoice made from a payout is
    approval = issued_at.astimezone(KST).strftime("%Y%m%d") + "41000000" + new_public_id()[-8:]
    transitions.apply(
        invoice,
        Action.ISSUE,
        actor="partner:" + supplier_brn,
        at=issued_at,
        changes={
            "nts_approval_number": approval.lower(),
            "nts_due_at": transmission.nts_due_at(issued_at),
        },
    )
    return invoice


def history(invoice) -> list[tuple[str, str, str]]:
    return list(
        TaxInvoiceEvent.objects.filter(invoice=invoice)
        .order_by("at", "id")
        .values_list("action", "from_status", "to_status")
    )


def walk(start: datetime, steps: int = 3) -> list[int]:
    """advance() at each sandbox step after `start` (2 s apart)."""
    return [transmission.advance(start + timedelta(seconds=2 * n)) for n in range(1, steps + 1)]


def make_payout(partner, amount: int = 1_100_000) -> Payout:
    at = timezone.now()
    bulk = BulkPayout.objects.create(
        name="3월 정산", status="COMPLETED", status_updated_at=at, method=PayoutMethod.DIRECT
    )
    return Payout.objects.create(
        bulk_payout=bulk,
        partner=partner,
        method=PayoutMethod.DIRECT,
        status="PREPARED",
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


# --- when ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("issued", "due"),
    [
        (kst(2026, 3, 10, 10, 0), kst(2026, 3, 11, 15, 0)),  # Tuesday → Wednesday
        (kst(2026, 3, 6, 18, 30), kst(2026, 3, 9, 15, 0)),  # Friday → Monday
        (kst(2026, 3, 5, 23, 30), kst(2026, 3, 6, 15, 0)),  # the KST day counts, not UTC's
        (kst(2026, 9, 23, 9, 0), kst(2026, 9, 28, 15, 0)),  # Chuseok Thu–Sat → Monday
        (kst(2026, 2, 27, 11, 0), kst(2026, 3, 3, 15, 0)),  # Friday, then 3·1절 대체공휴일
        (kst(2026, 2, 13, 11, 0), kst(2026, 2, 19, 15, 0)),  # Friday, then 설날 Mon–Wed
    ],
)
def test_the_due_time_is_the_next_business_day_at_the_send_hour(issued, due):
    assert transmission.nts_due_at(issued.astimezone(UTC)) == due


@pytest.mark.django_db
def test_a_closed_day_of_the_platform_moves_the_due_time_too(settings):
    ClosedDay.objects.create(date=date(2026, 3, 11), name="창립기념일")
    settings.NTS_SEND_HOUR = 16
    assert transmission.nts_due_at(kst(2026, 3, 10, 10, 0)) == kst(2026, 3, 12, 16, 0)


@pytest.mark.django_db
def test_the_schedule_hands_over_only_due_invoices(own_company, connected_partner):
    friday = make_issued(own_company, connected_partner, issued_at=kst(2026, 3, 6, 11, 0))
    monday = make_issued(own_company, connected_partner, issued_at=kst(2026, 3, 9, 11, 0))
    cancelled = make_issued(own_company, connected_partner, issued_at=kst(2026, 3, 6, 12, 0))
    transitions.apply(cancelled, Action.CANCEL_ISSUANCE, actor="api:test")
    deleted = make_issued(own_company, connected_partner, issued_at=kst(2026, 3, 6, 12, 0))
    TaxInvoice.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    assert friday.nts_due_at == kst(2026, 3, 9, 15, 0)
    assert monday.nts_due_at == kst(2026, 3, 10, 15, 0)

    assert transmission.transmit_due(kst(2026, 3, 7, 15, 0)) == 0  # Saturday: nothing due
    assert transmission.transmit_due(kst(2026, 3, 9, 14, 59)) == 0
    assert transmission.transmit_due(kst(2026, 3, 9, 15, 0)) == 1
    statuses = dict(TaxInvoice.objects.values_list("pk", "status"))
    assert statuses == {
        friday.pk: Status.BEFORE_SENDING,
        monday.pk: Status.ISSUED,
        cancelled.pk: Status.ISSUANCE_CANCELLED,
        deleted.pk: Status.ISSUED,
    }
    assert transmission.transmit_due(kst(2026, 3, 9, 15, 1)) == 0  # once only
    assert transmission.transmit_due(kst(2026, 3, 10, 15, 0)) == 1


@pytest.mark.django_db
def test_an_issued_invoice_without_a_due_time_gets_one(own_company, connected_partner):
    invoice = make_issued(own_company, connected_partner, issued_at=kst(2026, 3, 6, 11, 0))
    TaxInvoice.objects.filter(pk=invoice.pk).update(nts_due_at=None)
    assert transmission.transmit_due(kst(2026, 3, 8, 15, 0)) == 0
    invoice.refresh_from_db()
    assert invoice.nts_due_at == kst(2026, 3, 9, 15, 0)
    assert transmission.transmit_due(kst(2026, 3, 9, 15, 0)) == 1


# --- the walk --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sandbox_walks_to_sending_completed_one_step_at_a_time(own_company, connected_partner):
    payout = make_payout(connected_partner)
    invoice = make_issued(
        own_company, connected_partner, issued_at=kst(2026, 3, 10, 10, 0), payout=payout
    )
    due = invoice.nts_due_at
    assert transmission.transmit_due(due) == 1
    invoice.refresh_from_db()
    assert invoice.status == Status.BEFORE_SENDING
    assert invoice.nts_next_step_at == due + timedelta(seconds=2)
    assert invoice.nts_sent_at is None

    assert transmission.advance(due + timedelta(seconds=1)) == 0  # not yet
    seen = []
    for n in (1, 2, 3):
        assert transmission.advance(due + timedelta(seconds=2 * n)) == 1
        invoice.refresh_from_db()
        payout.refresh_from_db()
        seen.append((invoice.status, payout.tax_invoice_status))
    assert seen == [
        (Status.WAITING_SENDING, Status.WAITING_SENDING),
        (Status.SENDING, Status.SENDING),
        (Status.SENDING_COMPLETED, Status.SENDING_COMPLETED),
    ]
    assert invoice.nts_sent_at == due + timedelta(seconds=2)
    assert invoice.nts_result_code == "SUC001"
    assert invoice.nts_result == "국세청 전송이 완료되었습니다."
    assert invoice.nts_result_received_at == due + timedelta(seconds=6)
    assert invoice.status_updated_at == due + timedelta(seconds=6)
    assert invoice.nts_next_step_at is None
    assert transmission.advance(due + timedelta(seconds=60)) == 0  # done

    assert history(invoice) == [
        (Action.DRAFT, "", Status.DRAFTED),
        (Action.ISSUE, Status.DRAFTED, Status.ISSUED),
        (Action.SEND_TO_NTS, Status.ISSUED, Status.BEFORE_SENDING),
        (Action.NTS_PROGRESS, Status.BEFORE_SENDING, Status.WAITING_SENDING),
        (Action.NTS_PROGRESS, Status.WAITING_SENDING, Status.SENDING),
        (Action.NTS_PROGRESS, Status.SENDING, Status.SENDING_COMPLETED),
    ]
    steps = TaxInvoiceEvent.objects.filter(invoice=invoice, action=Action.NTS_PROGRESS)
    assert {e.actor for e in steps} == {"system"}
    assert [e.at for e in steps] == [due + timedelta(seconds=2 * n) for n in (1, 2, 3)]
    assert steps.last().details == {"provider": "sandbox", "ntsResultCode": "SUC001"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "code", "text"),
    [
        ({"recipient_brn": "2149712345"}, "SVR001", "공급받는자 사업자등록번호"),
        ({"supplier_brn": "2149612345"}, "CRT003", "인증서"),
        ({"supply": 1_000_999}, "AMT002", "공급가액 합계"),
    ],
)
def test_rehearsal_inputs_end_in_sending_failed_with_their_code(
    own_company, connected_partner, overrides, code, text
):
    invoice = make_issued(
        own_company, connected_partner, issued_at=kst(2026, 3, 10, 10, 0), **overrides
    )
    due = invoice.nts_due_at
    assert transmission.transmit_due(due) == 1
    assert walk(due) == [1, 1, 1]
    invoice.refresh_from_db()
    assert invoice.status == Status.SENDING_FAILED
    assert invoice.nts_result_code == code
    assert len(invoice.nts_result_code) == 6 and invoice.nts_result_code[:3].isalpha()
    assert text in invoice.nts_result
    assert invoice.nts_result_received_at == due + timedelta(seconds=6)
    last = TaxInvoiceEvent.objects.filter(invoice=invoice).last()
    assert (last.action, last.from_status, last.to_status) == (
        Action.NTS_PROGRESS,
        Status.SENDING,
        Status.SENDING_FAILED,
    )
    assert last.memo == invoice.nts_result
    # a failed invoice may be deleted (and made again)
    transitions.apply(invoice, Action.DELETE, actor="api:test")


@pytest.mark.django_db
def test_an_outage_leaves_the_invoice_issued_and_tries_again_later(own_company, connected_partner):
    invoice = make_issued(
        own_company, connected_partner, issued_at=kst(2026, 3, 10, 10, 0), supplier_brn="9991234567"
    )
    fine = make_issued(own_company, connected_partner, issued_at=kst(2026, 3, 10, 10, 0))
    due = invoice.nts_due_at
    assert transmission.transmit_due(due) == 1  # the other one went
    invoice.refresh_from_db()
    assert invoice.status == Status.ISSUED
    assert invoice.nts_next_step_at == due + timedelta(seconds=transmission.RETRY_SECONDS)
    assert history(invoice)[-1] == (Action.ISSUE, Status.DRAFTED, Status.ISSUED)
    assert transmission.transmit_due(due + timedelta(seconds=30)) == 0  # waits for the retry
    fine.refresh_from_db()
    assert fine.status == Status.BEFORE_SENDING


@pytest.mark.django_db
def test_webhook_subscribers_get_a_signed_sending_completed(own_company, connected_partner):
    receiver = Receiver()
    try:
        endpoint = outbound.endpoint_create(
            url=receiver.url,
            is_for_test=False,
            event_types=[events.TAX_INVOICE_SENDING_COMPLETED],
        )
        everything = outbound.endpoint_create(url=receiver.url + "/all", is_for_test=False)
        invoice = make_issued(own_company, connected_partner, issued_at=kst(2026, 3, 10, 10, 0))
        WebhookMessage.objects.all().delete()
        transmission.transmit_due(invoice.nts_due_at)
        walk(invoice.nts_due_at)
        by_endpoint = {
            e.pk: list(
                WebhookMessage.objects.filter(endpoint=e)
                .order_by("pk")
                .values_list("event_type", flat=True)
            )
            for e in (endpoint, everything)
        }
        assert by_endpoint[endpoint.pk] == [events.TAX_INVOICE_SENDING_COMPLETED]
        assert by_endpoint[everything.pk] == [
            events.TAX_INVOICE_STATUS_CHANGED,  # BEFORE_SENDING
            events.TAX_INVOICE_STATUS_CHANGED,  # WAITING_SENDING
            events.TAX_INVOICE_STATUS_CHANGED,  # SENDING
            events.TAX_INVOICE_SENDING_COMPLETED,
        ]
        WebhookMessage.objects.filter(endpoint=everything).delete()
        assert outbound.deliver_due() == 1
        headers, body = receiver.received[0]
        got = sdk_webhook.verify(endpoint.secret, body.decode(), headers)
        as_dict = got if isinstance(got, dict) else None
        assert as_dict is not None and as_dict["type"] == "TaxInvoice.SendingCompleted"
        assert as_dict["data"] == {
            "taxInvoiceId": invoice.public_id,
            "status": "SENDING_COMPLETED",
            "supplierBrn": PARTNER_BRN,
            "recipientDocumentKey": invoice.recipient_document_key,
            "totalAmount": 1_100_000,
            "totalSupplyAmount": 1_000_000,
            "totalTaxAmount": 100_000,
        }
        with pytest.raises(sdk_webhook.WebhookVerificationError):
            sdk_webhook.verify(endpoint.secret, body.decode().replace("1100000", "1"), headers)
    finally:
        receiver.close()


@pytest.mark.django_db
def test_the_export_provider_writes_the_standard_xml_and_walks_at_once(
    settings, own_company, connected_partner
):
    settings.NTS_PROVIDER = "export"
    invoice = make_issued(
        own_company,
        connected_partner,
        issued_at=kst(2026, 3, 10, 10, 0),
        remarks=["3월분"],
        cash_amount=1_100_000,
    )
    due = invoice.nts_due_at
    assert transmission.transmit_due(due) == 1
    assert transmission.advance(due) == 3
    invoice.refresh_from_db()
    assert invoice.status == Status.SENDING_COMPLETED
    assert invoice.nts_result == f"표준 XML로 내보냈습니다: {invoice.nts_approval_number}.xml"
    path = Path(settings.NTS_EXPORT_DIR) / f"{invoice.nts_approval_number}.xml"
    root = etree.parse(str(path)).getroot()
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(root)
    ns = {"t": nts_xml.NAMESPACE}
    assert root.findtext("t:TaxInvoiceDocument/t:IssueID", namespaces=ns) == (
        invoice.nts_approval_number
    )
    assert root.findtext("t:TaxInvoiceDocument/t:DescriptionText", namespaces=ns) == "3월분"
    party = "t:TaxInvoiceTradeSettlement/t:InvoicerParty/t:ID"
    assert root.findtext(party, namespaces=ns) == PARTNER_BRN
    assert [e.to_status for e in TaxInvoiceEvent.objects.filter(invoice=invoice).order_by("id")][
        -4:
    ] == [
        Status.BEFORE_SENDING,
        Status.WAITING_SENDING,
        Status.SENDING,
        Status.SENDING_COMPLETED,
    ]


@pytest.mark.django_db
def test_follow_walks_in_real_time_within_seconds(settings, own_company, connected_partner):
    settings.NTS_SANDBOX_STEP_SECONDS = 0.2
    invoice = make_issued(own_company, connected_partner)
    started = timezone.now()
    transmission.send_to_nts(invoice, actor="api:test")
    assert transmission.follow() == 3
    invoice.refresh_from_db()
    assert invoice.status == Status.SENDING_COMPLETED
    assert (timezone.now() - started).total_seconds() < 3


# --- send-to-nts through the SDK ---------------------------------------------------------------


@pytest.mark.django_db
def test_send_to_nts_through_the_sdk(b2b, own_company, connected_partner):
    invoice = make_issued(own_company, connected_partner)
    before = timezone.now()
    answer = b2b.tax_invoice.send_to_nts_b2b_tax_invoice(tax_invoice_key=invoice.public_id)
    assert answer.tax_invoice.id == invoice.public_id
    assert answer.tax_invoice.status == "BEFORE_SENDING"
    assert answer.tax_invoice.nts_approval_number == invoice.nts_approval_number
    invoice.refresh_from_db()
    assert invoice.status == Status.BEFORE_SENDING
    last = TaxInvoiceEvent.objects.filter(invoice=invoice).last()
    assert (last.action, last.actor) == (Action.SEND_TO_NTS, "api:test integrator")
    assert invoice.nts_next_step_at >= before + timedelta(seconds=2)

    # again while under way: the next step is due at once
    again = b2b.tax_invoice.send_to_nts_b2b_tax_invoice(
        tax_invoice_key=invoice.recipient_document_key,
        tax_invoice_key_type="RECIPIENT",
        brn=OWN_BRN,
    )
    assert again.tax_invoice.status == "BEFORE_SENDING"
    invoice.refresh_from_db()
    assert invoice.nts_next_step_at <= timezone.now()
    assert transmission.advance() == 1
    invoice.refresh_from_db()
    assert invoice.status == Status.WAITING_SENDING
    now = timezone.now()
    assert walk(now, steps=2) == [1, 1]
    invoice.refresh_from_db()
    shown = tax_invoice_json(invoice)  # what the reads answer (invoices.api.outputs)
    assert shown["status"] == "SENDING_COMPLETED"
    assert shown["ntsResultCode"] == "SUC001"
    assert shown["ntsResult"] == "국세청 전송이 완료되었습니다."
    assert shown["ntsSentAt"] and shown["ntsResultReceivedAt"]

    # completed: no longer sendable
    with pytest.raises(errors.B2bTaxInvoiceNotIssuedStatusError) as refused:
        b2b.tax_invoice.send_to_nts_b2b_tax_invoice(tax_invoice_key=invoice.public_id)
    assert "SENDING_COMPLETED" in refused.value.message
    assert history(invoice)[-1] == (
        Action.NTS_PROGRESS,
        Status.SENDING,
        Status.SENDING_COMPLETED,
    )


@pytest.mark.django_db
def test_send_to_nts_errors_through_the_sdk(b2b, own_company, connected_partner):
    with pytest.raises(errors.B2bTaxInvoiceNotFoundError):
        b2b.tax_invoice.send_to_nts_b2b_tax_invoice(tax_invoice_key="no-such-invoice")

    live = make_issued(own_company, connected_partner)
    with pytest.raises(errors.B2bTaxInvoiceNotFoundError):  # another mode
        b2b.tax_invoice.send_to_nts_b2b_tax_invoice(tax_invoice_key=live.public_id, test=True)

    down = make_issued(own_company, connected_partner, supplier_brn="9991234567")
    rows = TaxInvoiceEvent.objects.count()
    with pytest.raises(errors.B2bExternalServiceError) as outage:
        b2b.tax_invoice.send_to_nts_b2b_tax_invoice(tax_invoice_key=down.public_id)
    assert "점검" in outage.value.message
    down.refresh_from_db()
    assert down.status == Status.ISSUED and TaxInvoiceEvent.objects.count() == rows

    cancelled = make_issued(own_company, connected_partner)
    transitions.apply(cancelled, Action.CANCEL_ISSUANCE, actor="api:test")
    with pytest.raises(errors.B2bTaxInvoiceNotIssuedStatusError):
        b2b.tax_invoice.send_to_nts_b2b_tax_invoice(tax_invoice_key=cancelled.public_id)

    with pytest.raises(errors.InvalidRequestError):  # a document key needs the brn
        b2b.tax_invoice.send_to_nts_b2b_tax_invoice(
            tax_invoice_key="doc-1", tax_invoice_key_type="SUPPLIER"
        )

    testing = make_issued(own_company, connected_partner, is_for_test=True)
    answer = b2b.tax_invoice.send_to_nts_b2b_tax_invoice(
        tax_invoice_key=testing.public_id, test=True
    )
    assert answer.tax_invoice.status == "BEFORE_SENDING"


# --- a webhook receiver ---------------------------------------------------------------------


class Receiver:
    """A real HTTP server in a thread that records what it gets and answers 200."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                outer.received.append(
                    ({k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                )
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
