"""The six modification reasons (부가가치세법 시행령 §70): which documents each call makes,
their signs, dates and links, and each refusal — first as the pure plan, then through the
service (two documents in the database, linked to the original and its root)."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import DomainError
from invoices.domain import modifications
from invoices.domain.modifications import Original, Type
from invoices.models import TaxInvoice
from invoices.services import tax_invoices
from tests.invoices.conftest import OWN_BRN, PARTNER_BRN

ORIGINAL = Original(
    status="SENDING_COMPLETED",
    issuance_type="REVERSE",
    taxation_type="TAXABLE",
    write_date=date(2025, 3, 5),
    total_supply_amount=100_000,
    total_tax_amount=10_000,
    total_amount=110_000,
    items=[{"name": "수수료", "supplyCostAmount": 100_000, "taxAmount": 10_000}],
)
CHANGE_DATE = date(2025, 4, 20)


def sent(supply: int, tax: int, *, taxation: str = "TAXABLE", items=None) -> dict:
    return {
        "taxationType": taxation,
        "issuanceType": "REVERSE",
        "writeDate": CHANGE_DATE,
        "totalSupplyAmount": supply,
        "totalTaxAmount": tax,
        "totalAmount": supply + tax,
        "items": items or [],
    }


# type, the document sent, its write date after the plan, the negative copy's (supply, date)
CASES = [
    (
        Type.CORRECTION_OF_ENTRY_ERRORS,
        sent(90_000, 9_000),
        ORIGINAL.write_date,
        (-100_000, ORIGINAL.write_date),
    ),
    (Type.CHANGE_IN_SUPPLY_COST, sent(-20_000, -2_000), CHANGE_DATE, None),
    (Type.CHANGE_IN_SUPPLY_COST, sent(30_000, 3_000), CHANGE_DATE, None),
    (Type.RETURN, sent(-40_000, -4_000), CHANGE_DATE, None),
    (Type.CANCELLATION_OF_CONTRACT, sent(-100_000, -10_000), CHANGE_DATE, None),
    (Type.DUPLICATE_ISSUANCE_DUE_TO_ERROR, sent(-100_000, -10_000), ORIGINAL.write_date, None),
    (
        Type.LOCAL_LETTER_OF_CREDIT_OPENED_LATE,
        sent(100_000, 0, taxation="ZERO_RATED"),
        ORIGINAL.write_date,
        (-100_000, ORIGINAL.write_date),
    ),
]


@pytest.mark.parametrize(("kind", "document", "write_date", "negative"), CASES)
def test_plan(kind, document, write_date, negative):
    plan = modifications.plan(kind, ORIGINAL, document)
    assert plan.type is kind
    assert plan.sent_changes.get("writeDate", document["writeDate"]) == write_date
    if negative is None:
        assert plan.negative_copy is None
    else:
        copy = plan.negative_copy
        assert (copy.total_supply_amount, copy.write_date) == negative
        assert (copy.total_tax_amount, copy.total_amount) == (-10_000, -110_000)
        assert copy.taxation_type == "TAXABLE"  # the original's, also for the L/C case
        assert copy.items == [
            {"name": "수수료", "supplyCostAmount": -100_000, "taxAmount": -10_000}
        ]
    if kind in modifications.FULL_NEGATIVE:  # no items sent: the original's, negated
        assert plan.sent_changes["items"][0]["supplyCostAmount"] == -100_000


@pytest.mark.parametrize(
    ("kind", "original", "document", "code"),
    [
        (
            Type.RETURN,
            {"status": "ISSUED"},
            sent(-1_000, -100),
            "B2B_TAX_INVOICE_STATUS_NOT_SENDING_COMPLETED",
        ),
        (
            Type.RETURN,
            {"issuance_type": "NORMAL"},
            sent(-1_000, -100),
            "B2B_ISSUANCE_TYPE_MISMATCH",
        ),
        (Type.RETURN, {}, sent(-1_000, 0, taxation="FREE"), "B2B_CANNOT_CHANGE_TAX_TYPE"),
        (
            Type.CORRECTION_OF_ENTRY_ERRORS,
            {},
            sent(1_000, 0, taxation="ZERO_RATED"),
            "B2B_CANNOT_CHANGE_TAX_TYPE",
        ),
        (
            Type.LOCAL_LETTER_OF_CREDIT_OPENED_LATE,
            {},
            sent(100_000, 10_000),
            "B2B_CANNOT_CHANGE_TAX_TYPE",
        ),
        (
            Type.LOCAL_LETTER_OF_CREDIT_OPENED_LATE,
            {"taxation_type": "ZERO_RATED", "total_tax_amount": 0, "total_amount": 100_000},
            sent(100_000, 0, taxation="ZERO_RATED"),
            "B2B_CANNOT_CHANGE_TAX_TYPE",
        ),
        (Type.CORRECTION_OF_ENTRY_ERRORS, {}, sent(-1_000, -100), "INVALID_REQUEST"),
        (Type.CHANGE_IN_SUPPLY_COST, {}, sent(0, 0), "INVALID_REQUEST"),
        (Type.RETURN, {}, sent(1_000, 100), "INVALID_REQUEST"),
        (Type.RETURN, {}, sent(-200_000, -20_000), "INVALID_REQUEST"),
        (Type.CANCELLATION_OF_CONTRACT, {}, sent(-50_000, -5_000), "INVALID_REQUEST"),
        (Type.DUPLICATE_ISSUANCE_DUE_TO_ERROR, {}, sent(100_000, 10_000), "INVALID_REQUEST"),
    ],
)
def test_plan_refusals(kind, original, document, code):
    base = ORIGINAL.__dict__ | original
    with pytest.raises(DomainError) as e:
        modifications.plan(kind, Original(**base), document)
    assert e.value.code == code


# --- through the service --------------------------------------------------------------------------


def _input(supply: int, tax: int, *, taxation: str = "TAXABLE", write_date=CHANGE_DATE) -> dict:
    return {
        "taxationType": taxation,
        "writeDate": write_date,
        "purposeType": "RECEIPT",
        "totalSupplyAmount": supply,
        "totalTaxAmount": tax,
        "totalAmount": supply + tax,
        "supplier": {"brn": PARTNER_BRN},
        "recipient": {"brn": OWN_BRN},
    }


@pytest.fixture
def original(own_company, connected_partner) -> TaxInvoice:
    inv = tax_invoices.draft(
        {**_input(100_000, 10_000, write_date=ORIGINAL.write_date), "items": ORIGINAL.items},
        is_for_test=False,
        actor="test",
    )
    inv = tax_invoices.issue(tax_invoices.request(inv, actor="test"), actor="partner")
    TaxInvoice.objects.filter(pk=inv.pk).update(status="SENDING_COMPLETED")
    inv.refresh_from_db()
    return inv


SERVICE_CASES = [
    (Type.CORRECTION_OF_ENTRY_ERRORS, (90_000, 9_000, "TAXABLE"), ORIGINAL.write_date, True),
    (Type.CHANGE_IN_SUPPLY_COST, (-20_000, -2_000, "TAXABLE"), CHANGE_DATE, False),
    (Type.RETURN, (-40_000, -4_000, "TAXABLE"), CHANGE_DATE, False),
    (Type.CANCELLATION_OF_CONTRACT, (-100_000, -10_000, "TAXABLE"), CHANGE_DATE, False),
    (
        Type.DUPLICATE_ISSUANCE_DUE_TO_ERROR,
        (-100_000, -10_000, "TAXABLE"),
        ORIGINAL.write_date,
        False,
    ),
    (
        Type.LOCAL_LETTER_OF_CREDIT_OPENED_LATE,
        (100_000, 0, "ZERO_RATED"),
        ORIGINAL.write_date,
        True,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "amounts", "write_date", "two"), SERVICE_CASES)
def test_documents_made(original, kind, amounts, write_date, two):
    supply, tax, taxation = amounts
    made = tax_invoices.draft(
        _input(supply, tax, taxation=taxation),
        is_for_test=False,
        actor="test",
        modification={
            "type": kind,
            "taxInvoiceKey": original.recipient_document_key,
            "brn": OWN_BRN,
        },
    )
    assert made.document_modification_type == "MODIFICATION"
    assert made.modification_type == kind
    assert (made.original_id, made.root_id) == (original.pk, original.pk)
    assert made.original_nts_approval_number == original.nts_approval_number
    assert (made.total_supply_amount, made.total_tax_amount, made.taxation_type) == amounts
    assert made.write_date == write_date
    copies = TaxInvoice.objects.filter(public_id=f"{made.public_id}-N")
    if not two:
        assert not copies.exists()
        assert TaxInvoice.objects.count() == 2
        return
    copy = copies.get()
    assert copy.status == "DRAFTED"
    assert (copy.total_supply_amount, copy.total_tax_amount, copy.total_amount) == (
        -100_000,
        -10_000,
        -110_000,
    )
    assert (copy.taxation_type, copy.write_date) == ("TAXABLE", ORIGINAL.write_date)
    assert (copy.original_id, copy.root_id, copy.modification_type) == (
        original.pk,
        original.pk,
        kind,
    )
    # actions on the document sent move its copy too
    tax_invoices.request(made, actor="test")
    copy.refresh_from_db()
    assert copy.status == "REQUESTED"
    tax_invoices.cancel_request(made, actor="test", memo="다시")
    copy.refresh_from_db()
    assert (copy.status, copy.cancel_reason) == ("REQUEST_CANCELLED", "다시")


@pytest.mark.django_db
def test_root_is_the_first_original(original):
    first = tax_invoices.issue(
        tax_invoices.request(
            tax_invoices.draft(
                _input(-20_000, -2_000),
                is_for_test=False,
                actor="test",
                modification={
                    "type": "CHANGE_IN_SUPPLY_COST",
                    "taxInvoiceKey": original.public_id,
                    "taxInvoiceKeyType": "TAX_INVOICE_ID",
                },
            ),
            actor="test",
        ),
        actor="partner",
    )
    TaxInvoice.objects.filter(pk=first.pk).update(status="SENDING_COMPLETED")
    second = tax_invoices.draft(
        _input(-10_000, -1_000),
        is_for_test=False,
        actor="test",
        modification={
            "type": "RETURN",
            "taxInvoiceKey": first.public_id,
            "taxInvoiceKeyType": "TAX_INVOICE_ID",
        },
    )
    assert (second.original_id, second.root_id) == (first.pk, original.pk)


@pytest.mark.django_db
def test_original_not_found(own_company, connected_partner):
    with pytest.raises(DomainError) as e:
        tax_invoices.draft(
            _input(-1_000, -100),
            is_for_test=False,
            actor="test",
            modification={"type": "RETURN", "taxInvoiceKey": "missing", "brn": OWN_BRN},
        )
    assert e.value.code == "B2B_ORIGINAL_TAX_INVOICE_NOT_FOUND"
    assert not TaxInvoice.objects.exists()
