"""Every tax-invoice write through the official SDK against the live server: draft, update draft,
request, request-reverse-issuance, issue, issue-immediately, refuse, cancel request, cancel
issuance, delete, reads by id and by document key, and the refusals as the SDK's classes."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from django.utils import timezone
from portone_server_sdk.b2b.tax_invoice import (
    B2bTaxInvoiceCompany,
    B2bTaxInvoiceContact,
    B2bTaxInvoiceInput,
    B2bTaxInvoiceItem,
    B2bTaxInvoiceModificationCreateBody,
)
from portone_server_sdk.errors import (
    B2BCannotChangeTaxTypeError,
    B2bCounterpartyNtsNotConnectedError,
    B2bDocumentKeyCannotBeChangedError,
    B2bIssuanceTypeMismatchError,
    B2bModificationNotProvidedError,
    B2bOriginalTaxInvoiceNotFoundError,
    B2bRecipientNotFoundError,
    B2bSupplierNotFoundError,
    B2bTaxInvoiceNonDeletableStatusError,
    B2bTaxInvoiceNotDraftedStatusError,
    B2bTaxInvoiceNotFoundError,
    B2bTaxInvoiceNotIssuedStatusError,
    B2bTaxInvoiceNotRequestedStatusError,
    B2bTaxInvoiceRecipientDocumentKeyAlreadyUsedError,
    B2BTaxInvoiceStatusNotSendingCompletedError,
    B2bTaxInvoiceSupplierDocumentKeyAlreadyUsedError,
    InvalidRequestError,
)

from invoices.models import Counterparty, TaxInvoice
from invoices.services import transitions
from payouts.models import BulkPayout, Payout, PayoutMethod
from tests.invoices.conftest import OWN_BRN, PARTNER_BRN

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER_BRN = "3338812345"
TODAY = timezone.localdate().isoformat()


def reverse_input(**overrides) -> B2bTaxInvoiceInput:
    values = dict(
        taxation_type="TAXABLE",
        write_date=TODAY,
        purpose_type="RECEIPT",
        total_supply_amount=100_000,
        total_tax_amount=10_000,
        total_amount=110_000,
        supplier=B2bTaxInvoiceCompany(brn=PARTNER_BRN),
        recipient=B2bTaxInvoiceCompany(brn=OWN_BRN),
        items=[
            B2bTaxInvoiceItem(name="정산 수수료", supply_cost_amount=100_000, tax_amount=10_000)
        ],
    )
    values.update(overrides)
    return B2bTaxInvoiceInput(**values)


def normal_input(**overrides) -> B2bTaxInvoiceInput:
    values = {
        "issuance_type": "NORMAL",
        "supplier": None,
        "recipient": B2bTaxInvoiceCompany(brn=CUSTOMER_BRN),
    }
    return reverse_input(**{**values, **overrides})


@pytest.fixture
def customer(db) -> Counterparty:
    return Counterparty.objects.create(
        public_id="customer-1",
        brn=CUSTOMER_BRN,
        company_name="주식회사 고객",
        representative_name="박고객",
        contact_name="박담당",
        contact_email="buyer@customer.test",
    )


def actions(invoice_id: str) -> list[tuple[str, str, str]]:
    inv = TaxInvoice.objects.get(public_id=invoice_id)
    return [(e.action, e.from_status, e.to_status) for e in inv.events.order_by("at", "id")]


def test_reverse_draft_request_issue(b2b, own_company, connected_partner):
    api = b2b.tax_invoice
    drafted = api.draft_b2b_tax_invoice(tax_invoice=reverse_input(), memo="3월 정산").tax_invoice
    assert drafted.status == "DRAFTED"
    assert drafted.issuance_type == "REVERSE"
    assert drafted.document_modification_type == "NORMAL"
    # the parties filled from the counterparty and our own company
    assert drafted.supplier.name == "주식회사 파트너"
    assert drafted.supplier.representative_name == "이파트너"
    assert drafted.supplier.contact.email == "partner@partner.test"
    assert drafted.supplier.counterparty_id == connected_partner.public_id
    assert drafted.recipient.name == "주식회사 플랫폼"
    assert drafted.recipient.contact.email == "finance@platform.test"
    # auto document keys (docs/invoices.md#addressing)
    assert drafted.supplier_document_key == f"{drafted.id}-S"
    assert drafted.recipient_document_key == f"{drafted.id}-R"
    assert drafted.memo == "3월 정산"
    due = date.fromisoformat(drafted.issuance_due_date)
    assert due.day >= 10 and due > date.fromisoformat(TODAY)

    row = TaxInvoice.objects.get(public_id=drafted.id)
    assert row.supplier_brn == PARTNER_BRN and row.recipient_brn == OWN_BRN
    assert row.supplier_email == "partner@partner.test"
    assert row.supplier_counterparty.public_id == connected_partner.public_id
    assert row.recipient_counterparty is None

    requested = api.request_b2b_tax_invoice(tax_invoice_key=drafted.id).tax_invoice
    assert requested.status == "REQUESTED"
    assert requested.requested_at

    issued = api.issue_b2b_tax_invoice(tax_invoice_key=drafted.id, memo="승인").tax_invoice
    assert issued.status == "ISSUED"
    assert len(issued.nts_approval_number) == 24
    assert issued.nts_approval_number[:8] == timezone.localdate().strftime("%Y%m%d")
    assert issued.nts_approval_number[8:16] == "41000000"
    assert issued.is_delayed is False
    row.refresh_from_db()
    assert row.nts_due_at > row.issued_at

    # a second approval meets ISSUED and changes nothing
    with pytest.raises(B2bTaxInvoiceNotRequestedStatusError):
        api.issue_b2b_tax_invoice(tax_invoice_key=drafted.id)
    row.refresh_from_db()
    assert row.status == "ISSUED"
    assert actions(drafted.id) == [
        ("DRAFT", "", "DRAFTED"),
        ("REQUEST", "DRAFTED", "REQUESTED"),
        ("ISSUE", "REQUESTED", "ISSUED"),
    ]

    # reads by id and by each document key
    assert api.get_b2b_tax_invoice(tax_invoice_key=drafted.id).status == "ISSUED"
    by_supplier = api.get_b2b_tax_invoice(
        tax_invoice_key=f"{drafted.id}-S", tax_invoice_key_type="SUPPLIER", brn=PARTNER_BRN
    )
    by_recipient = api.get_b2b_tax_invoice(
        tax_invoice_key=f"{drafted.id}-R", tax_invoice_key_type="RECIPIENT", brn=OWN_BRN
    )
    assert by_supplier.id == by_recipient.id == drafted.id
    with pytest.raises(B2bTaxInvoiceNotFoundError):
        api.get_b2b_tax_invoice(
            tax_invoice_key=f"{drafted.id}-S", tax_invoice_key_type="SUPPLIER", brn=OWN_BRN
        )

    # not deletable once issued; cancel issuance, then delete
    with pytest.raises(B2bTaxInvoiceNonDeletableStatusError):
        api.delete_b2b_tax_invoice(tax_invoice_key=drafted.id)
    cancelled = api.cancel_b2b_tax_invoice_issuance(
        tax_invoice_key=drafted.id, memo="금액 오류"
    ).tax_invoice
    assert cancelled.status == "ISSUANCE_CANCELLED"
    row.refresh_from_db()
    assert row.cancel_reason == "금액 오류"
    with pytest.raises(B2bTaxInvoiceNotIssuedStatusError):
        api.cancel_b2b_tax_invoice_issuance(tax_invoice_key=drafted.id)
    api.delete_b2b_tax_invoice(tax_invoice_key=drafted.id)
    row.refresh_from_db()
    assert row.deleted_at is not None
    with pytest.raises(B2bTaxInvoiceNotFoundError):
        api.get_b2b_tax_invoice(tax_invoice_key=drafted.id)


def test_update_draft(b2b, own_company, connected_partner):
    api = b2b.tax_invoice
    drafted = api.draft_b2b_tax_invoice(
        tax_invoice=reverse_input(recipient_document_key="R-2025-001")
    ).tax_invoice
    assert drafted.recipient_document_key == "R-2025-001"
    changed = reverse_input(
        total_supply_amount=200_000,
        total_tax_amount=20_000,
        total_amount=220_000,
        items=[B2bTaxInvoiceItem(name="수수료", supply_cost_amount=200_000, tax_amount=20_000)],
        remarks=["2월분"],
    )
    # the body's key type defaults to RECIPIENT (docs/invoices.md#addressing)
    updated = api.update_b2b_tax_invoice_draft(
        tax_invoice_key="R-2025-001", brn=OWN_BRN, tax_invoice=changed, memo="금액 수정"
    ).tax_invoice
    assert updated.id == drafted.id
    assert (updated.total_supply_amount, updated.total_tax_amount, updated.total_amount) == (
        200_000,
        20_000,
        220_000,
    )
    assert updated.remarks == ["2월분"]
    assert updated.memo == "금액 수정"
    assert updated.recipient_document_key == "R-2025-001"

    with pytest.raises(B2bDocumentKeyCannotBeChangedError):
        api.update_b2b_tax_invoice_draft(
            tax_invoice_key=drafted.id,
            tax_invoice_key_type="TAX_INVOICE_ID",
            tax_invoice=dataclasses.replace(changed, recipient_document_key="OTHER"),
        )
    with pytest.raises(B2BCannotChangeTaxTypeError):
        api.update_b2b_tax_invoice_draft(
            tax_invoice_key=drafted.id,
            tax_invoice_key_type="TAX_INVOICE_ID",
            tax_invoice=dataclasses.replace(
                changed,
                taxation_type="ZERO_RATED",
                total_tax_amount=0,
                total_amount=200_000,
                items=None,
            ),
        )
    api.request_b2b_tax_invoice(tax_invoice_key=drafted.id)
    with pytest.raises(B2bTaxInvoiceNotDraftedStatusError):
        api.update_b2b_tax_invoice_draft(
            tax_invoice_key=drafted.id, tax_invoice_key_type="TAX_INVOICE_ID", tax_invoice=changed
        )
    assert [a[0] for a in actions(drafted.id)] == ["DRAFT", "UPDATE_DRAFT", "REQUEST"]
    assert TaxInvoice.objects.get(public_id=drafted.id).total_amount == 220_000


def test_request_reverse_issuance_refuse_and_cancel(b2b, own_company, connected_partner):
    api = b2b.tax_invoice
    first = api.request_b2b_tax_invoice_reverse_issuance(tax_invoice=reverse_input()).tax_invoice
    assert first.status == "REQUESTED"
    refused = api.refuse_b2b_tax_invoice_request(
        tax_invoice_key=first.id, memo="품목 불일치"
    ).tax_invoice
    assert refused.status == "REQUEST_REFUSED"
    assert TaxInvoice.objects.get(public_id=first.id).cancel_reason == "품목 불일치"
    with pytest.raises(B2bTaxInvoiceNotRequestedStatusError):
        api.cancel_b2b_tax_invoice_request(tax_invoice_key=first.id)
    api.delete_b2b_tax_invoice(tax_invoice_key=first.id)
    assert [a[0] for a in actions(first.id)] == ["DRAFT", "REQUEST", "REFUSE", "DELETE"]

    second = api.request_b2b_tax_invoice_reverse_issuance(tax_invoice=reverse_input()).tax_invoice
    cancelled = api.cancel_b2b_tax_invoice_request(
        tax_invoice_key=second.id, memo="중복 요청"
    ).tax_invoice
    assert cancelled.status == "REQUEST_CANCELLED"
    assert TaxInvoice.objects.get(public_id=second.id).cancel_reason == "중복 요청"
    with pytest.raises(B2bTaxInvoiceNotRequestedStatusError):
        api.refuse_b2b_tax_invoice_request(tax_invoice_key=second.id)


def test_issue_immediately_normal_creates_recipient_counterparty(b2b, own_company):
    api = b2b.tax_invoice
    recipient = B2bTaxInvoiceCompany(
        brn="4448812345",
        name="주식회사 신규",
        representative_name="최신규",
        contact=B2bTaxInvoiceContact(email="new@new.test", name="최담당"),
    )
    issued = api.issue_b2b_tax_invoice_immediately(
        tax_invoice=normal_input(recipient=recipient), create_recipient_counterparty=True
    ).tax_invoice
    assert issued.status == "ISSUED"
    assert issued.issuance_type == "NORMAL"
    assert issued.supplier.brn == OWN_BRN and issued.supplier.name == "주식회사 플랫폼"
    assert issued.recipient.name == "주식회사 신규"
    cp = Counterparty.objects.get(brn="4448812345")
    assert (cp.company_name, cp.contact_email) == ("주식회사 신규", "new@new.test")
    row = TaxInvoice.objects.get(public_id=issued.id)
    assert row.recipient_counterparty == cp
    assert len(row.nts_approval_number) == 24
    assert [a[0] for a in actions(issued.id)] == ["DRAFT", "ISSUE"]

    # NORMAL: draft then issue from DRAFTED; no reverse request
    drafted = api.draft_b2b_tax_invoice(
        tax_invoice=normal_input(recipient=B2bTaxInvoiceCompany(counterparty_id=cp.public_id))
    ).tax_invoice
    with pytest.raises(B2bIssuanceTypeMismatchError):
        api.request_b2b_tax_invoice(tax_invoice_key=drafted.id)
    assert api.issue_b2b_tax_invoice(tax_invoice_key=drafted.id).tax_invoice.status == "ISSUED"
    with pytest.raises(B2bIssuanceTypeMismatchError):
        api.issue_b2b_tax_invoice_immediately(tax_invoice=reverse_input(issuance_type="REVERSE"))


def test_party_refusals(b2b, own_company, connected_partner, customer):
    api = b2b.tax_invoice
    with pytest.raises(B2bSupplierNotFoundError) as e:
        api.draft_b2b_tax_invoice(
            tax_invoice=reverse_input(supplier=B2bTaxInvoiceCompany(brn="9998812345"))
        )
    assert e.value.brn == "9998812345"
    assert "공급자" in e.value.message
    with pytest.raises(B2bSupplierNotFoundError):
        api.draft_b2b_tax_invoice(
            tax_invoice=reverse_input(supplier=B2bTaxInvoiceCompany(counterparty_id="nope"))
        )
    with pytest.raises(B2bCounterpartyNtsNotConnectedError):
        api.draft_b2b_tax_invoice(
            tax_invoice=reverse_input(supplier=B2bTaxInvoiceCompany(brn=CUSTOMER_BRN))
        )
    with pytest.raises(B2bRecipientNotFoundError):
        api.draft_b2b_tax_invoice(
            tax_invoice=reverse_input(recipient=B2bTaxInvoiceCompany(brn=CUSTOMER_BRN))
        )
    with pytest.raises(B2bRecipientNotFoundError):
        api.draft_b2b_tax_invoice(
            tax_invoice=normal_input(recipient=B2bTaxInvoiceCompany(brn="5558812345"))
        )
    with pytest.raises(B2bSupplierNotFoundError):
        api.draft_b2b_tax_invoice(
            tax_invoice=normal_input(supplier=B2bTaxInvoiceCompany(brn=PARTNER_BRN))
        )
    assert not TaxInvoice.objects.exists()


def test_document_key_and_amount_refusals(b2b, own_company, connected_partner, customer):
    api = b2b.tax_invoice
    api.draft_b2b_tax_invoice(
        tax_invoice=reverse_input(supplier_document_key="S-1", recipient_document_key="R-1")
    )
    with pytest.raises(B2bTaxInvoiceSupplierDocumentKeyAlreadyUsedError):
        api.draft_b2b_tax_invoice(tax_invoice=reverse_input(supplier_document_key="S-1"))
    with pytest.raises(B2bTaxInvoiceRecipientDocumentKeyAlreadyUsedError):
        api.draft_b2b_tax_invoice(tax_invoice=reverse_input(recipient_document_key="R-1"))
    # the same key for another BRN is free
    assert (
        api.draft_b2b_tax_invoice(
            tax_invoice=normal_input(recipient_document_key="R-1")
        ).tax_invoice.recipient_document_key
        == "R-1"
    )
    with pytest.raises(InvalidRequestError) as e:
        api.draft_b2b_tax_invoice(tax_invoice=reverse_input(supplier_document_key="키/1"))
    assert "supplierDocumentKey" in e.value.message
    with pytest.raises(InvalidRequestError) as e:
        api.draft_b2b_tax_invoice(tax_invoice=reverse_input(total_amount=110_001))
    assert "totalAmount" in e.value.message
    with pytest.raises(B2bModificationNotProvidedError):
        api.draft_b2b_tax_invoice(
            tax_invoice=reverse_input(
                total_supply_amount=-100_000,
                total_tax_amount=-10_000,
                total_amount=-110_000,
                items=None,
            )
        )
    assert TaxInvoice.objects.count() == 2


def _completed_original(api) -> str:
    drafted = api.request_b2b_tax_invoice_reverse_issuance(tax_invoice=reverse_input()).tax_invoice
    api.issue_b2b_tax_invoice(tax_invoice_key=drafted.id)
    TaxInvoice.objects.filter(public_id=drafted.id).update(status="SENDING_COMPLETED")
    return drafted.id


def test_modification_through_the_sdk(b2b, own_company, connected_partner):
    api = b2b.tax_invoice
    original_id = _completed_original(api)
    original = TaxInvoice.objects.get(public_id=original_id)
    corrected = reverse_input(
        write_date="2020-01-01",  # replaced by the original's write date
        total_supply_amount=90_000,
        total_tax_amount=9_000,
        total_amount=99_000,
        items=[B2bTaxInvoiceItem(name="정정", supply_cost_amount=90_000, tax_amount=9_000)],
    )
    sent = api.request_b2b_tax_invoice_reverse_issuance(
        tax_invoice=corrected,
        modification=B2bTaxInvoiceModificationCreateBody(
            type="CORRECTION_OF_ENTRY_ERRORS", tax_invoice_key=f"{original_id}-R", brn=OWN_BRN
        ),
    ).tax_invoice
    assert sent.status == "REQUESTED"
    assert sent.document_modification_type == "MODIFICATION"
    assert sent.write_date == original.write_date.isoformat()
    assert sent.modification.type == "CORRECTION_OF_ENTRY_ERRORS"
    assert sent.modification.original_tax_invoice_id == original_id
    assert sent.modification.root_tax_invoice_id == original_id
    assert sent.modification.original_nts_approval_number == original.nts_approval_number
    negative = api.get_b2b_tax_invoice(tax_invoice_key=f"{sent.id}-N")
    assert negative.status == "REQUESTED"
    assert (negative.total_supply_amount, negative.total_tax_amount) == (-100_000, -10_000)
    assert negative.modification.original_tax_invoice_id == original_id
    # the supplier approving the sent one approves the pair
    api.issue_b2b_tax_invoice(tax_invoice_key=sent.id)
    assert api.get_b2b_tax_invoice(tax_invoice_key=f"{sent.id}-N").status == "ISSUED"

    with pytest.raises(B2bOriginalTaxInvoiceNotFoundError):
        api.draft_b2b_tax_invoice(
            tax_invoice=corrected,
            modification=B2bTaxInvoiceModificationCreateBody(
                type="CORRECTION_OF_ENTRY_ERRORS",
                tax_invoice_key="nope",
                tax_invoice_key_type="TAX_INVOICE_ID",
            ),
        )
    with pytest.raises(B2BTaxInvoiceStatusNotSendingCompletedError):
        api.draft_b2b_tax_invoice(
            tax_invoice=corrected,
            modification=B2bTaxInvoiceModificationCreateBody(
                type="CORRECTION_OF_ENTRY_ERRORS",
                tax_invoice_key=sent.id,
                tax_invoice_key_type="TAX_INVOICE_ID",
            ),
        )
    with pytest.raises(B2BCannotChangeTaxTypeError):
        api.draft_b2b_tax_invoice(
            tax_invoice=reverse_input(
                taxation_type="ZERO_RATED", total_tax_amount=0, total_amount=100_000, items=None
            ),
            modification=B2bTaxInvoiceModificationCreateBody(
                type="CHANGE_IN_SUPPLY_COST",
                tax_invoice_key=original_id,
                tax_invoice_key_type="TAX_INVOICE_ID",
            ),
        )


def _payout_of(partner) -> Payout:
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
        amount=110_000,
        supply_amount=100_000,
        settlement_amount=110_000,
        partner_name=partner.name,
        partner_type=partner.partner_type,
        account_bank=partner.bank,
        account_number=partner.account_number,
        account_holder=partner.account_holder,
    )


def test_the_payout_mirrors_the_invoice_status(b2b, own_company, connected_partner):
    """An invoice made from a payout (as bulk requests do): each write moves the payout's copy."""
    api = b2b.tax_invoice
    payout = _payout_of(connected_partner)
    drafted = api.draft_b2b_tax_invoice(tax_invoice=reverse_input()).tax_invoice
    row = TaxInvoice.objects.get(public_id=drafted.id)
    row.payout = payout
    row.save(update_fields=["payout"])
    transitions.link_payout(row)

    api.request_b2b_tax_invoice(tax_invoice_key=drafted.id)
    payout.refresh_from_db()
    assert (payout.tax_invoice_id, payout.tax_invoice_status) == (drafted.id, "REQUESTED")
    api.refuse_b2b_tax_invoice_request(tax_invoice_key=drafted.id, memo="금액 상이")
    payout.refresh_from_db()
    assert payout.tax_invoice_status == "REQUEST_REFUSED"
    api.delete_b2b_tax_invoice(tax_invoice_key=drafted.id)
    payout.refresh_from_db()  # a deleted invoice no longer stands for the payout
    assert (payout.tax_invoice_id, payout.tax_invoice_status) == (None, "NONE")
    assert [a[0] for a in actions(drafted.id)] == ["DRAFT", "REQUEST", "REFUSE", "DELETE"]
