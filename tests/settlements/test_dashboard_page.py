"""The settlement dashboard page (settlements.admin.dashboard) under unfold: a warning beside a
partner whose business is closed or suspended or whose account is not verified, formatted
amounts, and the Chart.js data equal to the aggregation."""

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from partners.models import AccountStatus, BusinessStatus, Partner
from tests.factories import make_contract, make_partner, make_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model, time_machine):
    time_machine.move_to(datetime(2026, 3, 11, 12, 0, tzinfo=ZoneInfo("Asia/Seoul")), tick=False)
    user = django_user_model.objects.create_superuser("finance", "finance@example.com", "pw")
    client.force_login(user)
    return client


def _partner(public_id, name, **statuses):
    partner = make_partner(public_id, contract_id="C1", name=name)
    Partner.objects.filter(pk=partner.pk).update(
        **{"business_status": BusinessStatus.IN_BUSINESS, "account_status": "VERIFIED", **statuses}
    )
    return partner


@pytest.fixture
def board(db):
    make_contract("C1", name="기본 계약")
    fine = _partner("fine", "정상 상점")
    closed = _partner("closed", "폐업 상점", business_status=BusinessStatus.CLOSED)
    unverified = _partner("unverified", "미인증 상점", account_status=AccountStatus.VERIFY_FAILED)

    def manual(partner, amount, day):
        make_transfer(
            partner,
            type="MANUAL",
            stored_status="SCHEDULED",
            settlement_date=day,
            amounts={"settlement": amount},
        )

    manual(fine, 1_000_000, date(2026, 3, 12))
    manual(closed, 250_000, date(2026, 3, 12))
    manual(closed, -50_000, date(2026, 3, 20))
    manual(unverified, 30_000, date(2026, 3, 20))


def test_a_closed_partner_is_flagged(staff, board):
    response = staff.get(reverse("settlements-dashboard"))
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.context["rows"]}
    assert rows["closed"]["warnings"] == ["폐업"]
    assert rows["unverified"]["warnings"] == ["계좌 예금주 불일치"]
    assert rows["fine"]["warnings"] == []
    html = response.content.decode()
    closed_row = re.search(r'<tr data-key="closed" class="doubtful">(.*?)</tr>', html, re.S)
    assert closed_row is not None
    assert 'data-warning="폐업"' in closed_row.group(1)
    assert "200,000원" in closed_row.group(1)  # 250,000 - 50,000
    fine_row = re.search(r'<tr data-key="fine">(.*?)</tr>', html, re.S).group(1)
    assert "tag-warning" not in fine_row and "1,000,000원" in fine_row
    assert response.context["doubtful_amounts"] == ["230,000원"]
    assert response.context["doubtful_partners"] == 2
    assert "확인이 필요한 지급 예정액: 230,000원" in html


def test_the_contract_view_still_warns(staff, board):
    response = staff.get(reverse("settlements-dashboard"), {"group": "contract"})
    assert response.context["doubtful_amounts"] == ["230,000원"]
    assert 'id="dashboard-warning"' in response.content.decode()


def test_no_warning_outside_the_period(staff, board):
    response = staff.get(
        reverse("settlements-dashboard"), {"date_from": "2026-03-12", "date_until": "2026-03-12"}
    )
    rows = {row["key"]: row for row in response.context["rows"]}
    assert set(rows) == {"fine", "closed"}
    assert response.context["doubtful_amounts"] == ["250,000원"]


def test_chart_data_is_the_aggregation_drawn_by_vendored_chartjs(staff, board):
    response = staff.get(
        reverse("settlements-dashboard"), {"date_from": "2026-03-11", "date_until": "2026-03-20"}
    )
    html = response.content.decode()
    match = re.search(
        r'<script id="dashboard-chart-data" type="application/json">(.*?)</script>', html
    )
    chart = json.loads(match.group(1))
    assert chart["labels"][0] == "2026-03-11" and len(chart["labels"]) == 10
    [krw] = chart["datasets"]
    assert krw["currency"] == "KRW"
    assert {d: v for d, v in zip(chart["labels"], krw["data"], strict=True) if v} == {
        "2026-03-12": 1_250_000,
        "2026-03-20": -20_000,  # -50,000 + 30,000
    }
    assert 'data-money-chart="dashboard-chart-data"' in html
    assert "/static/unfold/js/chart/chart.js" in html
    assert not re.search(r'<script[^>]+src="https?://', html)
