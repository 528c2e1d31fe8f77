"""The admin home (settlements.admin.home): money due this week and this month, held and failed
partner settlements, the warning on money due to closed or unverified partners, and the chart's
data, all from known rows with "today" pinned."""

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from partners.models import AccountStatus, BusinessStatus, Partner
from settlements.models import PartnerSettlement, PartnerSettlementStatus
from settlements.selectors import home as numbers
from tests.factories import make_contract, make_partner, make_transfer

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")
TODAY = date(2026, 3, 11)  # a Wednesday: the week is 03-09 .. 03-15


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime(2026, 3, 11, 12, 0, tzinfo=KST), tick=False)


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("finance", "finance@example.com", "pw")
    client.force_login(user)
    return client


def _partner(public_id, *, business=BusinessStatus.IN_BUSINESS, account=AccountStatus.VERIFIED):
    partner = make_partner(public_id, contract_id="C1", name=f"{public_id} 상점")
    Partner.objects.filter(pk=partner.pk).update(business_status=business, account_status=account)
    return Partner.objects.get(pk=partner.pk)


def _settlement(partner, public_id, status, amount, settlement_type="MANUAL", day=date(2026, 3, 2)):
    return PartnerSettlement.all_objects.create(
        public_id=public_id,
        partner=partner,
        settlement_date=day,
        settlement_type=settlement_type,
        status=status,
        amount_settlement=amount,
    )


@pytest.fixture
def data(today):
    make_contract("C1", name="기본 계약", fee_rate=10_000)
    ok = _partner("ok")
    closed = _partner("closed", business=BusinessStatus.CLOSED)
    unverified = _partner("unverified", account=AccountStatus.NOT_VERIFIED)
    prepared = _settlement(ok, "ps-prepared", PartnerSettlementStatus.PAYOUT_PREPARED, 100_000)

    def manual(partner, amount, day, **kw):
        kw.setdefault("stored_status", "SCHEDULED")
        return make_transfer(
            partner, type="MANUAL", settlement_date=day, amounts={"settlement": amount}, **kw
        )

    # gathered into a partner settlement (정산 내역), this week
    make_transfer(
        ok,
        settlement_date=date(2026, 3, 10),
        amounts={"settlement": 100_000},
        partner_settlement=prepared,
    )
    # not gathered yet (정산 예정): a cancel subtracts; one this week, one later this month
    make_transfer(
        ok,
        type="ORDER_CANCEL",
        stored_status="SCHEDULED",
        settlement_date=date(2026, 3, 12),
        amounts={"settlement": 30_000},
    )
    manual(ok, 5_000, date(2026, 3, 20))
    manual(ok, 7_000, date(2026, 4, 2))  # next month: only in the chart
    manual(ok, 9_999, date(2026, 3, 10), stored_status="PAID_OUT")  # paid: never due
    manual(closed, 40_000, date(2026, 3, 13))  # this week, to a closed business
    manual(unverified, 2_500, date(2026, 2, 20))  # overdue, unverified account
    make_contract("C1", is_for_test=True)
    test_partner = make_partner("ok", contract_id="C1", is_for_test=True)
    manual(test_partner, 1_234, date(2026, 3, 10))

    _settlement(ok, "held-1", PartnerSettlementStatus.PAYOUT_WITHHELD, 11_000)
    _settlement(ok, "held-2", PartnerSettlementStatus.PAYOUT_WITHHELD, 1_000, "ORDER_CANCEL")
    _settlement(closed, "failed-1", PartnerSettlementStatus.PAYOUT_FAILED, 22_000)
    _settlement(ok, "excluded", PartnerSettlementStatus.PAYOUT_EXCLUDED, 50_000)


def _cards(response) -> dict:
    return {card.key: card for card in response.context["home_cards"]}


def test_week_and_month_sums(staff, data):
    response = staff.get(reverse("admin:index"))
    assert response.status_code == 200
    cards = _cards(response)
    week, month = cards["week"], cards["month"]
    assert week.title == "이번 주 지급 예정 (03.09 ~ 03.15)"
    assert week.value == "110,000원"  # 100,000 - 30,000 + 40,000
    assert week.lines[:2] == ["정산 내역 100,000원 · 정산 예정 10,000원", "정산건 3건"]
    assert month.title == "이번 달 지급 예정 (03.01 ~ 03.31)"
    assert month.value == "115,000원"
    assert month.lines[:2] == ["정산 내역 100,000원 · 정산 예정 15,000원", "정산건 4건"]
    query = "mode=live&date_from=2026-03-09&date_until=2026-03-15"
    assert week.link == f"{reverse('settlements-dashboard')}?{query}"
    html = response.content.decode()
    assert 'id="home-card-week"' in html and "110,000원" in html and "115,000원" in html
    # the task links stay below the dashboard
    assert html.index('id="home-cards"') < html.index('id="home-links"')


def test_test_mode_shows_test_data_only(staff, data):
    response = staff.get(reverse("admin:index"), {"mode": "test"})
    cards = _cards(response)
    assert cards["week"].value == "1,234원"
    assert cards["held"].value == "0건"
    assert response.context["home_warning"]["amounts"] == ["1,234원"]  # not verified either
    assert response.context["home_mode"] == "test"


def test_held_and_failed_counts_amounts_and_links(staff, data):
    cards = _cards(staff.get(reverse("admin:index")))
    held, failed = cards["held"], cards["failed"]
    assert (held.title, held.value, held.lines) == ("지급 보류 정산 내역", "2건", ["10,000원"])
    assert (failed.title, failed.value) == ("지급 실패 정산 내역", "1건")
    assert failed.lines == ["22,000원"]
    assert (held.tone, failed.tone) == ("warning", "danger")
    changelist = reverse("admin:settlements_partnersettlement_changelist")
    assert held.link == f"{changelist}?status__exact=PAYOUT_WITHHELD&is_for_test__exact=0"
    assert failed.link == f"{changelist}?status__exact=PAYOUT_FAILED&is_for_test__exact=0"
    listed = staff.get(failed.link)
    assert [ps.public_id for ps in listed.context["cl"].result_list] == ["failed-1"]


def test_warning_on_money_due_to_closed_or_unverified_partners(staff, data):
    response = staff.get(reverse("admin:index"))
    warning = response.context["home_warning"]
    assert warning["amounts"] == ["42,500원"]  # 40,000 (closed) + 2,500 (unverified)
    assert (warning["partners"], warning["closed_partners"], warning["unverified_partners"]) == (
        2,
        1,
        1,
    )
    assert (warning["first_date"], warning["last_date"]) == (date(2026, 2, 20), date(2026, 3, 13))
    html = response.content.decode()
    assert 'id="home-warning"' in html
    assert "확인이 필요한 지급 예정액: 42,500원" in html
    assert "휴·폐업 사업자 1명" in html and "계좌 미인증 1명" in html
    assert "date_from=2026-02-20&amp;date_until=2026-03-13" in html


def test_no_warning_when_every_partner_is_fine(staff, today):
    make_contract("C1")
    make_transfer(_partner("ok"), type="MANUAL", amounts={"settlement": 1}, settlement_date=TODAY)
    response = staff.get(reverse("admin:index"))
    assert response.context["home_warning"] is None
    assert 'id="home-warning"' not in response.content.decode()


def test_chart_data_is_the_aggregation(staff, data):
    response = staff.get(reverse("admin:index"))
    html = response.content.decode()
    match = re.search(r'<script id="home-chart-data" type="application/json">(.*?)</script>', html)
    chart = json.loads(match.group(1))
    assert len(chart["labels"]) == 30
    assert chart["labels"][0] == "2026-03-11" and chart["labels"][-1] == "2026-04-09"
    [krw] = chart["datasets"]
    assert krw["currency"] == "KRW"
    by_day = {d: v for d, v in zip(chart["labels"], krw["data"], strict=True) if v}
    assert by_day == {
        "2026-03-12": -30_000,
        "2026-03-13": 40_000,
        "2026-03-20": 5_000,
        "2026-04-02": 7_000,
    }
    expected = numbers.due_by_date(is_for_test=False, date_from=TODAY).as_json()
    assert chart == expected
    # Chart.js is the file unfold vendors, served from our static files: no CDN
    assert "/static/unfold/js/chart/chart.js" in html
    assert "/static/core/money-chart.js" in html
    assert not re.search(r'<script[^>]+src="https?://', html)


def test_cards_follow_the_permissions(client, django_user_model, data):
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["home_cards"] == []
    assert response.context["home_warning"] is None
    user.user_permissions.add(Permission.objects.get(codename="view_partnersettlement"))
    response = client.get(reverse("admin:index"))
    assert set(_cards(response)) == {"held", "failed"}


def test_other_apps_can_add_cards(staff, data):
    from settlements.admin import home

    def payouts(request, is_for_test):
        return [home.Card(key="balance", title="지급 계좌 잔액", value="1원")]

    home.card_provider(payouts)
    try:
        cards = _cards(staff.get(reverse("admin:index")))
    finally:
        home.PROVIDERS.remove(payouts)
    assert list(cards)[-1] == "balance"
