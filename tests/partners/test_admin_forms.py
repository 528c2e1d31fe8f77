"""Partners created, edited and their changes scheduled in the admin: through the API's services
(versions, history, verification), with refusals on the field and nothing written then."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from core.versioning import services as versioning
from partners.models import (
    AccountStatus,
    BusinessStatus,
    Partner,
    PartnerVersion,
    UserDefinedProperty,
)
from partners.services import partners as services
from tests.factories import make_contract, make_partner

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:partners_partner_add")


def change_url(partner) -> str:
    return reverse("admin:partners_partner_change", args=[partner.pk])


def schedule_url(partner) -> str:
    return reverse("admin:partners_partner_schedule", args=[partner.pk])


@pytest.fixture
def contract(db):
    return make_contract("c-1", name="기본 계약")


def finance_client(client, *extra: str):
    user = get_user_model().objects.create_user("finance", password="pw-12345678", is_staff=True)
    for codename in ("view_partner", "add_partner", "change_partner", *extra):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return client


@pytest.fixture
def finance(client):
    return finance_client(client)


@pytest.fixture
def verification_tasks(monkeypatch):
    """The background verification requests (async_task) the writes enqueue after commit."""
    calls = []
    monkeypatch.setattr(
        "partners.services.verification.async_task", lambda *args: calls.append(args)
    )
    return calls


def form_data(**overrides) -> dict:
    data = {
        "mode": "live",
        "public_id": "",
        "name": "가나다 상점",
        "memo": "",
        "tags": "패션, 신규",
        "default_contract": "c-1",
        "contact_name": "김담당",
        "contact_email": "owner@example.com",
        "contact_phone": "010-1234-5678",
        "bank": "KOOKMIN",
        "account_currency": "KRW",
        "account_number": "110-123-456789",
        "account_holder": "주식회사 가나다",
        "partner_type": "BUSINESS",
        "company_name": "주식회사 가나다",
        "business_registration_number": "120-81-47521",
        "representative_name": "김대표",
        "taxation_type": "",
        "company_address": "",
        "business_type": "",
        "business_class": "",
        "birthdate": "",
    }
    data.update(overrides)
    return data


def edit_data(partner, **overrides) -> dict:
    """The change form as the page would post it unchanged (account number left blank)."""
    data = form_data(
        name=partner.name,
        memo=partner.memo or "",
        tags=", ".join(partner.tags),
        default_contract=partner.default_contract.public_id,
        contact_name=partner.contact_name,
        contact_email=partner.contact_email,
        contact_phone=partner.contact_phone or "",
        bank=partner.bank,
        account_currency=partner.account_currency,
        account_number="",
        account_holder=partner.account_holder,
        partner_type=partner.partner_type,
        company_name=partner.company_name or "",
        business_registration_number=partner.business_registration_number or "",
        representative_name=partner.representative_name or "",
        taxation_type=partner.taxation_type or "",
        birthdate="",
    )
    for key in ("mode", "public_id"):
        data.pop(key)
    data.update(overrides)
    return data


# --- create -------------------------------------------------------------------------------------


def test_add_a_business_through_the_service(finance, contract, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = finance.post(ADD_URL, form_data(public_id="biz-1", taxation_type="SIMPLE"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    partner = Partner.objects.get(public_id="biz-1")
    assert partner.is_for_test is False
    assert partner.name == "가나다 상점"
    assert partner.tags == ["패션", "신규"]
    assert partner.default_contract == contract
    assert partner.account_number == "110123456789"
    assert partner.bank == "KOOKMIN"
    assert partner.business_registration_number == "1208147521"
    assert partner.company_name == "주식회사 가나다"
    assert partner.representative_name == "김대표"
    assert partner.taxation_type == "SIMPLE"
    assert partner.contact_phone == "010-1234-5678"
    assert partner.birthdate is None
    assert partner.account_status == AccountStatus.NOT_VERIFIED
    version = PartnerVersion.objects.get(entity=partner)
    assert version.state == PartnerVersion.State.APPLIED
    assert version.terms["name"] == "가나다 상점"
    assert partner.history.count() == 1
    assert len(callbacks) == 1, "the account and business check is queued"
    assert response["Location"] == reverse("admin:partners_partner_changelist")


@pytest.mark.parametrize("partner_type", ["WHT_PAYER", "NON_WHT_PAYER"])
def test_add_an_individual_with_a_birthdate(finance, contract, partner_type):
    response = finance.post(
        ADD_URL,
        form_data(
            public_id="person-1",
            name="이작가",
            partner_type=partner_type,
            account_holder="이작가",
            birthdate="1990.01.02",
            company_name="무시되는 상호",
            business_registration_number="",
            representative_name="",
        ),
    )

    assert response.status_code == 302
    partner = Partner.objects.get(public_id="person-1")
    assert partner.partner_type == partner_type
    assert partner.birthdate == "1990-01-02"
    assert partner.company_name is None and partner.business_registration_number is None
    assert partner.versions.count() == 1
    assert partner.history.count() == 1


def test_add_without_an_id_generates_one_and_test_mode_uses_test_contracts(finance):
    make_contract("c-test", is_for_test=True, name="테스트 계약")

    response = finance.post(ADD_URL, form_data(mode="test", default_contract="c-test"))

    assert response.status_code == 302
    partner = Partner.objects.get()
    assert partner.is_for_test is True
    assert len(partner.public_id) == 26  # a ULID


def test_a_bad_brn_is_shown_on_its_field_and_nothing_is_written(finance, contract):
    response = finance.post(ADD_URL, form_data(business_registration_number="120-81-47522"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "사업자등록번호가 올바르지 않습니다" in errors["business_registration_number"][0]
    assert "사업자등록번호가 올바르지 않습니다" in response.content.decode()
    assert Partner.objects.count() == 0
    assert PartnerVersion.objects.count() == 0


def test_a_contract_of_the_other_mode_is_refused_on_the_contract_field(finance, contract):
    response = finance.post(ADD_URL, form_data(mode="test", default_contract="c-1"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["default_contract"] == ["계약을 찾을 수 없습니다: c-1"]
    assert Partner.objects.count() == 0


def test_an_unknown_contract_is_refused_on_the_field(finance, contract):
    response = finance.post(ADD_URL, form_data(default_contract="no-such"))

    errors = response.context["adminform"].form.errors
    assert "default_contract" in errors
    assert Partner.objects.count() == 0


def test_an_id_taken_and_missing_business_fields_land_on_their_fields(finance, contract):
    make_partner("taken", contract_id="c-1")

    taken = finance.post(ADD_URL, form_data(public_id="taken")).context["adminform"].form
    assert "이미 존재하는 파트너 아이디" in taken.errors["public_id"][0]
    no_rep = finance.post(ADD_URL, form_data(representative_name="")).context["adminform"].form
    assert "representative_name" in no_rep.errors
    assert Partner.objects.count() == 1


def test_user_defined_properties_have_one_field_each(finance, contract):
    UserDefinedProperty.objects.create(key="grade", label="등급")

    page = finance.get(ADD_URL).content.decode()
    assert 'name="udp__grade"' in page and "등급" in page
    finance.post(ADD_URL, form_data(public_id="udp-1", udp__grade="골드"))

    assert Partner.objects.get(public_id="udp-1").user_defined_properties == {"grade": "골드"}


def test_the_add_form_offers_contracts_by_mode_with_korean_labels(finance, contract):
    make_contract("c-test", is_for_test=True, name="테스트 계약")

    page = finance.get(ADD_URL).content.decode()

    assert '<optgroup label="운영 계약">' in page and '<optgroup label="테스트 계약">' in page
    assert "기본 계약 (c-1)" in page
    for label in ("담당자 이메일", "예금주", "사업자등록번호", "생년월일", "원천징수 대상자"):
        assert label in page


# --- edit ---------------------------------------------------------------------------------------


@pytest.fixture
def failed_partner(contract):
    partner = make_partner(
        "p-1",
        contract_id="c-1",
        partner_type="WHT_PAYER",
        name="이작가",
        account_number="110123456789",
        account_holder="이작가",
        birthdate="1990-01-31",
    )
    Partner.objects.filter(pk=partner.pk).update(
        account_status=AccountStatus.VERIFY_FAILED,
        account_verification_message="예금주 불일치: 입력 이작가 / 은행 이작가님",
    )
    return Partner.objects.get(pk=partner.pk)


def test_the_edit_form_masks_the_account_number_without_the_permission(finance, failed_partner):
    page = finance.get(change_url(failed_partner)).content.decode()

    assert "110123456789" not in page and "1990-01-31" not in page
    assert "********6789" in page
    assert 'class="money-warning danger"' in page
    assert "예금주가 일치하지 않습니다" in page
    assert "이 파트너에게 지급하면" in page


def test_the_edit_form_shows_the_full_number_with_the_permission(client, failed_partner):
    page = finance_client(client, "view_partner_personal_data").get(change_url(failed_partner))

    assert 'value="110123456789"' in page.content.decode()


def test_fixing_a_failed_account_requests_verification_again(
    finance, failed_partner, django_capture_on_commit_callbacks, verification_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = finance.post(
            change_url(failed_partner), edit_data(failed_partner, account_holder="이작가님")
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    partner = Partner.objects.get(pk=failed_partner.pk)
    assert partner.account_holder == "이작가님"
    assert partner.account_number == "110123456789", "a blank number keeps the old one"
    assert partner.birthdate == "1990-01-31", "a blank birth date keeps the old one"
    assert partner.account_status == AccountStatus.NOT_VERIFIED
    assert partner.account_verification_message == ""
    assert verification_tasks == [("partners.tasks.verify_partners", [partner.pk])]
    assert partner.versions.filter(state=PartnerVersion.State.APPLIED).count() == 2
    assert partner.history.count() >= 2
    followed = finance.get(response["Location"]).content.decode()
    assert "다시 요청했습니다" in followed


def test_a_new_account_number_replaces_the_old_one(finance, failed_partner, verification_tasks):
    finance.post(
        change_url(failed_partner), edit_data(failed_partner, account_number="220-987-654321")
    )

    partner = Partner.objects.get(pk=failed_partner.pk)
    assert partner.account_number == "220987654321"
    assert partner.account_status == AccountStatus.NOT_VERIFIED


def test_saving_an_unchanged_form_writes_no_version(finance, failed_partner):
    response = finance.post(change_url(failed_partner), edit_data(failed_partner))

    assert response.status_code == 302
    assert failed_partner.versions.count() == 1
    assert Partner.objects.get(pk=failed_partner.pk).account_status == AccountStatus.VERIFY_FAILED


def test_changing_the_brn_resets_the_business_status(finance, contract, verification_tasks):
    partner = make_partner("biz", contract_id="c-1")
    Partner.objects.filter(pk=partner.pk).update(business_status=BusinessStatus.CLOSED)
    partner.refresh_from_db()
    page = finance.get(change_url(partner)).content.decode()
    assert "폐업한 사업자입니다" in page and 'class="money-warning danger"' in page

    response = finance.post(
        change_url(partner), edit_data(partner, business_registration_number="220-81-62517")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    partner.refresh_from_db()
    assert partner.business_registration_number == "2208162517"
    assert partner.business_status == BusinessStatus.NOT_VERIFIED


def test_an_edit_refused_by_the_service_shows_on_the_field(finance, failed_partner):
    response = finance.post(
        change_url(failed_partner),
        edit_data(
            failed_partner,
            partner_type="BUSINESS",
            company_name="상호",
            business_registration_number="",
            representative_name="",
        ),
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "partner_type" in form.errors
    assert "representative_name" in form.errors["partner_type"][0]
    assert Partner.objects.get(pk=failed_partner.pk).partner_type == "WHT_PAYER"


def test_an_archived_partner_is_read_only(finance, failed_partner):
    services.partner_archive(public_id="p-1", is_for_test=False)

    page = finance.get(change_url(failed_partner)).content.decode()

    assert 'name="account_holder"' not in page
    assert "보관된 파트너입니다" in page
    assert "********6789" in page and "110123456789" not in page


# --- schedule -----------------------------------------------------------------------------------


def schedule_data(partner, when, **overrides) -> dict:
    local = timezone.localtime(when)
    return {
        **edit_data(partner, **overrides),
        "apply_at_0": f"{local:%Y-%m-%d}",
        "apply_at_1": f"{local:%H:%M:%S}",
    }


def test_schedule_a_change_and_see_it_pending_then_cancel_it(finance, failed_partner):
    when = (timezone.now() + timedelta(days=3)).replace(microsecond=0, second=0)

    response = finance.post(
        schedule_url(failed_partner), schedule_data(failed_partner, when, bank="SHINHAN")
    )

    assert response.status_code == 302, response.context["form"].errors
    _partner, version = versioning.schedule_get(
        services.PARTNER, public_id="p-1", is_for_test=False
    )
    assert version.applied_at == when
    assert versioning.decode_terms(services.PARTNER, version.changes) == {"bank": "SHINHAN"}
    assert Partner.objects.get(pk=failed_partner.pk).bank == "KOOKMIN", "not applied yet"
    page = finance.get(change_url(failed_partner)).content.decode()
    assert "예약된 변경" in page and "신한은행" in page
    schedule_page = finance.get(schedule_url(failed_partner)).content.decode()
    assert "국민은행" in schedule_page and "예약 취소" in schedule_page

    finance.post(schedule_url(failed_partner), {"cancel": "1"})

    version.refresh_from_db()
    assert version.state == PartnerVersion.State.CANCELLED


def test_a_schedule_in_the_past_is_refused_on_the_time_field(finance, failed_partner):
    when = timezone.now() - timedelta(hours=1)

    response = finance.post(
        schedule_url(failed_partner), schedule_data(failed_partner, when, bank="SHINHAN")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["apply_at"] == ["미래 시각이어야 합니다."]
    assert not PartnerVersion.objects.filter(state=PartnerVersion.State.SCHEDULED).exists()


def test_a_schedule_without_changes_is_refused(finance, failed_partner):
    when = timezone.now() + timedelta(days=1)

    response = finance.post(schedule_url(failed_partner), schedule_data(failed_partner, when))

    assert response.status_code == 200
    assert "달라지는 항목이 없습니다" in response.content.decode()


def test_a_due_schedule_applies_and_reads_in_the_version_history(finance, failed_partner):
    when = timezone.now() + timedelta(days=1)
    services.partner_schedule(
        public_id="p-1",
        is_for_test=False,
        change=services.PartnerChange(terms={"account_holder": "새 예금주"}),
        applied_at=when,
        replace=False,
    )
    versioning.promote_due(services.PARTNER, now=when + timedelta(minutes=1))

    page = finance.get(change_url(failed_partner)).content.decode()

    history = page.split('id="partner-versions"')[1].split("</table>")[0]
    assert "예금주</strong>: 이작가 → 새 예금주" in history
    assert "최초 등록" in history
    assert "account_holder" not in history and "{" not in history
