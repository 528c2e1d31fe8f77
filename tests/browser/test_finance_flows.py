"""The finance team's everyday writes in a real browser, each one checked in the database too:
create a contract with a monthly cycle, register a partner by hand and fix its failed account,
add a manual transfer (+ and −)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import won


@pytest.fixture
def sync_tasks(monkeypatch):
    """django-q2 runs tasks at once in the thread that queues them (the live server's), as the
    worker of `make run` would a moment later."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def _save(page) -> None:
    page.locator("#submit-row [name=_save], [name=_save]").first.click()


def test_create_a_contract_with_a_monthly_cycle(admin_page, screenshot):
    from policies.models import Contract

    page = admin_page
    page.goto("/admin/policies/contract/add/")
    screenshot("계약 추가 화면")
    page.fill("input[name=public_id]", "monthly-10-25")
    page.fill("input[name=name]", "월 2회 정산 (10일, 25일)")
    page.locator("input[name=fee_type][value=FIXED_RATE]").check()
    page.fill("input[name=fee_rate]", "3.5")
    page.locator("input[name=platform_fee_vat_payer][value=PARTNER]").check()
    page.fill("input[name=lag_days]", "3")
    page.locator("input[name=date_policy][value=HOLIDAY_AFTER]").check()
    page.locator("input[name=cycle_method][value=MONTHLY]").check()
    # The day grid appears for the monthly cycle; nothing chosen yet is an error on that field.
    _save(page)
    expect(page.locator(".errorlist, .errornote").first).to_be_visible()
    screenshot("정산일 미선택 오류")
    assert not Contract.objects.filter(public_id="monthly-10-25").exists()

    expect(page.locator(".errorlist").first).to_be_visible()
    page.locator("input[name=days_of_month][value='10']").check()
    page.locator("input[name=days_of_month][value='25']").check()
    screenshot("10일 25일 선택")
    _save(page)

    page.wait_for_url("**/admin/policies/contract/")
    row = page.locator("#result_list tbody tr", has_text="monthly-10-25")
    expect(row).to_contain_text("매월 10일, 25일")
    expect(row).to_contain_text("3.5%")
    screenshot("계약 목록")
    contract = Contract.objects.get(public_id="monthly-10-25")
    assert (contract.cycle_method, contract.days_of_month) == ("MONTHLY", [10, 25])
    assert (contract.fee_type, contract.fee_rate, contract.lag_days) == ("FIXED_RATE", 3_500, 3)
    assert contract.versions.count() == 1


def test_register_a_partner_by_hand_and_fix_its_failed_account(admin_page, sync_tasks, screenshot):
    from partners.models import AccountStatus, Partner
    from tests.factories import make_contract

    make_contract("c-1", name="기본 계약")
    page = admin_page
    page.goto("/admin/partners/partner/add/")
    page.fill("input[name=public_id]", "hand-made")
    page.fill("input[name=name]", "손수 상점")
    page.locator("select[name=default_contract]").select_option("c-1")
    page.fill("input[name=contact_name]", "김담당")
    page.fill("input[name=contact_email]", "owner@example.com")
    page.locator("select[name=bank]").select_option("KOOKMIN")
    # The sandbox's rule (README, 예금주 조회): the holder of a number ending in 1 is 김민준.
    page.fill("input[name=account_number]", "110-123-456781")
    page.fill("input[name=account_holder]", "홍길동")
    page.locator("input[name=partner_type][value=BUSINESS]").check()
    page.fill("input[name=company_name]", "손수 상점")
    page.fill("input[name=business_registration_number]", "120-81-47521")
    page.fill("input[name=representative_name]", "홍길동")
    screenshot("파트너 등록 양식", full_page=True)
    _save(page)

    page.wait_for_url("**/admin/partners/partner/**")
    partner = Partner.objects.get(public_id="hand-made")
    assert partner.account_status == AccountStatus.VERIFY_FAILED
    assert "김민준" in partner.account_verification_message
    page.goto(f"/admin/partners/partner/{partner.pk}/change/")
    expect(page.locator(".money-warning").first).to_be_visible()
    screenshot("계좌 확인 실패 경고", full_page=True)

    # Fix: the holder the bank knows.
    page.fill("input[name=account_holder]", "김민준")
    _save(page)
    page.wait_for_url("**/admin/partners/partner/**")
    partner.refresh_from_db()
    assert partner.account_status == AccountStatus.VERIFIED
    assert (partner.account_number, partner.account_holder) == ("110123456781", "김민준")
    assert partner.versions.count() == 2
    page.goto(f"/admin/partners/partner/{partner.pk}/change/")
    expect(page.locator(".money-warning")).to_have_count(0)
    screenshot("계좌 수정 후", full_page=True)


def _choose_partner(page, text: str) -> None:
    """The select2 search box of the partner field."""
    page.locator("#id_partner + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_add_a_manual_transfer_positive_and_negative(admin_page, screenshot):
    from settlements.models import Transfer
    from tests.factories import make_contract, make_partner

    make_contract("c-1")
    make_partner("seller", contract_id="c-1", name="가나 상점")
    date = timezone.localdate() + timedelta(days=3)
    page = admin_page

    for amount, memo in (("12,000", "12월 프로모션 지원금"), ("-3000", "배송비 차감")):
        page.goto("/admin/settlements/transfer/add/")
        _choose_partner(page, "가나 상점")
        page.fill("input[name=settlement_amount]", amount)
        page.fill("input[name=settlement_date]", date.isoformat())
        page.fill("input[name=memo]", memo)
        screenshot(f"수기 정산 {amount}")
        _save(page)
        page.wait_for_url("**/admin/settlements/transfer/*/change/**")
        expect(page.locator("body")).to_contain_text(memo)

    rows = list(
        Transfer.objects.order_by("pk").values_list(
            "type", "partner__public_id", "amount_settlement", "settlement_date", "memo"
        )
    )
    assert rows == [
        ("MANUAL", "seller", 12_000, date, "12월 프로모션 지원금"),
        ("MANUAL", "seller", -3_000, date, "배송비 차감"),
    ]

    page.goto("/admin/settlements/transfer/?type__exact=MANUAL")
    table = page.locator("#result_list")
    expect(table.locator("tbody tr")).to_have_count(2)
    amounts = sorted(
        won(t) for t in table.locator("td.field-amount_settlement_money").all_inner_texts()
    )
    assert amounts == [-3_000, 12_000]
    expect(page.locator(".list-totals")).to_contain_text("9,000원")
    screenshot("수기 정산 목록과 합계")
