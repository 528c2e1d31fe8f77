"""invoices.domain.documents as tables: validation, document type per supplier taxation type,
due dates (with a holiday-shifted 10th), the delay flag, the NTS due time, approval numbers and
document keys."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.errors import Invalid
from invoices.domain import documents
from invoices.domain.documents import KST
from settlements.domain.dates import BusinessCalendar

CAL = BusinessCalendar()


def doc(**overrides):
    base = {
        "taxationType": "TAXABLE",
        "totalSupplyAmount": 100_000,
        "totalTaxAmount": 10_000,
        "totalAmount": 110_000,
        "items": [
            {"supplyCostAmount": 60_000, "taxAmount": 6_000},
            {"supplyCostAmount": 40_000, "taxAmount": 4_000},
        ],
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    ("overrides", "modification"),
    [
        ({}, False),
        ({"items": []}, False),
        ({"items": [{"name": "품목만"}]}, False),  # no amounts on items: totals alone
        ({"totalTaxAmount": 10_001, "totalAmount": 110_001, "items": []}, False),  # ±1 KRW
        (
            {
                "items": [
                    {"supplyCostAmount": 33_335, "taxAmount": 3_333},  # 3,333.5 → 3,333 (lenient)
                    {"supplyCostAmount": 66_665, "taxAmount": 6_667},
                ]
            },
            False,
        ),
        (
            {
                "taxationType": "FREE",
                "totalTaxAmount": 0,
                "totalAmount": 100_000,
                "items": [{"supplyCostAmount": 100_000, "taxAmount": 0}],
            },
            False,
        ),
        (
            {
                "taxationType": "ZERO_RATED",
                "totalTaxAmount": 0,
                "totalAmount": 100_000,
                "items": [],
            },
            False,
        ),
        (
            {
                "totalSupplyAmount": -100_000,
                "totalTaxAmount": -10_000,
                "totalAmount": -110_000,
                "items": [{"supplyCostAmount": -100_000, "taxAmount": -10_000}],
            },
            True,
        ),
        ({"remarks": ["a", "b", "c"], "additionalContacts": [{"email": "x@y.z"}] * 5}, False),
        ({"items": [{"name": str(i)} for i in range(99)]}, False),
    ],
)
def test_valid(overrides, modification):
    documents.validate(doc(**overrides), is_modification=modification)


@pytest.mark.parametrize(
    ("overrides", "modification", "code", "field"),
    [
        ({"totalAmount": 110_001}, False, "INVALID_REQUEST", "totalAmount"),
        (
            {"items": [{"supplyCostAmount": 90_000, "taxAmount": 9_000}]},
            False,
            "INVALID_REQUEST",
            "totalSupplyAmount",
        ),
        (
            {"items": [{"supplyCostAmount": 100_000, "taxAmount": 9_000}]},
            False,
            "INVALID_REQUEST",
            "totalTaxAmount",
        ),
        (
            {"totalTaxAmount": 10_002, "totalAmount": 110_002, "items": []},
            False,
            "INVALID_REQUEST",
            "totalTaxAmount",
        ),
        (
            {
                "items": [
                    {"supplyCostAmount": 50_000, "taxAmount": 4_000},
                    {"supplyCostAmount": 50_000, "taxAmount": 6_000},
                ]
            },
            False,
            "INVALID_REQUEST",
            "items[0].taxAmount",
        ),
        ({"taxationType": "FREE", "items": []}, False, "INVALID_REQUEST", "totalTaxAmount"),
        ({"taxationType": "ZERO_RATED", "items": []}, False, "INVALID_REQUEST", "totalTaxAmount"),
        (
            {
                "taxationType": "FREE",
                "totalTaxAmount": 0,
                "totalAmount": 100_000,
                "items": [{"supplyCostAmount": 100_000, "taxAmount": 1}],
            },
            False,
            "INVALID_REQUEST",
            "totalTaxAmount",
        ),
        (
            {
                "totalSupplyAmount": -100_000,
                "totalTaxAmount": -10_000,
                "totalAmount": -110_000,
                "items": [],
            },
            False,
            "B2B_MODIFICATION_NOT_PROVIDED",
            "totalSupplyAmount",
        ),
        ({"cashAmount": -1}, False, "B2B_MODIFICATION_NOT_PROVIDED", "cashAmount"),
        (
            {"items": [{"supplyCostAmount": -1}]},
            False,
            "B2B_MODIFICATION_NOT_PROVIDED",
            "items[0].supplyCostAmount",
        ),
        ({"items": [{"name": str(i)} for i in range(100)]}, False, "INVALID_REQUEST", "items"),
        ({"remarks": ["a", "b", "c", "d"]}, False, "INVALID_REQUEST", "remarks"),
        (
            {"additionalContacts": [{"email": "x@y.z"}] * 6},
            False,
            "INVALID_REQUEST",
            "additionalContacts",
        ),
    ],
)
def test_refused(overrides, modification, code, field):
    with pytest.raises(Invalid) as e:
        documents.validate(doc(**overrides), is_modification=modification)
    assert e.value.code == code
    assert e.value.field == field
    assert e.value.message.startswith(field)


@pytest.mark.parametrize(
    ("supplier_type", "taxation_type", "ok", "title"),
    [
        ("NORMAL", "TAXABLE", True, "세금계산서"),
        ("NORMAL", "ZERO_RATED", True, "세금계산서"),
        ("NORMAL", "FREE", False, "계산서"),
        ("SIMPLE_TAX_INVOICE_ISSUER", "TAXABLE", True, "세금계산서"),
        ("SIMPLE_TAX_INVOICE_ISSUER", "ZERO_RATED", True, "세금계산서"),
        ("SIMPLE_TAX_INVOICE_ISSUER", "FREE", False, "계산서"),
        ("TAX_FREE", "FREE", True, "계산서"),
        ("TAX_FREE", "TAXABLE", False, "세금계산서"),
        ("TAX_FREE", "ZERO_RATED", False, "세금계산서"),
        ("SIMPLE", "TAXABLE", False, "세금계산서"),
        ("SIMPLE", "FREE", False, "계산서"),
        (None, "FREE", True, "계산서"),  # unknown taxation type: not refused
    ],
)
def test_document_type(supplier_type, taxation_type, ok, title):
    assert documents.document_title(taxation_type) == title
    if ok:
        documents.check_document_type(supplier_type, taxation_type)
    else:
        with pytest.raises(Invalid) as e:
            documents.check_document_type(supplier_type, taxation_type)
        assert e.value.code == "INVALID_REQUEST"
        assert e.value.field == ("supplier" if supplier_type == "SIMPLE" else "taxationType")


@pytest.mark.parametrize(
    ("write_date", "due"),
    [
        (date(2025, 2, 28), date(2025, 3, 10)),  # a Monday
        (date(2025, 4, 1), date(2025, 5, 12)),  # 05-10 Saturday → Monday
        (date(2024, 1, 15), date(2024, 2, 13)),  # 02-10 설날 (Sat), 02-12 대체공휴일 → Tuesday
        (date(2025, 12, 31), date(2026, 1, 12)),  # across the year; 01-10 Saturday
        (date(2025, 9, 30), date(2025, 10, 10)),  # after 추석 (10-05..09): the 10th itself
    ],
)
def test_issuance_due_date(write_date, due):
    assert documents.issuance_due_date(write_date, CAL) == due


@pytest.mark.parametrize(
    ("signed_at", "delayed"),
    [
        (datetime(2024, 2, 13, 23, 59, tzinfo=KST), False),  # the shifted due day itself
        (datetime(2024, 2, 14, 0, 0, tzinfo=KST), True),
        (datetime(2024, 2, 13, 15, 30, tzinfo=KST).astimezone(), False),
        (datetime(2024, 2, 10, 9, 0, tzinfo=KST), False),  # the calendar 10th, a holiday
        (datetime(2024, 1, 15, 9, 0, tzinfo=KST), False),
    ],
)
def test_is_delayed(signed_at, delayed):
    assert documents.is_delayed(date(2024, 1, 15), signed_at, CAL) is delayed


@pytest.mark.parametrize(
    ("issued_at", "due"),
    [
        (datetime(2025, 3, 10, 11, 0, tzinfo=KST), datetime(2025, 3, 11, 15, 0, tzinfo=KST)),
        (datetime(2025, 3, 14, 23, 0, tzinfo=KST), datetime(2025, 3, 17, 15, 0, tzinfo=KST)),  # Fri
        (
            datetime(2025, 10, 2, 10, 0, tzinfo=KST),
            datetime(2025, 10, 10, 15, 0, tzinfo=KST),
        ),  # 추석
    ],
)
def test_nts_due_at(issued_at, due):
    assert documents.nts_due_at(issued_at, CAL, 15) == due


def test_nts_approval_number():
    at = datetime(2025, 3, 10, 23, 30, tzinfo=KST)
    assert documents.nts_approval_number(at, "TAXABLE", suffix="1a2b3c4d") == (
        "20250310" + "41000000" + "1a2b3c4d"
    )
    assert documents.nts_approval_number(at, "FREE", suffix="00000000")[8:16] == "42000000"
    numbers = {documents.nts_approval_number(at, "ZERO_RATED") for _ in range(50)}
    assert len(numbers) == 50
    assert all(len(n) == 24 and n[:16] == "2025031041000000" for n in numbers)


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("ABC-123_x", True),
        ("a" * 100, True),
        ("a" * 101, False),
        ("키", False),
        ("a b", False),
        ("a/b", False),
    ],
)
def test_document_keys(key, ok):
    if ok:
        documents.check_document_key(key, "supplierDocumentKey")
    else:
        with pytest.raises(Invalid):
            documents.check_document_key(key, "supplierDocumentKey")


def test_auto_document_key():
    assert documents.document_key("01J0ABC", "SUPPLIER") == "01J0ABC-S"
    assert documents.document_key("01J0ABC", "RECIPIENT") == "01J0ABC-R"
    assert documents.DOCUMENT_KEY_RE.match(documents.document_key("01J0ABC", "RECIPIENT"))
