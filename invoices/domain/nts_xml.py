"""The NTS standard e-tax-invoice XML (전자세금계산서 표준 XML, KEC/국세청) of one invoice
(docs/invoices.md#transmission). Pure: a plain `NtsInvoice` in, UTF-8 bytes out; no Django, no
I/O. `invoices/schemas/nts_taxinvoice.xsd` describes what this writes (the tests validate every
document against it).

The structure follows the published standard (root `TaxInvoice` in the namespace below):

    TaxInvoice
      ExchangedDocument: IssueDateTime (발행일시, yyyyMMddHHmmss KST)
      TaxInvoiceDocument: IssueID (승인번호, 24), TypeCode, DescriptionText (비고, ≤ 3),
        IssueDateTime (작성일자, yyyyMMdd), AmendmentStatusCode (수정사유), PurposeCode
        (영수/청구), OriginalIssueID (당초 승인번호)
      TaxInvoiceTradeSettlement
        InvoicerParty (공급자): ID, TypeCode (업태), NameText, ClassificationCode (종목),
          SpecifiedOrganization/TaxRegistrationID (종사업장), SpecifiedPerson/NameText
          (대표자), DefinedContact, SpecifiedAddress/LineOneText
        InvoiceeParty (공급받는자): as above, SpecifiedOrganization/BusinessTypeCode
          (01 사업자등록번호), PrimaryDefinedContact, SecondaryDefinedContact
        SpecifiedPaymentMeans*: TypeCode (10 현금, 20 수표, 30 어음, 40 외상미수금),
          PaidAmount
        SpecifiedMonetarySummation: ChargeTotalAmount, TaxTotalAmount, GrandTotalAmount
      TaxInvoiceTradeLineItem*: SequenceNumeric, DescriptionText, InvoiceAmount,
        ChargeableUnitQuantity, InformationText (규격), NameText, PurchaseExpiryDateTime
        (공급일자), TotalTax/CalculatedAmount, UnitPrice/UnitAmount

Document type (TypeCode, 4 digits: kind + variant):

    세금계산서 TAXABLE      0101 일반        수정 0201
    세금계산서 ZERO_RATED   0102 영세율      수정 0202
    계산서     FREE         0301 일반        수정 0401

AmendmentStatusCode (수정사유, modifications only): 01 기재사항 착오·정정, 02 공급가액 변동,
03 환입, 04 계약의 해제, 05 내국신용장 사후 개설, 06 착오에 의한 이중발급.
PurposeCode: 01 영수 (RECEIPT), 02 청구 (INVOICE), 03 없음 (NONE).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

NAMESPACE = "urn:kr:or:kec:standard:Tax:ReusableAggregateBusinessInformationEntitySchemaModule:1:0"
SCHEMA_LOCATION = "http://www.kec.or.kr/standard/Tax/TaxInvoiceSchemaModule_1.0.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
KST = ZoneInfo("Asia/Seoul")

#: (taxationType, is_modification) -> TypeCode
TYPE_CODES: dict[tuple[str, bool], str] = {
    ("TAXABLE", False): "0101",
    ("ZERO_RATED", False): "0102",
    ("FREE", False): "0301",
    ("TAXABLE", True): "0201",
    ("ZERO_RATED", True): "0202",
    ("FREE", True): "0401",
}

AMENDMENT_CODES: dict[str, str] = {
    "CORRECTION_OF_ENTRY_ERRORS": "01",
    "CHANGE_IN_SUPPLY_COST": "02",
    "RETURN": "03",
    "CANCELLATION_OF_CONTRACT": "04",
    "LOCAL_LETTER_OF_CREDIT_OPENED_LATE": "05",
    "DUPLICATE_ISSUANCE_DUE_TO_ERROR": "06",
}

PURPOSE_CODES: dict[str, str] = {"RECEIPT": "01", "INVOICE": "02", "NONE": "03"}

#: B2bTaxInvoice field -> SpecifiedPaymentMeans/TypeCode
PAYMENT_MEANS: tuple[tuple[str, str], ...] = (
    ("cash_amount", "10"),
    ("check_amount", "20"),
    ("note_amount", "30"),
    ("credit_amount", "40"),
)

MAX_ITEMS = 99
MAX_REMARKS = 3


@dataclass(frozen=True)
class NtsInvoice:
    """What the document says, in plain values. `supplier` / `recipient` are the invoice's party
    snapshots (B2bTaxInvoiceCompany, camelCase: brn, taxRegistrationId, name, representativeName,
    address, businessType, businessClass, contact {name, department, phoneNumber, email});
    `items` are B2bTaxInvoiceItem dicts (purchaseDate, name, spec, quantity, unitCostAmount,
    supplyCostAmount, taxAmount, remark; quantity and unit cost as the SDK's Decimal
    `{value, scale}` or a plain number)."""

    approval_number: str
    issued_at: datetime
    write_date: date
    taxation_type: str
    purpose_type: str
    supplier: Mapping[str, Any]
    recipient: Mapping[str, Any]
    total_supply_amount: int
    total_tax_amount: int
    total_amount: int
    items: Sequence[Mapping[str, Any]] = ()
    remarks: Sequence[str] = ()
    modification_type: str | None = None
    original_approval_number: str | None = None
    cash_amount: int | None = None
    check_amount: int | None = None
    note_amount: int | None = None
    credit_amount: int | None = None
    #: a second recipient contact (SecondaryDefinedContact): the first additional contact
    secondary_contact: Mapping[str, Any] | None = None

    @property
    def is_modification(self) -> bool:
        return bool(self.modification_type)


def type_code(taxation_type: str, *, is_modification: bool) -> str:
    try:
        return TYPE_CODES[(taxation_type, is_modification)]
    except KeyError:
        raise ValueError(f"no NTS document type for taxationType {taxation_type!r}") from None


def decimal_text(value: Any) -> str | None:
    """The SDK's Decimal `{value, scale}` (value × 10^-scale), a number or a numeric string, as
    the plain decimal the standard writes ("1", "2.5", "-3.25"); None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, Mapping):
        raw = value.get("value")
        if raw is None:
            return None
        number = Decimal(int(raw)).scaleb(-int(value.get("scale") or 0))
    elif isinstance(value, bool):
        raise ValueError(f"not a decimal: {value!r}")
    else:
        number = Decimal(str(value))
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _date8(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(KST).strftime("%Y%m%d")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    text = str(value).strip()
    digits = text.replace("-", "")
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError(f"not a date: {value!r}")
    return digits


def _sub(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
    if text is not None:
        el.text = str(text)
    return el


def _opt(parent: ET.Element, tag: str, text: Any) -> None:
    if text not in (None, ""):
        _sub(parent, tag, text)


def _contact(parent: ET.Element, tag: str, contact: Mapping[str, Any] | None) -> None:
    contact = contact or {}
    values = (
        ("DepartmentNameText", contact.get("department")),
        ("PersonNameText", contact.get("name")),
        ("TelephoneCommunication", contact.get("phoneNumber") or contact.get("mobilePhoneNumber")),
        ("URICommunication", contact.get("email")),
    )
    if not any(v for _, v in values):
        return
    el = _sub(parent, tag)
    for name, value in values:
        _opt(el, name, value)


def _party(
    parent: ET.Element, tag: str, party: Mapping[str, Any], *, invoicee: bool, secondary=None
) -> None:
    el = _sub(parent, tag)
    brn = str(party.get("brn") or "")
    if not brn:
        raise ValueError(f"{tag}: brn is required")
    _sub(el, "ID", brn)
    _opt(el, "TypeCode", party.get("businessType"))
    _sub(el, "NameText", party.get("name") or "")
    _opt(el, "ClassificationCode", party.get("businessClass"))
    registration = party.get("taxRegistrationId")
    if invoicee:
        org = _sub(el, "SpecifiedOrganization")
        _opt(org, "TaxRegistrationID", registration)
        # 01 사업자등록번호, 02 주민등록번호, 03 외국인: our recipients are businesses
        _sub(org, "BusinessTypeCode", "01" if len(brn) == 10 else "02")
    elif registration:
        org = _sub(el, "SpecifiedOrganization")
        _sub(org, "TaxRegistrationID", registration)
    person = _sub(el, "SpecifiedPerson")
    _sub(person, "NameText", party.get("representativeName") or "")
    if invoicee:
        _contact(el, "PrimaryDefinedContact", party.get("contact"))
        _contact(el, "SecondaryDefinedContact", secondary)
    else:
        _contact(el, "DefinedContact", party.get("contact"))
    if party.get("address"):
        address = _sub(el, "SpecifiedAddress")
        _sub(address, "LineOneText", party["address"])


def _line_item(parent: ET.Element, number: int, item: Mapping[str, Any], write_date) -> None:
    el = _sub(parent, "TaxInvoiceTradeLineItem")
    _sub(el, "SequenceNumeric", number)
    _opt(el, "DescriptionText", item.get("remark"))
    _sub(el, "InvoiceAmount", int(item.get("supplyCostAmount") or 0))
    _opt(el, "ChargeableUnitQuantity", decimal_text(item.get("quantity")))
    _opt(el, "InformationText", item.get("spec"))
    _opt(el, "NameText", item.get("name"))
    _sub(el, "PurchaseExpiryDateTime", _date8(item.get("purchaseDate") or write_date))
    tax = item.get("taxAmount")
    if tax is not None:
        _sub(_sub(el, "TotalTax"), "CalculatedAmount", int(tax))
    unit = decimal_text(item.get("unitCostAmount"))
    if unit is not None:
        _sub(_sub(el, "UnitPrice"), "UnitAmount", unit)


def build(doc: NtsInvoice) -> bytes:
    """The document as UTF-8 XML bytes (with the XML declaration). Raises ValueError when the
    invoice cannot be written (no approval number, an unknown taxation type, > 99 items)."""
    if not doc.approval_number:
        raise ValueError("the NTS approval number (IssueID) is required")
    if len(doc.items) > MAX_ITEMS:
        raise ValueError(f"at most {MAX_ITEMS} items")
    ET.register_namespace("", NAMESPACE)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(f"{{{NAMESPACE}}}TaxInvoice")
    root.set(f"{{{XSI}}}schemaLocation", f"{NAMESPACE} {SCHEMA_LOCATION}")

    exchanged = _sub(root, "ExchangedDocument")
    _sub(exchanged, "IssueDateTime", doc.issued_at.astimezone(KST).strftime("%Y%m%d%H%M%S"))

    document = _sub(root, "TaxInvoiceDocument")
    _sub(document, "IssueID", doc.approval_number)
    _sub(document, "TypeCode", type_code(doc.taxation_type, is_modification=doc.is_modification))
    for remark in list(doc.remarks)[:MAX_REMARKS]:
        _opt(document, "DescriptionText", remark)
    _sub(document, "IssueDateTime", _date8(doc.write_date))
    if doc.is_modification:
        code = AMENDMENT_CODES.get(doc.modification_type or "")
        if code is None:
            raise ValueError(f"unknown modification type {doc.modification_type!r}")
        _sub(document, "AmendmentStatusCode", code)
    _sub(document, "PurposeCode", PURPOSE_CODES.get(doc.purpose_type, "03"))
    if doc.is_modification:
        _opt(document, "OriginalIssueID", doc.original_approval_number)

    settlement = _sub(root, "TaxInvoiceTradeSettlement")
    _party(settlement, "InvoicerParty", doc.supplier, invoicee=False)
    _party(
        settlement,
        "InvoiceeParty",
        doc.recipient,
        invoicee=True,
        secondary=doc.secondary_contact,
    )
    for attr, code in PAYMENT_MEANS:
        amount = getattr(doc, attr)
        if amount:
            means = _sub(settlement, "SpecifiedPaymentMeans")
            _sub(means, "TypeCode", code)
            _sub(means, "PaidAmount", int(amount))
    summation = _sub(settlement, "SpecifiedMonetarySummation")
    _sub(summation, "ChargeTotalAmount", int(doc.total_supply_amount))
    _sub(summation, "TaxTotalAmount", int(doc.total_tax_amount))
    _sub(summation, "GrandTotalAmount", int(doc.total_amount))

    for number, item in enumerate(doc.items, start=1):
        _line_item(root, number, item, doc.write_date)

    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def file_name(doc: NtsInvoice) -> str:
    """One file per invoice: `<승인번호>.xml`."""
    return f"{doc.approval_number}.xml"
