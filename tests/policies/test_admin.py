import pytest
from django.contrib.auth import get_user_model

from policies.models import Contract, DiscountSharePolicy
from tests.factories import make_additional_fee_policy, make_contract, make_discount_share_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("finance", password="pw-12345678")
    client.force_login(user)
    return client


def test_lists_show_rates_as_percent_in_korean(staff):
    make_contract("c1", name="월말 계약", fee_rate=3_500)
    make_discount_share_policy("d1", partner_share_rate=12_345)
    make_additional_fee_policy("f1", fee_amount=1_500)
    page = staff.get("/admin/policies/contract/").content.decode()
    assert "월말 계약" in page and "3.5%" in page and "계약" in page
    assert "12.345%" in staff.get("/admin/policies/discountsharepolicy/").content.decode()
    assert "1,500원" in staff.get("/admin/policies/additionalfeepolicy/").content.decode()


def test_search_and_filters(staff):
    make_contract("c-alpha", name="알파")
    make_contract("c-beta", name="베타", cycle_method="DAILY", days_of_month=[])
    page = staff.get("/admin/policies/contract/", {"q": "알파"}).content.decode()
    assert "c-alpha" in page and "c-beta" not in page
    page = staff.get("/admin/policies/contract/", {"cycle_method__exact": "DAILY"}).content.decode()
    assert "c-beta" in page and "c-alpha" not in page


def test_archive_and_recover_actions(staff):
    contract = make_contract("c-arch")
    url = "/admin/policies/contract/"
    staff.post(url, {"action": "archive_selected", "_selected_action": [contract.pk]})
    contract.refresh_from_db()
    assert contract.is_archived
    staff.post(url, {"action": "recover_selected", "_selected_action": [contract.pk]})
    contract.refresh_from_db()
    assert not contract.is_archived


def test_add_contract_through_admin_creates_first_version(staff):
    response = staff.post(
        "/admin/policies/contract/add/",
        {
            "public_id": "admin-made",
            "name": "관리자 계약",
            "fee_type": "FIXED_RATE",
            "fee_rate": "10.8",
            "platform_fee_vat_payer": "MERCHANT",
            "lag_days": "11",
            "date_policy": "CALENDAR_DAY",
            "cycle_method": "DAILY",
            "days_of_week": "[]",
            "days_of_month": "[]",
            "manual_dates": "[]",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # lag 11 refused, form shown again
    assert "1~10" in response.content.decode()
    assert not Contract.objects.exists()
    response = staff.post(
        "/admin/policies/contract/add/",
        {
            "public_id": "admin-made",
            "name": "관리자 계약",
            "fee_type": "FIXED_RATE",
            "fee_rate": "10.8",
            "platform_fee_vat_payer": "MERCHANT",
            "lag_days": "2",
            "date_policy": "CALENDAR_DAY",
            "cycle_method": "DAILY",
            "days_of_week": "[]",
            "days_of_month": "[]",
            "manual_dates": "[]",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    contract = Contract.objects.get(public_id="admin-made")
    assert contract.fee_rate == 10_800
    assert contract.versions.count() == 1


def test_history_page_shows_changes(staff):
    policy = make_discount_share_policy("d-h")
    response = staff.get(f"/admin/policies/discountsharepolicy/{policy.pk}/history/")
    assert response.status_code == 200
    assert DiscountSharePolicy.history.filter(public_id="d-h").count() == 1
