"""Input schemas of counterparties (거래처) and the business-information lookup: SDK 0.21.0's
CreateB2bCounterpartyBody, UpdateB2bCounterpartyBody, GetB2bCounterpartiesBody and
GetB2bBusinessInfosBody, camelCase. Which fields a counterparty must have is the service's rule
(B2B_COUNTERPARTY_MISSING_REQUIRED_FIELDS), so they are optional here; what is malformed (a type,
a length, an e-mail) is refused here as INVALID_REQUEST naming the field."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers

from core.inputs import PageInput, choice_list, string_list
from invoices.domain.statuses import NtsConnectionStatus
from invoices.models import BusinessStatus

ID_VALIDATOR = RegexValidator(r"^[^/\s]+$", "공백과 '/' 없이 입력해 주세요.")


class ContactInput(serializers.Serializer):
    """B2bCounterpartyContactInput (name and email: checked by the service on the main one)."""

    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phoneNumber = serializers.CharField(max_length=30, required=False, allow_blank=True)
    memo = serializers.CharField(max_length=256, required=False, allow_blank=True)


class AdditionalContactInput(ContactInput):
    name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254)


class CounterpartyInput(serializers.Serializer):
    """B2bCounterpartyInput."""

    brn = serializers.CharField(max_length=20, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    representativeName = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    businessType = serializers.CharField(max_length=100, required=False, allow_blank=True)
    businessClass = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact = ContactInput(required=False)
    additionalContacts = serializers.ListField(
        child=AdditionalContactInput(), required=False, max_length=100
    )
    memo = serializers.CharField(max_length=256, required=False, allow_blank=True)


class CreateOptionsInput(serializers.Serializer):
    """B2bCounterpartyCreateOptions."""

    checkBusinessInfo = serializers.BooleanField(required=False)
    checkBusinessStatus = serializers.BooleanField(required=False)
    businessInfoVerificationId = serializers.CharField(max_length=40, required=False)
    businessStatusVerificationId = serializers.CharField(max_length=40, required=False)


class CreateCounterpartyInput(serializers.Serializer):
    counterparty = CounterpartyInput()
    counterpartyId = serializers.CharField(
        max_length=100, required=False, validators=[ID_VALIDATOR]
    )
    options = CreateOptionsInput(required=False)


class UpdateCounterpartyInput(serializers.Serializer):
    counterparty = CounterpartyInput()
    options = CreateOptionsInput(required=False)


class CounterpartyFilterInput(serializers.Serializer):
    """B2bCounterpartyFilter."""

    id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    brn = serializers.CharField(max_length=20, required=False, allow_blank=True)
    companyName = serializers.CharField(max_length=200, required=False, allow_blank=True)
    representativeName = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contactName = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contactPhone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    contactEmail = serializers.CharField(max_length=254, required=False, allow_blank=True)
    businessStatuses = choice_list(BusinessStatus.values)
    ntsConnectionStatuses = choice_list([s.value for s in NtsConnectionStatus])
    counterpartyIds = string_list()


class CounterpartiesInput(serializers.Serializer):
    """GetB2bCounterpartiesBody."""

    page = PageInput(required=False)
    filter = CounterpartyFilterInput(required=False)


class BusinessInfosInput(serializers.Serializer):
    """GetB2bBusinessInfosBody (each number is checked by the lookup, one error per item)."""

    brnList = serializers.ListField(
        child=serializers.CharField(max_length=20, allow_blank=True), max_length=1000
    )


# --- to the service's words ---------------------------------------------------------------------

_FIELD_NAMES = {
    "brn": "brn",
    "name": "company_name",
    "representativeName": "representative_name",
    "address": "address",
    "businessType": "business_type",
    "businessClass": "business_class",
    "memo": "memo",
}


def _contact(data: dict) -> dict[str, Any]:
    return {
        "name": (data.get("name") or "").strip(),
        "email": (data.get("email") or "").strip(),
        "phone_number": (data.get("phoneNumber") or "").strip() or None,
        "memo": (data.get("memo") or "").strip() or None,
    }


def _additional(data: dict) -> dict[str, Any]:
    out = {"name": data["name"].strip(), "email": data["email"].strip()}
    if (data.get("phoneNumber") or "").strip():
        out["phoneNumber"] = data["phoneNumber"].strip()
    if (data.get("memo") or "").strip():
        out["memo"] = data["memo"].strip()
    return out


def counterparty_fields(data: dict) -> dict[str, Any]:
    """A validated CounterpartyInput -> the service's `fields` (only the keys given; blank
    optional texts become None)."""
    out: dict[str, Any] = {}
    for wire, name in _FIELD_NAMES.items():
        if wire in data:
            value = (data[wire] or "").strip()
            out[name] = value or (
                None if name in ("address", "business_type", "business_class", "memo") else ""
            )
    if "contact" in data:
        out["contact"] = _contact(data["contact"])
    if "additionalContacts" in data:
        out["additional_contacts"] = [_additional(c) for c in data["additionalContacts"]]
    return out


def create_options(data: dict | None) -> dict[str, Any]:
    data = data or {}
    return {
        "check_business_info": bool(data.get("checkBusinessInfo")),
        "check_business_status": bool(data.get("checkBusinessStatus")),
        "business_info_verification_id": data.get("businessInfoVerificationId") or None,
        "business_status_verification_id": data.get("businessStatusVerificationId") or None,
    }


def counterparty_filter(data: dict | None) -> dict[str, Any]:
    data = data or {}
    names = {
        "id": "id",
        "brn": "brn",
        "companyName": "company_name",
        "representativeName": "representative_name",
        "contactName": "contact_name",
        "contactPhone": "contact_phone",
        "contactEmail": "contact_email",
        "businessStatuses": "business_statuses",
        "ntsConnectionStatuses": "nts_connection_statuses",
        "counterpartyIds": "counterparty_ids",
    }
    return {name: data[wire] for wire, name in names.items() if wire in data}
