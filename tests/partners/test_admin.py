import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from partners.models import Partner
from tests.factories import make_contract, make_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(db):
    make_contract("c", name="기본 계약")
    return make_partner(
        "p-1",
        contract_id="c",
        name="가나다 상점",
        tags=["패션"],
        account_number="110123456789",
        partner_type="WHT_PAYER",
        birthdate="1990-01-31",
    )


def staff_client(client, *perms: str):
    user = get_user_model().objects.create_user("finance", password="pw-12345678", is_staff=True)
    for codename in ("view_partner", "change_partner", *perms):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return client


def test_list_masks_account_numbers_and_filters(client, partner):
    page = staff_client(client).get("/admin/partners/partner/").content.decode()
    assert "가나다 상점" in page
    assert "********6789" in page
    assert "110123456789" not in page
    filtered = client.get("/admin/partners/partner/", {"tag": "없는태그"}).content.decode()
    assert "가나다 상점" not in filtered
    searched = client.get("/admin/partners/partner/", {"q": "패션"}).content.decode()
    assert "가나다 상점" in searched


def test_full_account_number_needs_the_permission(client, partner):
    url = f"/admin/partners/partner/{partner.pk}/change/"
    page = staff_client(client).get(url).content.decode()
    assert "110123456789" not in page and "1990-01-31" not in page
    assert "********6789" in page and "1990-**-**" in page
    client.logout()
    get_user_model().objects.all().delete()
    page = staff_client(client, "view_partner_personal_data").get(url).content.decode()
    assert "110123456789" in page and "1990-01-31" in page


def test_archive_recover_and_reverify_actions(client, partner):
    staff_client(client)
    url = "/admin/partners/partner/"
    client.post(url, {"action": "archive_selected", "_selected_action": [partner.pk]})
    assert Partner.objects.get(pk=partner.pk).is_archived
    client.post(url, {"action": "recover_selected", "_selected_action": [partner.pk]})
    assert not Partner.objects.get(pk=partner.pk).is_archived
    response = client.post(
        url, {"action": "reverify_selected", "_selected_action": [partner.pk]}, follow=True
    )
    assert "1명 확인을 요청했습니다" in response.content.decode()


def test_history_page(client, partner):
    response = staff_client(client).get(f"/admin/partners/partner/{partner.pk}/history/")
    assert response.status_code == 200


def badge_classes(page: str, text: str) -> str:
    """The class of the unfold label whose text is `text` ("" when there is none)."""
    match = re.search(
        r'<span class="(inline-block[^"]*)"[^>]*>\s*' + re.escape(text) + r"\s*</span>", page
    )
    return match.group(1) if match else ""


def test_list_shows_formatted_brn_korean_badges_and_tag_chips(client, partner):
    make_partner(
        "biz-1", contract_id="c", name="주식회사 아주 긴 이름의 사업자 상점", tags=["리빙"]
    )
    Partner.objects.filter(public_id="biz-1").update(
        business_status="CLOSED", account_status="VERIFIED"
    )

    page = staff_client(client).get("/admin/partners/partner/").content.decode()

    assert "120-81-47521" in page and "1208147521" not in page
    assert "bg-red-100" in badge_classes(page, "폐업"), "a closed business is a red badge"
    assert "bg-green-100" in badge_classes(page, "인증 완료")
    assert badge_classes(page, "미인증"), "not verified yet: a (neutral) badge"
    assert badge_classes(page, "원천징수 대상자") and badge_classes(page, "사업자")
    table = page.split('id="result_list"')[1].split("</table>")[0]
    assert "CLOSED" not in table and "VERIFIED" not in table
    assert '["패션"]' not in page and "리빙" in page
    assert 'class="cell-name"' in page
    headers = page.split("<thead")[1].split("</thead>")[0]
    for header in ("파트너", "유형", "사업자등록번호", "정산 계좌", "계좌 인증", "사업자 상태"):
        assert header in headers
    assert "담당자 이메일" not in headers


def test_list_filters_by_account_status_and_test_mode(client, partner):
    staff_client(client)
    url = "/admin/partners/partner/"

    failed = client.get(url, {"account_status__exact": "VERIFY_FAILED"}).content.decode()
    assert "가나다 상점" not in failed
    pending = client.get(url, {"account_status__exact": "NOT_VERIFIED"}).content.decode()
    assert "가나다 상점" in pending
    test_mode = client.get(url, {"is_for_test__exact": "1"}).content.decode()
    assert "가나다 상점" not in test_mode


def test_verification_records_have_korean_columns_and_formatted_brn(client, db):
    from partners.models import CompanyVerification

    CompanyVerification.objects.create(
        public_id="cv-1", business_registration_number="1208147521", status="SUSPENDED"
    )
    user = get_user_model().objects.create_superuser("boss", password="pw-12345678")
    client.force_login(user)

    page = client.get("/admin/partners/companyverification/").content.decode()

    assert "120-81-47521" in page and "휴업" in page and "조회 시각" in page
    assert "Created at" not in page and "public id" not in page.lower()
    assert client.get("/admin/partners/accountverification/").status_code == 200
    assert client.get("/admin/partners/userdefinedproperty/").status_code == 200
