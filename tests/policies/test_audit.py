"""Who changed what: staff users in the admin and API secrets through the API."""

import pytest
from django.contrib.auth import get_user_model

from policies.models import Contract
from tests.factories import make_contract

pytestmark = pytest.mark.django_db


def test_api_changes_record_the_secret(api_client):
    make_contract("a", name="처음")
    response = api_client.patch("/platform/contracts/a", {"name": "바뀜"}, format="json")
    assert response.status_code == 200
    latest = Contract.history.filter(public_id="a").order_by("-history_date").first()
    assert latest.name == "바뀜"
    assert latest.history_api_secret == "test integrator"
    assert latest.history_user is None
    previous = latest.prev_record
    delta = latest.diff_against(previous)
    assert [(c.field, c.old, c.new) for c in delta.changes if c.field == "name"] == [
        ("name", "처음", "바뀜")
    ]


def test_admin_changes_record_the_staff_user(client):
    user = get_user_model().objects.create_superuser("finance", password="pw-12345678")
    client.force_login(user)
    contract = make_contract("b", fee_rate=3_500)
    response = client.post(
        f"/admin/policies/contract/{contract.pk}/change/",
        {
            "name": "관리자 수정",
            "memo": "",
            "fee_type": "FIXED_RATE",
            "fee_rate": "4.25",
            "fee_amount": "",
            "platform_fee_vat_payer": "PARTNER",
            "lag_days": "3",
            "date_policy": "HOLIDAY_BEFORE",
            "cycle_method": "MONTHLY",
            "days_of_month": ["31"],  # the day-of-month checkbox grid
            "manual_dates": "",
            "versions-TOTAL_FORMS": "1",
            "versions-INITIAL_FORMS": "1",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
            "versions-0-id": str(contract.versions.get().pk),
            "versions-0-entity": str(contract.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contract.refresh_from_db()
    assert contract.fee_rate == 4_250  # entered as percent, stored as milli-percent
    assert contract.name == "관리자 수정"
    assert contract.versions.count() == 2
    latest = Contract.history.filter(public_id="b").order_by("-history_date").first()
    assert latest.history_user == user
    assert latest.history_api_secret == ""
