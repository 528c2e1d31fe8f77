"""Our own company (자사): the one OwnCompany row (docs/invoices.md#own-company)."""

from __future__ import annotations

from core.errors import Invalid
from invoices.models import OwnCompany


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
