"""Company-state (휴폐업) and account-holder (예금주) lookups through the SDK, on the sandbox
providers, and their use as single-use verification ids when creating partners."""

import pytest
from portone_server_sdk import errors
from portone_server_sdk.platform.partner import (
    CreatePlatformPartnerBodyAccount,
    CreatePlatformPartnerBodyContact,
    CreatePlatformPartnerBodyType,
    CreatePlatformPartnerBodyTypeBusiness,
)

from partners.models import CompanyVerification, Partner
from partners.services.verification import verify_partners
from tests.factories import make_contract

pytestmark = pytest.mark.django_db(transaction=True)


def test_company_state_in_business_closed_and_suspended(portone):
    company = portone.platform.company
    normal = company.get_platform_company_state(business_registration_number="120-81-47521")
    assert normal.company_state.business_status == "IN_BUSINESS"
    assert normal.company_state.taxation_type == "NORMAL"
    assert normal.company_verification_id
    closed = company.get_platform_company_state(business_registration_number="1209800015")
    assert closed.company_state.business_status == "CLOSED"
    assert closed.company_state.closed_suspended_date == "2024-12-31"
    suspended = company.get_platform_company_state(business_registration_number="1209700018")
    assert suspended.company_state.business_status == "SUSPENDED"
    simple = company.get_platform_company_state(business_registration_number="1209000019")
    assert simple.company_state.taxation_type == "SIMPLE"


def test_company_state_errors(portone):
    company = portone.platform.company
    with pytest.raises(errors.PlatformCompanyNotFoundError):
        company.get_platform_company_state(business_registration_number="1209900012")
    with pytest.raises(errors.InvalidRequestError) as exc:
        company.get_platform_company_state(business_registration_number="1208147522")
    assert "businessRegistrationNumber" in exc.value.message
    with pytest.raises(errors.PlatformExternalApiFailedError):
        company.get_platform_company_state(business_registration_number="9998100015")
    assert not CompanyVerification.objects.filter(business_registration_number="9998100015")


def test_company_state_answers_are_cached(portone, settings):
    company = portone.platform.company
    first = company.get_platform_company_state(business_registration_number="1208147521")
    second = company.get_platform_company_state(business_registration_number="1208147521")
    assert first.company_verification_id != second.company_verification_id
    assert (
        CompanyVerification.objects.filter(business_registration_number="1208147521").count() == 2
    )


def test_account_holder_paths(portone):
    account = portone.platform.account
    found = account.get_platform_account_holder(bank="KOOKMIN", account_number="110-123-4560")
    assert found.holder_name == "홍길동"
    assert found.account_verification_id
    with pytest.raises(errors.PlatformNotSupportedBankError):
        account.get_platform_account_holder(bank="SAVINGS_BANK", account_number="1101234560")
    with pytest.raises(errors.PlatformExternalApiFailedError):
        account.get_platform_account_holder(bank="KOOKMIN", account_number="1101234569")
    with pytest.raises(errors.PlatformExternalApiTemporarilyFailedError):
        account.get_platform_account_holder(bank="KOOKMIN", account_number="1101234568")
    with pytest.raises(errors.PlatformExternalApiFailedError):
        account.get_platform_account_holder(
            bank="KOOKMIN", account_number="1101234566", birthdate="1990-01-31"
        )


def _business_partner(
    portone,
    *,
    number,
    holder,
    account_verification_id=None,
    company_verification_id=None,
    pid="v-1",
):
    return portone.platform.partner.create_platform_partner(
        id=pid,
        name="검증 상점",
        contact=CreatePlatformPartnerBodyContact(name="담당", email="a@example.com"),
        account=CreatePlatformPartnerBodyAccount(
            bank="KOOKMIN",
            currency="KRW",
            number=number,
            holder=holder,
            account_verification_id=account_verification_id,
        ),
        default_contract_id="c",
        tags=[],
        type=CreatePlatformPartnerBodyType(
            business=CreatePlatformPartnerBodyTypeBusiness(
                company_name="샌드박스",
                business_registration_number="1209800015",
                representative_name="대표",
                company_verification_id=company_verification_id,
            )
        ),
    ).partner


def test_verification_ids_are_consumed_once(portone):
    make_contract("c")
    holder = portone.platform.account.get_platform_account_holder(
        bank="KOOKMIN", account_number="1101234565"
    )
    state = portone.platform.company.get_platform_company_state(
        business_registration_number="1209800015"
    )
    partner = _business_partner(
        portone,
        number="1101234565",
        holder="(주)샌드박스",
        account_verification_id=holder.account_verification_id,
        company_verification_id=state.company_verification_id,
    )
    assert partner.account.status == "VERIFIED"
    assert partner.type.business_status == "CLOSED"
    with pytest.raises(errors.PlatformAccountVerificationAlreadyUsedError):
        _business_partner(
            portone,
            pid="v-2",
            number="1101234565",
            holder="x",
            account_verification_id=holder.account_verification_id,
        )
    with pytest.raises(errors.PlatformAccountVerificationNotFoundError):
        _business_partner(
            portone, pid="v-3", number="1101234565", holder="x", account_verification_id="nope"
        )
    other = portone.platform.account.get_platform_account_holder(
        bank="KOOKMIN", account_number="1101234561"
    )
    with pytest.raises(errors.PlatformAccountVerificationFailedError):
        _business_partner(
            portone,
            pid="v-4",
            number="1101234565",
            holder="x",
            account_verification_id=other.account_verification_id,
        )
    with pytest.raises(errors.PlatformCompanyVerificationAlreadyUsedError):
        _business_partner(
            portone,
            pid="v-5",
            number="1101234565",
            holder="x",
            company_verification_id=state.company_verification_id,
        )
    assert Partner.objects.count() == 1


def test_background_verification_outcomes(portone):
    make_contract("c")
    for pid, number, holder in (
        ("ok", "1101234565", "주식회사 샌드박스"),
        ("mismatch", "1101234560", "김철수"),
        ("closed-account", "1101234569", "누구"),
        ("outage", "1101234568", "누구"),
    ):
        _business_partner(portone, pid=pid, number=number, holder=holder)
    verify_partners(list(Partner.objects.values_list("pk", flat=True)))
    status = {p.public_id: (p.account_status, p.business_status) for p in Partner.objects.all()}
    assert status == {
        "ok": ("VERIFIED", "CLOSED"),
        "mismatch": ("VERIFY_FAILED", "CLOSED"),
        "closed-account": ("VERIFY_ERROR", "CLOSED"),
        "outage": ("VERIFY_ERROR", "CLOSED"),
    }
    got = portone.platform.partner.get_platform_partner(id="mismatch")
    assert got.account.status == "VERIFY_FAILED"
    assert Partner.objects.get(public_id="ok").account_verified_at is not None


def test_account_change_triggers_reverification(portone):
    from portone_server_sdk.platform import UpdatePlatformPartnerBodyAccount

    make_contract("c")
    _business_partner(portone, pid="r", number="1101234565", holder="(주)샌드박스")
    verify_partners(list(Partner.objects.values_list("pk", flat=True)))
    assert Partner.objects.get(public_id="r").account_status == "VERIFIED"
    portone.platform.partner.update_platform_partner(
        id="r",
        account=UpdatePlatformPartnerBodyAccount(
            bank="SHINHAN", currency="KRW", number="1001234560", holder="홍길동"
        ),
    )
    partner = Partner.objects.get(public_id="r")
    assert partner.account_status == "NOT_VERIFIED"
    from django_q.models import OrmQ

    assert OrmQ.objects.count() >= 1  # verification queued after commit
    verify_partners([partner.pk])
    assert Partner.objects.get(public_id="r").account_status == "VERIFIED"
