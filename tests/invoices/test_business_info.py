"""사업자정보 조회: the deterministic sandbox provider, its rehearsal inputs (the company-state
sandbox's), and `POST /b2b/companies/business-info` through the SDK."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from portone_server_sdk import errors

from partners.models import CompanyVerification
from partners.providers.business_info import (
    BusinessInfoError,
    SandboxBusinessInfoClient,
    get_business_info_client,
)
from partners.providers.company_state import SandboxCompanyStateClient


def test_the_sandbox_answers_the_same_company_for_the_same_number():
    client = SandboxBusinessInfoClient()
    first = client.lookup(["120-81-47521"])["1208147521"]
    assert first == client.lookup(["1208147521"])["1208147521"]
    assert first.name == "주식회사 누리컴퍼니"
    assert first.ceo_name == "강도윤"
    assert first.business_entity_type == "법인사업자"
    assert first.business_status == "IN_BUSINESS"
    assert first.taxation_type == "NORMAL"
    assert (first.business_type, first.business_class) == ("서비스업", "광고 대행업")
    assert first.tax_office_name == "종로세무서"
    assert first.corp_reg_no is not None
    other = client.lookup(["2148812345"])["2148812345"]
    assert other.name != first.name


def test_the_rehearsal_inputs_match_the_company_state_sandbox():
    info = SandboxBusinessInfoClient().lookup(
        ["1209900012", "1209800015", "1209700018", "1209000019", "1209200013"]
    )
    state = SandboxCompanyStateClient().lookup(list(info))
    assert info["1209900012"] is None  # 미등록
    assert state["1209900012"].status == "NOT_FOUND"
    for brn in ("1209800015", "1209700018", "1209000019", "1209200013"):
        assert info[brn].business_status == state[brn].status
        assert info[brn].taxation_type == state[brn].taxation_type
        assert info[brn].closing_date == state[brn].closed_on
    assert info["1209800015"].closing_date == date(2024, 12, 31)
    assert info["1209000019"].business_entity_type == "개인사업자"


def test_outage_and_malformed_numbers():
    with pytest.raises(BusinessInfoError) as outage:
        SandboxBusinessInfoClient().lookup(["1208147521", "9998100015"])
    assert outage.value.permanent is False
    with pytest.raises(ValueError, match="검증번호"):
        SandboxBusinessInfoClient().lookup(["1208147522"])
    with pytest.raises(TypeError):
        SandboxBusinessInfoClient().lookup("1208147521")


def test_the_factory_reads_the_setting():
    assert isinstance(get_business_info_client(), SandboxBusinessInfoClient)
    with (
        override_settings(BUSINESS_INFO_PROVIDER="elsewhere"),
        pytest.raises(ImproperlyConfigured),
    ):
        get_business_info_client()


@pytest.mark.django_db(transaction=True)
def test_the_endpoint_answers_each_number(portone):
    result = portone.platform.company.get_b2b_business_infos(
        brn_list=["120-81-47521", "1208147522", "1209900012", "1209800015", "1208147521"]
    ).result
    assert [r.brn for r in result] == [
        "1208147521",
        "1208147522",
        "1209900012",
        "1209800015",
        "1208147521",
    ]
    ok = result[0]
    assert ok.business_info.name == "주식회사 누리컴퍼니"
    assert ok.business_info.opening_date == "2022-06-03"
    assert ok.business_info.closing_date is None
    assert ok.error is None
    assert ok.verification_id.startswith("BI")
    assert "검증번호" in result[1].error and result[1].business_info is None
    assert result[1].verification_id is None
    assert "등록되지 않은" in result[2].error
    assert result[3].business_info.business_status == "CLOSED"
    assert result[3].business_info.closing_date == "2024-12-31"
    assert result[4].verification_id == ok.verification_id  # one record per number
    assert CompanyVerification.objects.count() == 2
    row = CompanyVerification.objects.get(public_id=ok.verification_id)
    assert (row.business_registration_number, row.status) == ("1208147521", "IN_BUSINESS")


@pytest.mark.django_db(transaction=True)
def test_the_endpoint_refuses_what_it_cannot_answer(portone):
    company = portone.platform.company
    with pytest.raises(errors.B2bExternalServiceError):
        company.get_b2b_business_infos(brn_list=["1208147521", "9998100015"])
    with pytest.raises(errors.InvalidRequestError):
        company.get_b2b_business_infos(brn_list=[])
    with pytest.raises(errors.InvalidRequestError):
        company.get_b2b_business_infos(brn_list=["1208147521"] * 101)
    assert not CompanyVerification.objects.exists()
