"""Our own company (자사): the one OwnCompany row (docs/invoices.md#own-company)."""

from __future__ import annotations

from django.conf import settings

from core.errors import Invalid
from invoices.models import OwnCompany
from partners.domain.brn import validate_brn


def own_company() -> OwnCompany:
    """The profile; created empty if a database somehow lacks it (the migration makes it)."""
    company = OwnCompany.objects.filter(pk=1).first()
    if company is None:
        company, _ = OwnCompany.objects.get_or_create(
            pk=1, defaults={"brn": "", "company_name": "", "representative_name": ""}
        )
    return company


def configured_own_company() -> OwnCompany:
    """The profile, or a refusal when it lacks what an invoice needs (BRN, name, representative)."""
    company = own_company()
    if not (company.brn and company.company_name and company.representative_name):
        raise Invalid(
            "B2B_RECIPIENT_NOT_FOUND",
            "자사 정보(사업자등록번호·상호·대표자)가 설정되지 않았습니다. 관리자 화면의 "
            "'자사 정보' 또는 OWN_COMPANY_* 환경 변수로 설정하세요.",
        )
    return company


#: OwnCompany column -> the setting that fills it (`manage.py own_company --from-env`)
SETTINGS_FIELDS = {
    "brn": "OWN_COMPANY_BRN",
    "company_name": "OWN_COMPANY_NAME",
    "representative_name": "OWN_COMPANY_REPRESENTATIVE_NAME",
    "address": "OWN_COMPANY_ADDRESS",
    "business_type": "OWN_COMPANY_BUSINESS_TYPE",
    "business_class": "OWN_COMPANY_BUSINESS_CLASS",
    "contact_name": "OWN_COMPANY_CONTACT_NAME",
    "contact_email": "OWN_COMPANY_CONTACT_EMAIL",
    "contact_phone": "OWN_COMPANY_CONTACT_PHONE",
}


def clean_own_brn(raw: str) -> str:
    """The BRN normalised, or a refusal naming the field (checksum, as every BRN here)."""
    try:
        return validate_brn(raw)
    except ValueError as exc:
        raise Invalid("INVALID_REQUEST", f"brn: {exc}") from exc


def apply_settings() -> tuple[OwnCompany, list[str]]:
    """Write the non-empty OWN_COMPANY_* settings onto the profile. Returns it and the columns
    changed; an invalid OWN_COMPANY_BRN is refused (nothing written)."""
    company = own_company()
    changed = []
    for column, name in SETTINGS_FIELDS.items():
        value = (getattr(settings, name, "") or "").strip()
        if not value:
            continue
        if column == "brn":
            value = clean_own_brn(value)
        if getattr(company, column) != value:
            setattr(company, column, value)
            changed.append(column)
    if changed:
        company.save()
    return company, changed


def profile_lines(company: OwnCompany | None = None) -> list[tuple[str, str]]:
    """(label, value) of every field, for the command line and the admin."""
    company = company or own_company()
    return [
        (str(OwnCompany._meta.get_field(name).verbose_name), str(getattr(company, name) or ""))
        for name in (
            "brn",
            "tax_registration_id",
            "company_name",
            "representative_name",
            "address",
            "business_type",
            "business_class",
            "taxation_type",
            "contact_name",
            "contact_department",
            "contact_email",
            "contact_phone",
        )
    ]
