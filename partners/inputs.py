"""Input schemas of partners (the SDK's camelCase names) and `partner_change`, which turns their
validated data into the service's typed input (partners.services.partners.PartnerChange).

Every entry point that creates or changes partners validates through these: the API, the partner
spreadsheet (partners.files, through the compiled fast path of `PartnerCreateInput`) and the
admin. Nothing here reads or writes the database.

Updates are PATCHes at every depth: the SDK's update types make every field optional, so an
update may give part of `contact`, `account` or the type details, and only the given fields
change (the service merges them into the current ones).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.inputs import OneOf, choice_list, string_list
from core.iterables import unique_list
from partners.domain.banks import BANK_LABELS
from partners.domain.brn import is_valid_brn, normalize_brn
from partners.models import (
    AccountStatus,
    BusinessStatus,
    ConnectionStatus,
    PartnerType,
    TaxationType,
)
from partners.services.partners import PartnerChange


class Patchable(serializers.Serializer):
    """An input object an update may give in part: with `patch=True` each of its own fields is
    optional."""

    def __init__(self, *args: Any, patch: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if patch:
            for field in self.fields.values():
                field.required = False


class ContactInput(Patchable):
    name = serializers.CharField(max_length=100)
    email = serializers.EmailField()
    phoneNumber = serializers.CharField(max_length=30, required=False)


class AccountInput(Patchable):
    bank = serializers.ChoiceField(choices=list(BANK_LABELS))
    currency = serializers.CharField(max_length=3)
    number = serializers.RegexField(
        r"^[0-9-]{6,30}$", error_messages={"invalid": "숫자와 하이픈(-)만 6~30자로 입력하세요."}
    )
    holder = serializers.CharField(max_length=100)
    accountVerificationId = serializers.CharField(required=False)


class BrnField(serializers.CharField):
    def to_internal_value(self, data):
        value = normalize_brn(super().to_internal_value(data))
        if not is_valid_brn(value):
            raise serializers.ValidationError(
                "사업자등록번호가 올바르지 않습니다 (10자리, 국세청 검증번호)."
            )
        return value


class BusinessInput(Patchable):
    companyName = serializers.CharField(max_length=200)
    businessRegistrationNumber = BrnField()
    representativeName = serializers.CharField(max_length=100)
    taxationType = serializers.ChoiceField(choices=TaxationType.values, required=False)
    companyAddress = serializers.CharField(max_length=300, required=False, allow_blank=True)
    businessType = serializers.CharField(max_length=100, required=False, allow_blank=True)
    businessClass = serializers.CharField(max_length=100, required=False, allow_blank=True)
    companyVerificationId = serializers.CharField(required=False)


class IndividualInput(serializers.Serializer):
    birthdate = serializers.DateField(required=False, format="%Y-%m-%d", input_formats=["%Y-%m-%d"])


class UdpValue(serializers.Serializer):
    string = serializers.CharField(allow_blank=True, max_length=1000)


def type_input(*, patch: bool) -> OneOf:
    return OneOf(
        {
            "business": BusinessInput(patch=patch),
            "whtPayer": IndividualInput(),
            "nonWhtPayer": IndividualInput(),
        },
        required=not patch,
    )


class PartnerUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    contact = ContactInput(patch=True, required=False)
    account = AccountInput(patch=True, required=False)
    defaultContractId = serializers.CharField(required=False)
    memo = serializers.CharField(max_length=256, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    type = type_input(patch=True)
    userDefinedProperties = serializers.DictField(child=UdpValue(), required=False)


class PartnerCreateInput(PartnerUpdateInput):
    id = serializers.CharField(max_length=100, required=False)
    type = type_input(patch=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Whole objects in the places the update's partial ones hold (the field order, and so
        # the order of error messages, stays the update's).
        self.fields["contact"] = ContactInput()
        self.fields["account"] = AccountInput()
        for name in ("name", "defaultContractId", "tags"):
            self.fields[name].required = True


class PartnersBatchInput(serializers.Serializer):
    partners = serializers.ListField(
        child=PartnerCreateInput(), allow_empty=False, max_length=10_000
    )


class PartnerFilter(serializers.Serializer):
    isArchived = serializers.BooleanField(required=False, default=False)
    tags = string_list()
    banks = string_list()
    accountCurrencies = string_list()
    ids = string_list()
    contractIds = string_list()
    accountStatuses = choice_list(AccountStatus.values)
    businessStatuses = choice_list(BusinessStatus.values)
    types = choice_list(PartnerType.values)
    taxationTypes = choice_list(TaxationType.values)
    memberCompanyConnectionStatuses = choice_list(ConnectionStatus.values)
    keyword = OneOf(
        {
            name: serializers.CharField(allow_blank=True)
            for name in (
                "id",
                "name",
                "email",
                "businessRegistrationNumber",
                "defaultContractId",
                "memo",
                "accountNumber",
                "accountHolder",
            )
        },
        required=False,
    )


class ScheduleInput(serializers.Serializer):
    """`update` is validated with PartnerUpdateInput."""

    update = serializers.DictField()
    appliedAt = serializers.DateTimeField()


class BulkScheduleInput(ScheduleInput):
    filter = PartnerFilter(required=False)


class BulkCounterpartyInput(serializers.Serializer):
    filter = PartnerFilter(required=False)


# --- validated input -> PartnerChange ----------------------------------------------------------

TYPE_KEYS = {
    "business": PartnerType.BUSINESS,
    "whtPayer": PartnerType.WHT_PAYER,
    "nonWhtPayer": PartnerType.NON_WHT_PAYER,
}
_CONTACT_TERMS = {"name": "contact_name", "email": "contact_email", "phoneNumber": "contact_phone"}
_ACCOUNT_TERMS = {
    "bank": "bank",
    "currency": "account_currency",
    "number": "account_number",
    "holder": "account_holder",
}
_BUSINESS_TERMS = {
    "companyName": "company_name",
    "businessRegistrationNumber": "business_registration_number",
    "representativeName": "representative_name",
    "taxationType": "taxation_type",
    "companyAddress": "company_address",
    "businessType": "business_type",
    "businessClass": "business_class",
}


def _given(value: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {names[key]: item for key, item in value.items() if key in names}


def partner_change(data: dict[str, Any]) -> PartnerChange:
    """Validated PartnerCreateInput / PartnerUpdateInput data -> the service's input.

    Only what `data` gives becomes a term, at every depth: `{"contact": {"email": ...}}` is
    `{"contact_email": ...}`."""
    terms: dict[str, Any] = {}
    account_verification_id = company_verification_id = None
    if "name" in data:
        terms["name"] = data["name"]
    if "memo" in data:
        terms["memo"] = data["memo"]
    if "tags" in data:
        terms["tags"] = unique_list(data["tags"])
    if "userDefinedProperties" in data:
        terms["user_defined_properties"] = {
            k: v["string"] for k, v in data["userDefinedProperties"].items()
        }
    if "contact" in data:
        terms.update(_given(data["contact"], _CONTACT_TERMS))
    if "account" in data:
        account = data["account"]
        terms.update(_given(account, _ACCOUNT_TERMS))
        if "account_number" in terms:
            terms["account_number"] = terms["account_number"].replace("-", "")
        account_verification_id = account.get("accountVerificationId") or None
    if "type" in data:
        key, value = data["type"]
        terms["partner_type"] = TYPE_KEYS[key]
        if key == "business":
            terms.update(_given(value, _BUSINESS_TERMS))
            company_verification_id = value.get("companyVerificationId") or None
        elif "birthdate" in value:
            terms["birthdate"] = value["birthdate"].isoformat()
    return PartnerChange(
        terms=terms,
        id=data.get("id"),
        contract_id=data.get("defaultContractId"),
        account_verification_id=account_verification_id,
        company_verification_id=company_verification_id,
    )
