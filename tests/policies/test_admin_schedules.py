"""변경 예약 in the back office: schedule a contract (or policy) change with the entity's own form
and an apply-at time, see it pending on the detail page, cancel it, and watch it apply when the
time comes (core.versioning does the rules; these tests go through the admin pages)."""

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from policies.models import ContractVersion, DiscountSharePolicyVersion
from tests.factories import make_contract, make_discount_share_policy

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=KST)


@pytest.fixture
def staff(client, time_machine):
    time_machine.move_to(NOW, tick=False)
    user = get_user_model().objects.create_superuser("finance", password="pw-12345678")
    client.force_login(user)
    return client


def schedule_post(applied_at: str, **overrides):
    data = {
        "applied_at": applied_at,
        "name": "기본 계약",
        "memo": "",
        "fee_type": "FIXED_RATE",
        "fee_rate": "10",
        "fee_amount": "",
        "platform_fee_vat_payer": "PARTNER",
        "lag_days": "3",
        "date_policy": "HOLIDAY_BEFORE",
        "cycle_method": "MONTHLY",
        "days_of_month": ["31"],
        "manual_dates": "",
    }
    data.update(overrides)
    return data


def urls(contract):
    return (
        reverse("admin:policies_contract_change", args=[contract.pk]),
        reverse("admin:policies_contract_schedule_change", args=[contract.pk]),
        reverse("admin:policies_contract_schedule_cancel", args=[contract.pk]),
    )


def test_schedule_then_cancel(staff):
    contract = make_contract("c-s")
    change, schedule, cancel = urls(contract)
    page = staff.get(change).content.decode()
    assert schedule in page  # the 변경 예약 button
    assert 'id="pending-schedule"' not in page

    form = staff.get(schedule)
    assert form.status_code == 200
    assert 'type="datetime-local"' in form.content.decode()

    response = staff.post(
        schedule,
        schedule_post(
            "2026-04-01T00:00",
            fee_rate="8.5",
            cycle_method="WEEKLY",
            days_of_week=["FRI"],
            days_of_month=[],
        ),
    )
    assert response.status_code == 302 and response["Location"] == change
    version = ContractVersion.objects.get(entity=contract, state="SCHEDULED")
    assert version.applied_at == datetime(2026, 4, 1, 0, 0, tzinfo=KST)
    assert version.changes == {
        "fee_rate": 8_500,
        "cycle_method": "WEEKLY",
        "days_of_week": ["FRI"],
        "days_of_month": [],
    }
    contract.refresh_from_db()
    assert contract.fee_rate == 10_000 and contract.cycle_method == "MONTHLY"  # not yet

    page = html.unescape(staff.get(change).content.decode())
    assert 'id="pending-schedule"' in page
    assert "2026-04-01 00:00" in page
    assert "8.5%" in page and "10%" in page and "금요일" in page
    assert cancel in page
    listing = staff.get("/admin/policies/contract/").content.decode()
    assert "변경 예약" in listing  # the list's badge

    confirm = staff.get(cancel)
    assert confirm.status_code == 200 and "예약된 변경을 취소할까요?" in confirm.content.decode()
    assert ContractVersion.objects.filter(state="SCHEDULED").exists()  # GET changes nothing
    response = staff.post(cancel)
    assert response.status_code == 302
    assert not ContractVersion.objects.filter(entity=contract, state="SCHEDULED").exists()
    assert (
        ContractVersion.objects.get(entity=contract, state="CANCELLED").changes["fee_rate"] == 8_500
    )
    assert 'id="pending-schedule"' not in staff.get(change).content.decode()


def test_the_scheduled_change_applies_when_its_time_comes(staff, time_machine):
    contract = make_contract("c-t")
    change, schedule, _cancel = urls(contract)
    response = staff.post(
        schedule, schedule_post("2026-03-05T09:30", days_of_month=["10", "25"], lag_days="5")
    )
    assert response.status_code == 302
    time_machine.move_to(datetime(2026, 3, 5, 9, 29, tzinfo=KST), tick=False)
    staff.get(change)
    contract.refresh_from_db()
    assert contract.days_of_month == [31]

    time_machine.move_to(datetime(2026, 3, 5, 9, 31, tzinfo=KST), tick=False)
    page = html.unescape(staff.get("/admin/policies/contract/").content.decode())
    assert "매월 10일, 25일" in page and "D+5" in page
    contract.refresh_from_db()
    assert contract.days_of_month == [10, 25] and contract.lag_days == 5
    assert contract.applied_at == datetime(2026, 3, 5, 9, 30, tzinfo=KST)
    applied = ContractVersion.objects.filter(entity=contract, state="APPLIED").order_by("id")
    assert [v.terms["days_of_month"] for v in applied] == [[31], [10, 25]]
    detail = html.unescape(staff.get(change).content.decode())
    assert 'id="pending-schedule"' not in detail
    assert "정산일(매월):</span> 말일 → 10일, 25일" in detail  # the version history


def test_a_second_save_replaces_the_pending_schedule(staff):
    contract = make_contract("c-r")
    _change, schedule, _cancel = urls(contract)
    staff.post(schedule, schedule_post("2026-04-01T00:00", fee_rate="9"))
    form = staff.get(schedule).content.decode()
    assert "이미" in form and 'value="9"' in form  # starts from the pending change
    assert 'value="2026-04-01T00:00"' in form
    response = staff.post(schedule, schedule_post("2026-05-01T00:00", fee_rate="7"))
    assert response.status_code == 302
    states = dict(
        ContractVersion.objects.filter(entity=contract)
        .exclude(state="APPLIED")
        .values_list("changes__fee_rate", "state")
    )
    assert states == {9_000: "CANCELLED", 7_000: "SCHEDULED"}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"applied_at": "2026-03-01T09:00"}, "applied_at", "미래 시각이어야 합니다."),
        ({"applied_at": ""}, "applied_at", ""),
        ({"days_of_month": ["32"]}, "days_of_month", "1~31일"),
        ({"cycle_method": "MANUAL_DATES", "manual_dates": "2/30"}, "manual_dates", "2월에는"),
    ],
)
def test_invalid_schedule_shows_the_error_and_schedules_nothing(staff, overrides, field, message):
    contract = make_contract("c-i")
    _change, schedule, _cancel = urls(contract)
    data = schedule_post("2026-04-01T00:00", fee_rate="9")
    data.update(overrides)
    response = staff.post(schedule, data)
    assert response.status_code == 200
    errors = [str(e) for e in response.context["adminform"].form.errors[field]]
    assert any(message in e for e in errors), errors
    assert not ContractVersion.objects.exclude(state="APPLIED").exists()


def test_nothing_changed_is_refused(staff):
    contract = make_contract("c-n")
    _change, schedule, _cancel = urls(contract)
    response = staff.post(schedule, schedule_post("2026-04-01T00:00"))
    assert response.status_code == 200
    assert "달라진 것이 없습니다" in response.content.decode()
    assert not ContractVersion.objects.exclude(state="APPLIED").exists()


def test_archived_contract_cannot_be_scheduled(staff):
    contract = make_contract("c-a")
    staff.post(
        "/admin/policies/contract/",
        {"action": "archive_selected", "_selected_action": [contract.pk]},
    )
    change, schedule, _cancel = urls(contract)
    response = staff.post(schedule, schedule_post("2026-04-01T00:00", fee_rate="9"))
    assert response.status_code == 302 and response["Location"] == change
    assert not ContractVersion.objects.exclude(state="APPLIED").exists()


def test_policy_change_can_be_scheduled_too(staff, time_machine):
    policy = make_discount_share_policy("d-s", partner_share_rate=50_000)
    schedule = reverse("admin:policies_discountsharepolicy_schedule_change", args=[policy.pk])
    response = staff.post(
        schedule,
        {
            "applied_at": "2026-03-10T00:00",
            "name": "쿠폰 분담",
            "memo": "",
            "partner_share_rate": "40",
        },
    )
    assert response.status_code == 302
    version = DiscountSharePolicyVersion.objects.get(entity=policy, state="SCHEDULED")
    assert version.changes == {"partner_share_rate": 40_000}
    change = reverse("admin:policies_discountsharepolicy_change", args=[policy.pk])
    assert "40%" in staff.get(change).content.decode()
    time_machine.move_to(NOW + timedelta(days=9), tick=False)
    staff.get("/admin/policies/discountsharepolicy/")
    policy.refresh_from_db()
    assert policy.partner_share_rate == 40_000
