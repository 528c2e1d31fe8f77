"""Input of the tax-invoice writes (SDK 0.21.0): B2bTaxInvoiceInput and its parts, the
modification, and the body of each write endpoint. camelCase names as the SDK sends them;
amounts are int64 KRW; a `Decimal` is `{value, scale 0..2}`."""

from __future__ import annotations

from rest_framework import serializers

from core.inputs import INT64
from invoices.domain.documents import (
    DOCUMENT_KEY_MAX_LENGTH,
    MAX_ADDITIONAL_CONTACTS,
    MAX_ITEMS,
    MAX_REMARKS,
)
from invoices.domain.statuses import IssuanceType, ModificationType, PurposeType, TaxationType

KEY_TYPES = ("TAX_INVOICE_ID", "SUPPLIER", "RECIPIENT")
DATE = {"format": "%Y-%m-%d", "input_formats": ["%Y-%m-%d"]}


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


class DocumentKeyField(serializers.RegexField):
    def __init__(self, **kwargs):
        super().__init__(
            r"^[A-Za-z0-9_-]+$",
            max_length=DOCUMENT_KEY_MAX_LENGTH,
            error_messages={"invalid": "영문 대소문자, 숫자, '-', '_'만 쓸 수 있습니다."},
            **kwargs,
        )


class BrnField(serializers.CharField):
    """10 digits; `-` removed."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data).replace("-", "").strip()
        if len(value) != 10 or not value.isdigit():
            raise serializers.ValidationError("사업자등록번호는 10자리 숫자입니다.")
        return value


class DecimalInput(serializers.Serializer):
    """SDK `Decimal`: value × 10^-scale."""

    value = serializers.IntegerField(**INT64)
    scale = serializers.IntegerField(min_value=0, max_value=2, required=False)


class ContactInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = _text(100)
    department = _text(100)
    phoneNumber = _text(30)
    mobilePhoneNumber = _text(30)


class CompanyInput(serializers.Serializer):
    """B2bTaxInvoiceCompany: give `brn` or `counterpartyId`; the rest is filled from it."""

    brn = BrnField(required=False)
    counterpartyId = serializers.CharField(max_length=100, required=False)
    taxRegistrationId = serializers.RegexField(
        r"^[0-9]{4}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "종사업장 번호는 4자리 숫자입니다."},
    )
    name = _text(200)
    representativeName = _text(100)
    address = _text(300)
    businessType = _text(100)
    businessClass = _text(100)
    contact = ContactInput(required=False)


class ItemInput(serializers.Serializer):
    purchaseDate = serializers.DateField(required=False, **DATE)
    name = _text(100)
    spec = _text(100)
    quantity = DecimalInput(required=False)
    unitCostAmount = DecimalInput(required=False)
    supplyCostAmount = serializers.IntegerField(required=False, **INT64)
    taxAmount = serializers.IntegerField(required=False, **INT64)
    remark = _text(100)


class AdditionalContactInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = _text(100)
    phoneNumber = _text(30)


class TaxInvoiceInput(serializers.Serializer):
    """B2bTaxInvoiceInput."""

    taxationType = serializers.ChoiceField(choices=[t.value for t in TaxationType])
    writeDate = serializers.DateField(**DATE)
    purposeType = serializers.ChoiceField(choices=[p.value for p in PurposeType])
    totalSupplyAmount = serializers.IntegerField(**INT64)
    totalTaxAmount = serializers.IntegerField(**INT64)
    totalAmount = serializers.IntegerField(**INT64)
    recipient = CompanyInput()
    issuanceType = serializers.ChoiceField(choices=[t.value for t in IssuanceType], required=False)
    serialNumber = _text(30)
    bookVolume = serializers.IntegerField(min_value=0, max_value=9999, required=False)
    bookIssue = serializers.IntegerField(min_value=0, max_value=9999, required=False)
    cashAmount = serializers.IntegerField(required=False, **INT64)
    checkAmount = serializers.IntegerField(required=False, **INT64)
    creditAmount = serializers.IntegerField(required=False, **INT64)
    noteAmount = serializers.IntegerField(required=False, **INT64)
    remarks = serializers.ListField(
        child=serializers.CharField(max_length=150, allow_blank=True),
        required=False,
        max_length=MAX_REMARKS,
    )
    supplierDocumentKey = DocumentKeyField(required=False)
    supplier = CompanyInput(required=False)
    recipientDocumentKey = DocumentKeyField(required=False)
    sendSms = serializers.BooleanField(required=False)
    items = serializers.ListField(child=ItemInput(), required=False, max_length=MAX_ITEMS)
    additionalContacts = serializers.ListField(
        child=AdditionalContactInput(), required=False, max_length=MAX_ADDITIONAL_CONTACTS
    )
    useCounterpartyAdditionalContacts = serializers.BooleanField(required=False)


class ModificationInput(serializers.Serializer):
    """B2bTaxInvoiceModificationCreateBody; the key type defaults to RECIPIENT
    (docs/invoices.md#addressing)."""

    type = serializers.ChoiceField(choices=[t.value for t in ModificationType])
    taxInvoiceKey = serializers.CharField(max_length=100)
    brn = BrnField(required=False)
    taxInvoiceKeyType = serializers.ChoiceField(choices=KEY_TYPES, required=False)

    def validate(self, attrs):
        key_type = attrs.get("taxInvoiceKeyType") or "RECIPIENT"
        if key_type != "TAX_INVOICE_ID" and not attrs.get("brn"):
            raise serializers.ValidationError(
                {"brn": f"taxInvoiceKeyType이 {key_type}이면 사업자등록번호가 필요합니다."}
            )
        return attrs


class DraftBody(serializers.Serializer):
    """DraftB2bTaxInvoiceBody."""

    taxInvoice = TaxInvoiceInput()
    modification = ModificationInput(required=False)
    memo = serializers.CharField(max_length=500, required=False, allow_blank=True)
    createRecipientCounterparty = serializers.BooleanField(required=False)


class IssueImmediatelyBody(DraftBody):
    """IssueB2bTaxInvoiceImmediatelyBody."""


class RequestReverseIssuanceBody(serializers.Serializer):
    """RequestB2bTaxInvoiceReverseIssuanceBody."""

    taxInvoice = TaxInvoiceInput()
    memo = serializers.CharField(max_length=500, required=False, allow_blank=True)
    modification = ModificationInput(required=False)


class UpdateDraftBody(serializers.Serializer):
    """UpdateB2bTaxInvoiceDraftBody; the key type defaults to RECIPIENT
    (docs/invoices.md#addressing)."""

    taxInvoiceKey = serializers.CharField(max_length=100)
    taxInvoice = TaxInvoiceInput()
    brn = BrnField(required=False)
    taxInvoiceKeyType = serializers.ChoiceField(choices=KEY_TYPES, required=False)
    memo = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs):
        key_type = attrs.get("taxInvoiceKeyType") or "RECIPIENT"
        if key_type != "TAX_INVOICE_ID" and not attrs.get("brn"):
            raise serializers.ValidationError(
                {"brn": f"taxInvoiceKeyType이 {key_type}이면 사업자등록번호가 필요합니다."}
            )
        return attrs


class MemoBody(serializers.Serializer):
    """Refuse / cancel-request / cancel-issuance: `{memo?}`."""

    memo = serializers.CharField(max_length=500, required=False, allow_blank=True)


class IssueBody(MemoBody):
    """IssueB2bTaxInvoiceBody: `{memo?, emailSubject?}`."""

    emailSubject = serializers.CharField(max_length=300, required=False, allow_blank=True)


class FileUploadUrlBody(serializers.Serializer):
    """CreateB2bFileUploadUrlBody."""

    fileName = serializers.CharField(max_length=255)


class AttachFileBody(serializers.Serializer):
    """AttachB2bTaxInvoiceFileBody."""

    fileId = serializers.CharField(max_length=40)
