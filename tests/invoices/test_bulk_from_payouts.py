"""Bulk reverse issuance from payouts (invoices.services.bulk): real payouts built the way
tests/payouts builds them (settlements gathered, a bulk payout created), requested through our
`POST /b2b/bulk-tax-invoices`, read back through the SDK (get_b2b_bulk_tax_invoice,
get_b2b_tax_invoice, get_platform_payouts)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone
from portone_server_sdk.platform.payout import (
    PlatformPayoutFilterInput,
    PlatformPayoutFilterInputCriteria,
)

from core.outbound import events
from core.outbound.models import WebhookMessage
from core.outbound.services import endpoint_create
from invoices.domain import documents
from invoices.domain.statuses import NtsConnectionStatus
from invoices.models import BulkTaxInvoice, Counterparty, Notification, TaxInvoice, TaxInvoiceEvent
from invoices.services import bulk, notifications
from partners.domain.brn import check_digit
from payouts.models import Payout
from payouts.services import bulk_payouts as bp
from payouts.services.bulk_payouts import Actor
from payouts.services.selection import Selection
from settlements.models import PartnerSettlement
from settlements.services.gather import partner_settlements_gather
from tests.factories import make_contract, make_partner, make_transfer

ALICE = Actor("user:1", "alice")


def brn(n: int) -> str:
    first = f"{220 + n:03d}88{n:04d}"
    return first + str(check_digit(first))


#: name -> (amount, partner type, taxation type, connected counterparty?)
WORLD = {
    "일반과세": (1_000_000, "BUSINESS", "NORMAL", True),
    "간이발행": (550_000, "BUSINESS", "SIMPLE_TAX_INVOICE_ISSUER", True),
    "간이": (300_000, "BUSINESS", "SIMPLE", True),
    "면세": (200_000, "BUSINESS", "TAX_FREE", True),
    "프리랜서": (100_000, "WHT_PAYER", None, False),
    "미연동": (400_000, "BUSINESS", "NORMAL", False),
}


@pytest.fixture
def world(db, own_company):
    """A bulk payout (test mode) of one payout per partner of WORLD."""
    contract = make_contract("contract-bulk-invoices", is_for_test=True)
    partners = {}
    for i, (name, (amount, kind, taxation, connected)) in enumerate(WORLD.items()):
        extra = {"birthdate": "1990-01-01"} if kind == "WHT_PAYER" else {}
        if kind == "BUSINESS":
            extra.update(business_registration_number=brn(i), taxation_type=taxation)
        partner = make_partner(
            f"p-{i}",
            contract_id=contract.public_id,
            is_for_test=True,
            partner_type=kind,
            name=name,
            contact_email=f"p{i}@partner.test",
            **extra,
        )
        partners[name] = partner
        if connected:
            Counterparty.objects.create(
                public_id=partner.public_id,
                is_for_test=True,
                brn=brn(i),
                company_name=f"{name} 상사",
                representative_name=f"대표{i}",
                contact_name=f"담당{i}",
                contact_email=f"p{i}@partner.test",
                partner=partner,
                nts_connection_status=NtsConnectionStatus.CONNECTED,
                nts_connected_at=timezone.now(),
            )
        make_transfer(
            partner,
            type="ORDER",
            settlement_date=date(2026, 3, 10),
            amounts={"settlement": amount, "settlementTaxFree": 0},
        )
    partner_settlements_gather()
    ids = list(
        PartnerSettlement.objects.filter(partner__in=partners.values()).values_list(
            "public_id", flat=True
        )
    )
    payout_bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(ids, is_for_test=True), name="3월 정산", actor=ALICE
    )
    return payout_bulk


def payout_of(payout_bulk, name) -> Payout:
    return payout_bulk.payouts.get(partner_name=name)


def post(api_client, body, **headers):
    return api_client.post("/b2b/bulk-tax-invoices?test=true", body, format="json", **headers)


def test_one_request_per_vat_business_partner_read_through_the_sdk(api_client, b2b, portone, world):
    endpoint_create(url="https://hooks.example/x", is_for_test=True)
    response = post(api_client, {"bulkPayoutId": world.public_id, "name": "3월 세금계산서"})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["skippedPayouts"] == {
        "NOT_TAX_INVOICE_ISSUER": 2,
        "NOT_BUSINESS": 1,
        "NOT_CONNECTED": 1,
    }
    bulk_id = answer["bulkTaxInvoice"]["id"]
    normal, simple = payout_of(world, "일반과세"), payout_of(world, "간이발행")
    assert (normal.supply_amount, normal.vat_amount) == (909_091, 90_909)
    assert (simple.supply_amount, simple.vat_amount) == (500_000, 50_000)

    got = b2b.tax_invoice.get_b2b_bulk_tax_invoice(bulk_tax_invoice_id=bulk_id, test=True)
    assert (got.status, got.source_type, got.issuance_type) == ("COMPLETED", "PLATFORM", "REVERSE")
    assert got.name == "3월 세금계산서"
    assert got.total_invoice_count == 2
    assert got.total_amount == 1_000_000 + 550_000
    stats = {k: (v.count, v.amount_sum) for k, v in got.stats.additional_properties.items()}
    assert stats == {"REQUESTED": (2, 1_550_000)}

    payouts = portone.platform.payout.get_platform_payouts(
        test=True,
        filter=PlatformPayoutFilterInput(
            criteria=PlatformPayoutFilterInputCriteria(bulk_payout_id=world.public_id)
        ),
    )
    by_name = {p.partner.name: p for p in payouts.items}
    for name, payout in ((n, payout_of(world, n)) for n in ("일반과세", "간이발행")):
        seen = by_name[name]
        assert seen.tax_invoice_status == "REQUESTED"
        invoice = b2b.tax_invoice.get_b2b_tax_invoice(
            tax_invoice_key=seen.tax_invoice_id, test=True
        )
        assert invoice.status == "REQUESTED"
        assert (invoice.issuance_type, invoice.taxation_type) == ("REVERSE", "TAXABLE")
        assert invoice.purpose_type == "INVOICE"  # not paid yet: 청구
        assert invoice.total_supply_amount == payout.supply_amount
        assert invoice.total_tax_amount == payout.vat_amount
        assert invoice.total_amount == payout.supply_amount + payout.vat_amount
        assert invoice.write_date == documents.kst_date(timezone.now()).isoformat()
        assert [(i.supply_cost_amount, i.tax_amount) for i in invoice.items] == [
            (payout.supply_amount, payout.vat_amount)
        ]
        assert invoice.bulk_tax_invoice_id == bulk_id
        assert invoice.recipient.brn == "1208800767"  # our own company
        assert invoice.supplier.counterparty_id == payout.partner.public_id
        assert invoice.supplier.contact.email == payout.partner.contact_email
    for name in ("간이", "면세", "프리랜서", "미연동"):
        assert by_name[name].tax_invoice_status == "NONE"
        assert by_name[name].tax_invoice_id is None

    invoices = TaxInvoice.objects.filter(bulk__public_id=bulk_id)
    history = TaxInvoiceEvent.objects.filter(invoice__in=invoices).order_by("invoice_id", "id")
    assert [(e.action, e.from_status, e.to_status, e.actor) for e in history] == [
        ("DRAFT", "", "DRAFTED", "api:test integrator"),
        ("REQUEST", "DRAFTED", "REQUESTED", "api:test integrator"),
    ] * 2
    messages = WebhookMessage.objects.filter(event_type=events.TAX_INVOICE_REQUESTED)
    data = sorted((json.loads(m.payload)["data"] for m in messages), key=lambda d: d["totalAmount"])
    assert [(d["status"], d["totalAmount"], d["totalTaxAmount"]) for d in data] == [
        ("REQUESTED", 550_000, 50_000),
        ("REQUESTED", 1_000_000, 90_909),
    ]
    queued = Notification.objects.filter(invoice__in=invoices, kind=notifications.REQUEST)
    assert sorted(queued.values_list("channel", "to")) == sorted(
        ("EMAIL", payout_of(world, name).partner.contact_email) for name in ("일반과세", "간이발행")
    )
    assert all(inv.link_expires_at is not None for inv in invoices)


def test_a_second_request_adds_nothing_and_a_rerun_does_nothing(api_client, world):
    first = post(api_client, {"bulkPayoutId": world.public_id})
    assert first.status_code == 200, first.content
    again = post(api_client, {"bulkPayoutId": world.public_id})
    assert again.status_code == 400
    assert again.json()["type"] == "INVALID_REQUEST"
    assert "이미 세금계산서가 있음 2건" in again.json()["message"]
    done = BulkTaxInvoice.objects.get(public_id=first.json()["bulkTaxInvoice"]["id"])
    assert bulk.run(done.pk) == 0
    assert TaxInvoice.objects.count() == 2
    assert BulkTaxInvoice.objects.count() == 1
    assert TaxInvoiceEvent.objects.count() == 4


def test_a_refused_invoice_can_be_requested_again(world, own_company):
    normal = payout_of(world, "일반과세")
    first = bulk.bulk_from_payouts(payout_ids=[normal.public_id], is_for_test=True, actor="system")
    invoice = first.invoices.get()
    from invoices.services import tax_invoices

    tax_invoices.refuse(invoice, actor="partner:x", memo="금액 다름")
    normal.refresh_from_db()
    assert normal.tax_invoice_status == "REQUEST_REFUSED"
    second = bulk.bulk_from_payouts(payout_ids=[normal.public_id], is_for_test=True, actor="system")
    normal.refresh_from_db()
    assert normal.tax_invoice_id == second.invoices.get().public_id
    assert normal.tax_invoice_status == "REQUESTED"


def test_the_old_refused_invoice_no_longer_moves_the_payout(world, own_company):
    """Once a payout points at a new invoice, deleting (or otherwise acting on) the refused one
    it had before must not overwrite its mirror: the payout would look requestable again."""
    from invoices.services import tax_invoices

    normal = payout_of(world, "일반과세")
    first = bulk.bulk_from_payouts(payout_ids=[normal.public_id], is_for_test=True, actor="system")
    old = first.invoices.get()
    tax_invoices.refuse(old, actor="partner:x", memo="금액 다름")
    second = bulk.bulk_from_payouts(payout_ids=[normal.public_id], is_for_test=True, actor="system")
    tax_invoices.delete(old, actor="system")
    normal.refresh_from_db()
    assert normal.tax_invoice_id == second.invoices.get().public_id
    assert normal.tax_invoice_status == "REQUESTED"
    with pytest.raises(Exception, match="세금계산서를 요청할 수 있는 지급이 없습니다"):
        bulk.bulk_from_payouts(payout_ids=[normal.public_id], is_for_test=True, actor="system")


def test_deleting_the_payouts_invoice_makes_it_requestable_again(world, own_company):
    from invoices.services import tax_invoices

    normal = payout_of(world, "일반과세")
    made = bulk.bulk_from_payouts(payout_ids=[normal.public_id], is_for_test=True, actor="system")
    invoice = made.invoices.get()
    tax_invoices.refuse(invoice, actor="partner:x", memo="금액 다름")
    tax_invoices.delete(invoice, actor="system")
    normal.refresh_from_db()
    assert (normal.tax_invoice_id, normal.tax_invoice_status) == (None, "NONE")
    again = bulk.bulk_from_payouts(payout_ids=[normal.public_id], is_for_test=True, actor="system")
    normal.refresh_from_db()
    assert normal.tax_invoice_id == again.invoices.get().public_id


def test_selection_by_filter_and_by_ids(api_client, world):
    simple = payout_of(world, "간이발행")
    by_filter = post(
        api_client,
        {"payoutFilter": {"partnerTaxationTypes": ["SIMPLE_TAX_INVOICE_ISSUER"]}},
    )
    assert by_filter.status_code == 200, by_filter.content
    assert by_filter.json()["bulkTaxInvoice"]["totalAmount"] == simple.amount
    assert "skippedPayouts" not in by_filter.json()
    simple.refresh_from_db()
    assert simple.tax_invoice_status == "REQUESTED"
    unknown = post(api_client, {"payoutIds": [payout_of(world, "일반과세").public_id, "nope"]})
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "PLATFORM_PAYOUT_NOT_FOUND"
    both = post(api_client, {"payoutIds": ["x"], "bulkPayoutId": world.public_id})
    assert both.status_code == 400
    assert TaxInvoice.objects.count() == 1


def test_a_paid_payout_is_receipted(world, own_company):
    normal = payout_of(world, "일반과세")
    Payout.objects.filter(pk=normal.pk).update(status="SUCCEEDED")
    made = bulk.bulk_from_payouts(payout_ids=[normal.public_id], is_for_test=True, actor="system")
    assert made.invoices.get().purpose_type == "RECEIPT"


def test_big_selections_wait_for_the_task(
    world, own_company, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.INVOICE_BULK_INLINE_MAX = 1
    queued = []
    monkeypatch.setattr(bulk, "async_task", lambda *a, **kw: queued.append(a))
    with django_capture_on_commit_callbacks(execute=True):
        waiting = bulk.bulk_from_payouts(
            bulk_payout_public_id=world.public_id, is_for_test=True, actor="admin:alice"
        )
    assert waiting.status == "REQUEST_PENDING"
    assert waiting.selection["payoutPks"] == sorted(
        payout_of(world, n).pk for n in ("일반과세", "간이발행")
    )
    assert queued == [("invoices.tasks.run_bulk", waiting.pk)]
    assert TaxInvoice.objects.count() == 0
    from invoices import tasks

    assert tasks.run_bulk(waiting.pk) == 2
    waiting.refresh_from_db()
    assert (waiting.status, waiting.total_invoice_count) == ("COMPLETED", 2)
    assert TaxInvoiceEvent.objects.filter(actor="admin:alice").count() == 4
    assert tasks.run_bulk(waiting.pk) == 0  # a rerun adds nothing


def test_a_bulk_whose_task_was_lost_is_resumed_by_the_schedule(
    world, own_company, settings, monkeypatch
):
    settings.INVOICE_BULK_INLINE_MAX = 0
    monkeypatch.setattr(bulk, "async_task", lambda *a, **kw: None)  # the task never runs
    lost = bulk.bulk_from_payouts(
        bulk_payout_public_id=world.public_id, is_for_test=True, actor="admin:alice"
    )
    from invoices import tasks

    assert tasks.resume_bulks() == 0  # too young: its task may still be on its way
    BulkTaxInvoice.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - timedelta(minutes=3)
    )
    assert tasks.resume_bulks() == 2
    lost.refresh_from_db()
    assert (lost.status, lost.total_invoice_count) == ("COMPLETED", 2)
    assert tasks.resume_bulks() == 0


def test_a_failure_leaves_nothing_and_marks_the_bulk_failed(
    world, own_company, settings, monkeypatch
):
    settings.INVOICE_BULK_INLINE_MAX = 0
    monkeypatch.setattr(bulk, "CHUNK", 1)
    monkeypatch.setattr(bulk, "async_task", lambda *a, **kw: None)
    waiting = bulk.bulk_from_payouts(
        bulk_payout_public_id=world.public_id, is_for_test=True, actor="system"
    )
    calls = []

    def fails_second(invoices):
        calls.append(len(invoices))
        if len(calls) == 2:
            raise RuntimeError("메일 서버 없음")
        return 1

    monkeypatch.setattr(bulk.notifications, "queue_requests", fails_second)
    assert bulk.run(waiting.pk) == 0
    waiting.refresh_from_db()
    assert waiting.status == "FAILED"
    assert "메일 서버 없음" in waiting.error
    assert TaxInvoice.objects.count() == 0
    assert TaxInvoiceEvent.objects.count() == 0
    assert set(world.payouts.values_list("tax_invoice_status", flat=True)) == {"NONE"}
    assert bulk.run(waiting.pk) == 0  # FAILED is final


def test_without_our_own_company_nothing_is_made(api_client, world):
    from invoices.models import OwnCompany

    OwnCompany.objects.filter(pk=1).update(brn="")
    response = post(api_client, {"bulkPayoutId": world.public_id})
    assert response.status_code == 400
    assert response.json()["type"] == "B2B_RECIPIENT_NOT_FOUND"
    assert BulkTaxInvoice.objects.count() == 0


def test_unknown_bulk_is_404_through_the_sdk(b2b, db):
    from portone_server_sdk.errors import B2bBulkTaxInvoiceNotFoundError

    with pytest.raises(B2bBulkTaxInvoiceNotFoundError):
        b2b.tax_invoice.get_b2b_bulk_tax_invoice(bulk_tax_invoice_id="nope", test=True)


def test_admin_actions_on_the_payout_lists(client, world, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("fin", password="x", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_payout", "view_bulkpayout", "add_bulktaxinvoice"]
        )
    )
    client.force_login(user)
    response = client.post(
        "/admin/payouts/bulkpayout/",
        {"action": "request_from_bulk_payouts", "_selected_action": [world.pk]},
        follow=True,
    )
    assert response.status_code == 200
    made = BulkTaxInvoice.objects.get()
    assert made.bulk_payout_id == world.pk and made.total_invoice_count == 2
    assert made.creator_name == "admin:fin"
    other = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    other.user_permissions.add(*Permission.objects.filter(codename="view_payout"))
    client.force_login(other)
    refused = client.post(
        "/admin/payouts/payout/",
        {"action": "request_from_payouts", "_selected_action": [payout_of(world, "간이").pk]},
    )
    assert refused.status_code == 403
