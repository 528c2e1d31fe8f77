"""The NTS standard e-tax-invoice XML (docs/invoices.md#transmission): the documents of a taxable,
a zero-rated, a tax-free (계산서) invoice, a modification with negative amounts and one of 99
items all validate against invoices/schemas/nts_taxinvoice.xsd; values land where the standard
puts them; a broken document does not validate; the export adapter writes one file per
invoice."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from invoices.domain import nts_xml
from invoices.domain.nts_xml import NtsInvoice, build, decimal_text
from invoices.providers.nts import ExportNtsProvider

XSD = Path(__file__).resolve().parents[2] / "invoices" / "schemas" / "nts_taxinvoice.xsd"
SCHEMA = etree.XMLSchema(etree.parse(str(XSD)))
NS = {"t": nts_xml.NAMESPACE}
APPROVAL = "20260310410000001a2b3c4d"

SUPPLIER = {
    "brn": "2148812345",
    "taxRegistrationId": "0001",
    "name": "주식회사 파트너",
    "representativeName": "이파트너",
    "address": "서울특별시 마포구 1",
    "businessType": "서비스",
    "businessClass": "소프트웨어 개발",
    "contact": {
        "name": "이담당",
        "department": "영업팀",
        "phoneNumber": "02-123-4567",
        "email": "partner@partner.test",
    },
}
RECIPIENT = {
    "brn": "1208800767",
    "name": "주식회사 플랫폼",
    "representativeName": "김대표",
    "address": "서울특별시 강남구 테헤란로 1",
    "businessType": "서비스",
    "businessClass": "전자상거래",
    "contact": {"name": "정산팀", "email": "finance@platform.test"},
}


def invoice(**overrides) -> NtsInvoice:
    values = {
        "approval_number": APPROVAL,
        # 2026-03-10 01:02:03 UTC = 10:02:03 KST
        "issued_at": datetime(2026, 3, 10, 1, 2, 3, tzinfo=UTC),
        "write_date": date(2026, 3, 9),
        "taxation_type": "TAXABLE",
        "purpose_type": "RECEIPT",
        "supplier": copy.deepcopy(SUPPLIER),
        "recipient": copy.deepcopy(RECIPIENT),
        "total_supply_amount": 1_500_000,
        "total_tax_amount": 150_000,
        "total_amount": 1_650_000,
        "items": [
            {
                "purchaseDate": "2026-03-01",
                "name": "3월 판매 수수료",
                "spec": "건",
                "quantity": {"value": 3, "scale": 0},
                "unitCostAmount": {"value": 500000, "scale": 0},
                "supplyCostAmount": 1_500_000,
                "taxAmount": 150_000,
                "remark": "정기",
            }
        ],
        "remarks": ["3월분"],
    }
    values.update(overrides)
    return NtsInvoice(**values)


def parse(doc: NtsInvoice):
    body = build(doc)
    assert body.startswith(b"<?xml")
    root = etree.fromstring(body)
    SCHEMA.assertValid(root)
    return root


def text(root, path: str) -> str | None:
    found = root.find(path, NS)
    return None if found is None else found.text


def test_a_taxable_invoice_writes_every_value_where_the_standard_puts_it():
    root = parse(invoice(cash_amount=650_000, credit_amount=1_000_000))
    assert root.tag == f"{{{nts_xml.NAMESPACE}}}TaxInvoice"
    assert text(root, "t:ExchangedDocument/t:IssueDateTime") == "20260310100203"  # KST
    assert text(root, "t:TaxInvoiceDocument/t:IssueID") == APPROVAL
    assert text(root, "t:TaxInvoiceDocument/t:TypeCode") == "0101"
    assert text(root, "t:TaxInvoiceDocument/t:IssueDateTime") == "20260309"
    assert text(root, "t:TaxInvoiceDocument/t:PurposeCode") == "01"
    assert text(root, "t:TaxInvoiceDocument/t:DescriptionText") == "3월분"
    assert root.find("t:TaxInvoiceDocument/t:AmendmentStatusCode", NS) is None

    invoicer = "t:TaxInvoiceTradeSettlement/t:InvoicerParty/"
    assert text(root, invoicer + "t:ID") == "2148812345"
    assert text(root, invoicer + "t:TypeCode") == "서비스"
    assert text(root, invoicer + "t:NameText") == "주식회사 파트너"
    assert text(root, invoicer + "t:ClassificationCode") == "소프트웨어 개발"
    assert text(root, invoicer + "t:SpecifiedOrganization/t:TaxRegistrationID") == "0001"
    assert text(root, invoicer + "t:SpecifiedPerson/t:NameText") == "이파트너"
    assert text(root, invoicer + "t:DefinedContact/t:DepartmentNameText") == "영업팀"
    assert text(root, invoicer + "t:DefinedContact/t:PersonNameText") == "이담당"
    assert text(root, invoicer + "t:DefinedContact/t:TelephoneCommunication") == "02-123-4567"
    assert text(root, invoicer + "t:DefinedContact/t:URICommunication") == "partner@partner.test"
    assert text(root, invoicer + "t:SpecifiedAddress/t:LineOneText") == "서울특별시 마포구 1"

    invoicee = "t:TaxInvoiceTradeSettlement/t:InvoiceeParty/"
    assert text(root, invoicee + "t:ID") == "1208800767"
    assert text(root, invoicee + "t:NameText") == "주식회사 플랫폼"
    assert text(root, invoicee + "t:SpecifiedOrganization/t:BusinessTypeCode") == "01"
    assert root.find(invoicee + "t:SpecifiedOrganization/t:TaxRegistrationID", NS) is None
    assert text(root, invoicee + "t:SpecifiedPerson/t:NameText") == "김대표"
    assert text(root, invoicee + "t:PrimaryDefinedContact/t:URICommunication") == (
        "finance@platform.test"
    )

    means = root.findall("t:TaxInvoiceTradeSettlement/t:SpecifiedPaymentMeans", NS)
    assert [(text(m, "t:TypeCode"), text(m, "t:PaidAmount")) for m in means] == [
        ("10", "650000"),
        ("40", "1000000"),
    ]
    summation = "t:TaxInvoiceTradeSettlement/t:SpecifiedMonetarySummation/"
    assert text(root, summation + "t:ChargeTotalAmount") == "1500000"
    assert text(root, summation + "t:TaxTotalAmount") == "150000"
    assert text(root, summation + "t:GrandTotalAmount") == "1650000"

    (item,) = root.findall("t:TaxInvoiceTradeLineItem", NS)
    assert [child.tag.split("}")[1] for child in item] == [
        "SequenceNumeric",
        "DescriptionText",
        "InvoiceAmount",
        "ChargeableUnitQuantity",
        "InformationText",
        "NameText",
        "PurchaseExpiryDateTime",
        "TotalTax",
        "UnitPrice",
    ]
    assert text(item, "t:SequenceNumeric") == "1"
    assert text(item, "t:PurchaseExpiryDateTime") == "20260301"
    assert text(item, "t:NameText") == "3월 판매 수수료"
    assert text(item, "t:InformationText") == "건"
    assert text(item, "t:ChargeableUnitQuantity") == "3"
    assert text(item, "t:UnitPrice/t:UnitAmount") == "500000"
    assert text(item, "t:InvoiceAmount") == "1500000"
    assert text(item, "t:TotalTax/t:CalculatedAmount") == "150000"
    assert text(item, "t:DescriptionText") == "정기"


def test_a_zero_rated_invoice_is_type_0102_with_no_tax():
    root = parse(
        invoice(
            taxation_type="ZERO_RATED",
            purpose_type="INVOICE",
            total_tax_amount=0,
            total_amount=1_500_000,
            items=[{"name": "수출 용역", "supplyCostAmount": 1_500_000, "taxAmount": 0}],
        )
    )
    assert text(root, "t:TaxInvoiceDocument/t:TypeCode") == "0102"
    assert text(root, "t:TaxInvoiceDocument/t:PurposeCode") == "02"
    summation = "t:TaxInvoiceTradeSettlement/t:SpecifiedMonetarySummation/"
    assert text(root, summation + "t:TaxTotalAmount") == "0"
    # an item without a purchase date is dated with the write date
    assert text(root, "t:TaxInvoiceTradeLineItem/t:PurchaseExpiryDateTime") == "20260309"


def test_a_tax_free_invoice_is_a_0301_계산서_without_tax_lines():
    root = parse(
        invoice(
            taxation_type="FREE",
            purpose_type="NONE",
            total_tax_amount=0,
            total_amount=1_500_000,
            items=[{"name": "도서", "supplyCostAmount": 1_500_000}],
        )
    )
    assert text(root, "t:TaxInvoiceDocument/t:TypeCode") == "0301"
    assert text(root, "t:TaxInvoiceDocument/t:PurposeCode") == "03"
    assert root.find("t:TaxInvoiceTradeLineItem/t:TotalTax", NS) is None


def test_a_modification_with_negative_amounts_names_its_reason_and_original():
    root = parse(
        invoice(
            modification_type="CANCELLATION_OF_CONTRACT",
            original_approval_number="20260210410000009z8y7x6w",
            total_supply_amount=-1_500_000,
            total_tax_amount=-150_000,
            total_amount=-1_650_000,
            items=[
                {
                    "name": "계약 해제",
                    "quantity": {"value": -1},
                    "unitCostAmount": {"value": 150000025, "scale": 2},
                    "supplyCostAmount": -1_500_000,
                    "taxAmount": -150_000,
                }
            ],
        )
    )
    assert text(root, "t:TaxInvoiceDocument/t:TypeCode") == "0201"
    assert text(root, "t:TaxInvoiceDocument/t:AmendmentStatusCode") == "04"
    assert text(root, "t:TaxInvoiceDocument/t:OriginalIssueID") == "20260210410000009z8y7x6w"
    summation = "t:TaxInvoiceTradeSettlement/t:SpecifiedMonetarySummation/"
    assert text(root, summation + "t:ChargeTotalAmount") == "-1500000"
    assert text(root, summation + "t:GrandTotalAmount") == "-1650000"
    assert text(root, "t:TaxInvoiceTradeLineItem/t:ChargeableUnitQuantity") == "-1"
    assert text(root, "t:TaxInvoiceTradeLineItem/t:UnitPrice/t:UnitAmount") == "1500000.25"
    assert text(root, "t:TaxInvoiceTradeLineItem/t:TotalTax/t:CalculatedAmount") == "-150000"


@pytest.mark.parametrize(
    ("taxation", "reason", "type_code", "amendment"),
    [
        ("TAXABLE", "CORRECTION_OF_ENTRY_ERRORS", "0201", "01"),
        ("TAXABLE", "CHANGE_IN_SUPPLY_COST", "0201", "02"),
        ("TAXABLE", "RETURN", "0201", "03"),
        ("ZERO_RATED", "LOCAL_LETTER_OF_CREDIT_OPENED_LATE", "0202", "05"),
        ("TAXABLE", "DUPLICATE_ISSUANCE_DUE_TO_ERROR", "0201", "06"),
        ("FREE", "RETURN", "0401", "03"),
    ],
)
def test_modification_codes(taxation, reason, type_code, amendment):
    root = parse(
        invoice(
            taxation_type=taxation,
            modification_type=reason,
            original_approval_number="20260210410000009z8y7x6w",
            total_tax_amount=0,
            total_amount=1_500_000,
            items=[],
        )
    )
    assert text(root, "t:TaxInvoiceDocument/t:TypeCode") == type_code
    assert text(root, "t:TaxInvoiceDocument/t:AmendmentStatusCode") == amendment


def test_ninety_nine_items_validate_in_order_and_a_hundredth_is_refused():
    items = [
        {"name": f"품목 {n}", "supplyCostAmount": 10_000, "taxAmount": 1_000, "quantity": "1"}
        for n in range(1, 100)
    ]
    root = parse(
        invoice(
            items=items,
            total_supply_amount=990_000,
            total_tax_amount=99_000,
            total_amount=1_089_000,
        )
    )
    lines = root.findall("t:TaxInvoiceTradeLineItem", NS)
    assert [text(line, "t:SequenceNumeric") for line in lines] == [str(n) for n in range(1, 100)]
    assert text(lines[98], "t:NameText") == "품목 99"
    with pytest.raises(ValueError, match="99"):
        build(invoice(items=[*items, items[0]]))


def test_a_secondary_recipient_contact_and_a_branch_number():
    recipient = {**RECIPIENT, "taxRegistrationId": "0002"}
    root = parse(
        invoice(recipient=recipient, secondary_contact={"name": "회계", "email": "acc@p.test"})
    )
    invoicee = "t:TaxInvoiceTradeSettlement/t:InvoiceeParty/"
    assert text(root, invoicee + "t:SpecifiedOrganization/t:TaxRegistrationID") == "0002"
    assert text(root, invoicee + "t:SecondaryDefinedContact/t:URICommunication") == "acc@p.test"


def _broken(mutate) -> bool:
    root = etree.fromstring(build(invoice()))
    mutate(root)
    return SCHEMA.validate(root)


def test_broken_documents_do_not_validate():
    def drop_type_code(root):
        doc = root.find("t:TaxInvoiceDocument", NS)
        doc.remove(doc.find("t:TypeCode", NS))

    def unknown_type_code(root):
        root.find("t:TaxInvoiceDocument/t:TypeCode", NS).text = "0999"

    def fractional_amount(root):
        root.find(
            "t:TaxInvoiceTradeSettlement/t:SpecifiedMonetarySummation/t:ChargeTotalAmount", NS
        ).text = "1500000.5"

    def swapped_parties(root):
        settlement = root.find("t:TaxInvoiceTradeSettlement", NS)
        invoicer = settlement.find("t:InvoicerParty", NS)
        settlement.remove(invoicer)
        settlement.insert(1, invoicer)

    def short_brn(root):
        root.find("t:TaxInvoiceTradeSettlement/t:InvoicerParty/t:ID", NS).text = "12345"

    def bad_write_date(root):
        root.find("t:TaxInvoiceDocument/t:IssueDateTime", NS).text = "2026-03-09"

    def foreign_element(root):
        etree.SubElement(root.find("t:TaxInvoiceDocument", NS), f"{{{nts_xml.NAMESPACE}}}Memo")

    for mutate in (
        drop_type_code,
        unknown_type_code,
        fractional_amount,
        swapped_parties,
        short_brn,
        bad_write_date,
        foreign_element,
    ):
        assert _broken(mutate) is False, mutate.__name__
    assert _broken(lambda root: None) is True


def test_what_cannot_be_written_is_refused():
    with pytest.raises(ValueError, match="approval"):
        build(invoice(approval_number=""))
    with pytest.raises(ValueError, match="taxationType"):
        build(invoice(taxation_type="OTHER"))
    with pytest.raises(ValueError, match="modification"):
        build(invoice(modification_type="WHATEVER"))


def test_decimal_text():
    assert decimal_text({"value": 25, "scale": 1}) == "2.5"
    assert decimal_text({"value": 300, "scale": 2}) == "3"
    assert decimal_text({"value": -325, "scale": 2}) == "-3.25"
    assert decimal_text("1") == "1"
    assert decimal_text(2) == "2"
    assert decimal_text(None) is None


def test_the_export_adapter_writes_one_valid_file_per_invoice(tmp_path):
    provider = ExportNtsProvider(tmp_path / "nts")
    now = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
    first = invoice()
    second = invoice(approval_number="20260310410000002b3c4d5e", taxation_type="FREE")
    report = provider.submit(first, now=now)
    provider.submit(second, now=now)
    assert report.status == "BEFORE_SENDING" and report.next_check_at == now
    files = sorted(p.name for p in (tmp_path / "nts").iterdir())
    assert files == [f"{APPROVAL}.xml", "20260310410000002b3c4d5e.xml"]
    for name in files:
        SCHEMA.assertValid(etree.parse(str(tmp_path / "nts" / name)))
    root = etree.parse(str(tmp_path / "nts" / files[1])).getroot()
    assert text(root, "t:TaxInvoiceDocument/t:TypeCode") == "0301"
    # the walk after the hand-over is immediate; the file is the transmission
    assert provider.progress(first, "BEFORE_SENDING", now=now).status == "WAITING_SENDING"
    assert provider.progress(first, "WAITING_SENDING", now=now).status == "SENDING"
    done = provider.progress(first, "SENDING", now=now)
    assert (done.status, done.result_code) == ("SENDING_COMPLETED", "SUC001")
    assert APPROVAL in done.result
