"""PAYOUT_REQUIRES_ISSUED_TAX_INVOICE (docs/invoices.md#payouts-waiting-for-their-invoice): a
BUSINESS payout with VAT is not sent until its tax invoice is issued — it stays CONFIRMED in its
ONGOING bulk payout, the others are paid, and the recovery's run pays it once issued. Off (the
default), nothing waits. The ledger invariant is checked after each test (conftest)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from invoices.domain.statuses import NtsConnectionStatus
from invoices.models import Counterparty, OwnCompany
from invoices.services import bulk as invoice_bulk
from invoices.services import tax_invoices
from payouts.models import Payout
from payouts.services import bulk_payouts as bp
from payouts.services.bulk_payouts import Actor
from payouts.services.runner import bulk_payout_run, payouts_recover
from payouts.services.selection import Selection

ALICE = Actor("user:1", "alice")
SPECS = {
    "일반과세": {"amount": 1_100_000},
    "간이": {"amount": 300_000, "taxation_type": "SIMPLE"},
    "프리랜서": {"amount": 200_000, "partner_type": "WHT_PAYER", "birthdate": "1990-01-01"},
}


def started(world):
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids(*world.partners), is_for_test=True),
        name="3월 정산",
        actor=ALICE,
    )
    return bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=ALICE)


def statuses(bulk) -> dict[str, str]:
    return dict(bulk.payouts.values_list("partner_name", "status"))


def connect(partner) -> None:
    OwnCompany.objects.update_or_create(
        pk=1,
        defaults={
            "brn": "1208800767",
            "company_name": "주식회사 플랫폼",
            "representative_name": "김대표",
            "contact_email": "finance@platform.test",
        },
    )
    Counterparty.objects.create(
        public_id=partner.public_id,
        is_for_test=True,
        brn=partner.business_registration_number,
        company_name="일반과세 상사",
        representative_name="대표",
        contact_name="담당",
        contact_email="vat@partner.test",
        partner=partner,
        nts_connection_status=NtsConnectionStatus.CONNECTED,
        nts_connected_at=timezone.now(),
    )


def test_a_vat_payout_waits_until_its_invoice_is_issued(make_world, settings):
    settings.PAYOUT_REQUIRES_ISSUED_TAX_INVOICE = True
    world = make_world(SPECS)
    bulk = started(world)
    report = bulk_payout_run(bulk.pk)
    bulk.refresh_from_db()
    assert (report.sent, report.succeeded) == (2, 2)
    assert statuses(bulk) == {"일반과세": "CONFIRMED", "간이": "SUCCEEDED", "프리랜서": "SUCCEEDED"}
    assert bulk.status == "ONGOING"  # not finished while a payout waits

    vat = bulk.payouts.get(partner_name="일반과세")
    assert vat.vat_amount == 100_000 and vat.tax_invoice_status == "NONE"
    connect(world.partners["일반과세"])
    made = invoice_bulk.bulk_from_payouts(
        bulk_payout_public_id=bulk.public_id, is_for_test=True, actor="system"
    )
    assert made.total_invoice_count == 1
    assert bulk_payout_run(bulk.pk).sent == 0  # requested is not issued: still waiting
    assert statuses(bulk)["일반과세"] == "CONFIRMED"

    tax_invoices.issue(made.invoices.get(), actor="partner:1")
    vat.refresh_from_db()
    assert vat.tax_invoice_status == "ISSUED"
    report = payouts_recover(older_than=timedelta(0))
    bulk.refresh_from_db()
    assert report.succeeded == 1
    assert statuses(bulk)["일반과세"] == "SUCCEEDED"
    assert bulk.status == "COMPLETED"


def test_a_refused_invoice_keeps_the_payout_waiting(make_world, settings):
    settings.PAYOUT_REQUIRES_ISSUED_TAX_INVOICE = True
    world = make_world({"일반과세": {"amount": 550_000}})
    bulk = started(world)
    connect(world.partners["일반과세"])
    made = invoice_bulk.bulk_from_payouts(
        bulk_payout_public_id=bulk.public_id, is_for_test=True, actor="system"
    )
    tax_invoices.refuse(made.invoices.get(), actor="partner:1", memo="금액 다름")
    assert bulk_payout_run(bulk.pk).sent == 0
    assert Payout.objects.get(bulk_payout=bulk).tax_invoice_status == "REQUEST_REFUSED"
    assert statuses(bulk) == {"일반과세": "CONFIRMED"}


def test_off_by_default_nothing_waits(make_world):
    world = make_world(SPECS)
    bulk = started(world)
    report = bulk_payout_run(bulk.pk)
    bulk.refresh_from_db()
    assert report.succeeded == 3
    assert set(statuses(bulk).values()) == {"SUCCEEDED"}
    assert bulk.status == "COMPLETED"
