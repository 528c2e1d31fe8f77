"""Shared ground of the tax-invoice tests: our own company configured, an NTS-connected business
partner (its counterparty), the SDK's B2B client."""

from __future__ import annotations

import pytest
from django.utils import timezone

from invoices.domain.statuses import NtsConnectionStatus
from invoices.models import Counterparty, OwnCompany
from partners.models import Partner
from tests.factories import make_contract, make_partner

OWN_BRN = "1208800767"  # a valid checksum
PARTNER_BRN = "2148812345"


@pytest.fixture
def own_company(db) -> OwnCompany:
    company, _ = OwnCompany.objects.update_or_create(
        pk=1,
        defaults={
            "brn": OWN_BRN,
            "company_name": "주식회사 플랫폼",
            "representative_name": "김대표",
            "address": "서울특별시 강남구 테헤란로 1",
            "business_type": "서비스",
            "business_class": "전자상거래",
            "contact_name": "정산팀",
            "contact_email": "finance@platform.test",
        },
    )
    return company


@pytest.fixture
def connected_partner(db):
    """A BUSINESS partner (일반과세) connected to the NTS, with its partner-linked counterparty."""
    contract = make_contract("contract-invoices")
    partner = make_partner(
        "partner-biz",
        contract_id=contract.public_id,
        partner_type="BUSINESS",
        business_registration_number=PARTNER_BRN,
        company_name="주식회사 파트너",
        representative_name="이파트너",
        taxation_type="NORMAL",
        contact_email="partner@partner.test",
    )
    Partner.objects.filter(pk=partner.pk).update(member_company_connection_status="CONNECTED")
    partner.refresh_from_db()
    Counterparty.objects.create(
        public_id=partner.public_id,
        brn=PARTNER_BRN,
        company_name="주식회사 파트너",
        representative_name="이파트너",
        contact_name="이파트너",
        contact_email="partner@partner.test",
        partner=partner,
        nts_connection_status=NtsConnectionStatus.CONNECTED,
        nts_connected_at=timezone.now(),
    )
    return partner


@pytest.fixture
def b2b(portone):
    """The SDK's B2B client against the live server."""
    return portone.b2b
