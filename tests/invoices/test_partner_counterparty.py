"""A partner connected to the NTS through the partner API becomes a partner-linked counterparty
(id = the partner's id); its connection changes are told by the Partner.Counterparty* webhooks;
its disconnection is refused while an invoice with it is ongoing."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from portone_server_sdk import errors

from core.models import BulkTask
from core.outbound import events
from core.outbound import services as outbound
from core.outbound.models import WebhookMessage
from invoices.domain.statuses import Status
from invoices.models import Counterparty, TaxInvoice
from partners.models import Partner
from partners.services.counterparty import run_counterparty_task
from tests.factories import make_contract, make_partner
from tests.invoices.conftest import OWN_BRN

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = [
    events.PARTNER_COUNTERPARTY_CONNECTED,
    events.PARTNER_COUNTERPARTY_CONNECT_FAILED,
    events.PARTNER_COUNTERPARTY_DISCONNECTED,
]


@pytest.fixture
def partners(db):
    make_contract("c")
    make_partner(
        "biz",
        contract_id="c",
        company_name="주식회사 연동",
        representative_name="한대표",
        business_registration_number="1208147521",
        company_address="서울특별시 중구 1",
        business_type="서비스",
        business_class="플랫폼",
        contact_name="연동담당",
        contact_email="biz@partner.test",
    )
    make_partner("closed", contract_id="c", business_registration_number="1209800015")


@pytest.fixture
def endpoint(db):
    return outbound.endpoint_create(
        url="http://127.0.0.1:9/hook", is_for_test=False, event_types=EVENTS
    )


def run_all_tasks():
    for task in BulkTask.objects.filter(status="PREPARED"):
        run_counterparty_task(task.pk)


def bodies() -> list[dict]:
    return [
        json.loads(p)
        for p in WebhookMessage.objects.order_by("pk").values_list("payload", flat=True)
    ]


def test_connect_makes_a_linked_counterparty_and_tells_it(portone, b2b, partners, endpoint):
    portone.platform.partner.connect_partner_counterparty(id="biz")
    run_all_tasks()
    cp = Counterparty.objects.get(public_id="biz")
    assert cp.partner.public_id == "biz"
    assert cp.nts_connection_status == "CONNECTED"
    assert cp.nts_connected_at is not None
    assert (cp.brn, cp.company_name, cp.representative_name) == (
        "1208147521",
        "주식회사 연동",
        "한대표",
    )
    assert (cp.contact_name, cp.contact_email, cp.address) == (
        "연동담당",
        "biz@partner.test",
        "서울특별시 중구 1",
    )
    got = b2b.counterparty.get_b2b_counterparty(counterparty_id="biz")
    assert (got.partner_id, got.nts_connection_status, got.business_class) == (
        "biz",
        "CONNECTED",
        "플랫폼",
    )
    assert bodies() == [
        {
            "type": events.PARTNER_COUNTERPARTY_CONNECTED,
            "timestamp": bodies()[0]["timestamp"],
            "data": {
                "partnerId": "biz",
                "memberCompanyConnectionStatus": "CONNECTED",
                "counterpartyId": "biz",
            },
        }
    ]

    WebhookMessage.objects.all().delete()
    portone.platform.partner.disconnect_partner_counterparty(id="biz")
    assert Counterparty.objects.get(public_id="biz").nts_connection_status == ("PENDING_DISCONNECT")
    run_all_tasks()
    cp.refresh_from_db()
    assert cp.nts_connection_status == "NOT_CONNECTED"
    assert cp.deleted_at is None  # its invoices keep it
    assert [(b["type"], b["data"]) for b in bodies()] == [
        (
            events.PARTNER_COUNTERPARTY_DISCONNECTED,
            {
                "partnerId": "biz",
                "memberCompanyConnectionStatus": "NOT_CONNECTED",
                "counterpartyId": "biz",
            },
        )
    ]

    # connected again: the same counterparty, connected again
    portone.platform.partner.connect_partner_counterparty(id="biz")
    run_all_tasks()
    assert Counterparty.objects.filter(public_id="biz").count() == 1
    assert Counterparty.objects.get(public_id="biz").nts_connection_status == "CONNECTED"


def test_a_failed_connection_is_told_without_a_counterparty(portone, partners, endpoint):
    portone.platform.partner.connect_partner_counterparty(id="closed")
    run_all_tasks()
    assert not Counterparty.objects.filter(public_id="closed").exists()
    assert [(b["type"], b["data"]) for b in bodies()] == [
        (
            events.PARTNER_COUNTERPARTY_CONNECT_FAILED,
            {"partnerId": "closed", "memberCompanyConnectionStatus": "CONNECT_FAILED"},
        )
    ]


def test_an_id_taken_by_another_counterparty_fails_the_connection(portone, b2b, partners):
    from portone_server_sdk.b2b.counterparty import B2bCounterpartyContactInput as Contact
    from portone_server_sdk.b2b.counterparty import B2bCounterpartyInput

    b2b.counterparty.create_b2b_counterparty(
        counterparty_id="biz",
        counterparty=B2bCounterpartyInput(
            brn="2148812345",
            name="남",
            representative_name="남",
            contact=Contact(name="n", email="n@x.test"),
        ),
    )
    portone.platform.partner.connect_partner_counterparty(id="biz")
    run_all_tasks()
    partner = Partner.objects.get(public_id="biz")
    assert partner.member_company_connection_status == "CONNECT_FAILED"
    assert "다른 거래처" in partner.member_company_connection_failed_reason
    assert Counterparty.objects.get(public_id="biz").partner is None


def test_disconnection_is_refused_with_an_ongoing_invoice(portone, partners):
    portone.platform.partner.connect_partner_counterparty(id="biz")
    run_all_tasks()
    cp = Counterparty.objects.get(public_id="biz")
    now = timezone.now()
    invoice = TaxInvoice.objects.create(
        status=Status.ISSUED,
        status_updated_at=now,
        issuance_type="REVERSE",
        taxation_type="TAXABLE",
        purpose_type="RECEIPT",
        write_date=now.date(),
        issuance_due_date=now.date(),
        total_supply_amount=100_000,
        total_tax_amount=10_000,
        total_amount=110_000,
        supplier={"brn": cp.brn},
        recipient={"brn": OWN_BRN},
        supplier_brn=cp.brn,
        supplier_name=cp.company_name,
        supplier_representative_name=cp.representative_name,
        supplier_counterparty=cp,
        recipient_brn=OWN_BRN,
        recipient_name="주식회사 플랫폼",
        recipient_representative_name="김대표",
    )
    with pytest.raises(errors.PlatformOngoingTaxInvoiceExistsError):
        portone.platform.partner.disconnect_partner_counterparty(id="biz")
    assert Partner.objects.get(public_id="biz").member_company_connection_status == "CONNECTED"
    TaxInvoice.objects.filter(pk=invoice.pk).update(status=Status.SENDING_COMPLETED)
    left = portone.platform.partner.disconnect_partner_counterparty(id="biz").partner
    assert left.type.member_company_connection_status == "DISCONNECT_PENDING"


def test_a_partner_edit_reaches_its_counterparty_copy(connected_partner):
    """Invoices are drafted from the counterparty's copy of the partner: an edit of the partner
    (API, admin, a promoted schedule) updates it in the same transaction."""
    from partners.services.partners import PartnerChange, partner_update

    partner_update(
        public_id=connected_partner.public_id,
        is_for_test=False,
        change=PartnerChange(terms={"company_name": "주식회사 새이름", "contact_name": "새담당"}),
    )
    cp = Counterparty.objects.get(partner=connected_partner)
    assert (cp.company_name, cp.contact_name) == ("주식회사 새이름", "새담당")
    assert cp.brn == connected_partner.business_registration_number
