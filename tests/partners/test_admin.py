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
