"""Paying partners in a real browser: create a bulk payout from the filter page, read the
preview's total, confirm, deposit what is missing, start it and watch it reach 완료 (with django-q2
running tasks at once, it completes immediately); each step checked in the database too."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import won


@pytest.fixture
def sync_tasks(monkeypatch):
    """django-q2 runs tasks at once in the thread that queues them (the live server's)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def _payable_settlements():
    """Two live partners with a payable settlement each: a business (550,000) and a
    withholding-tax individual (1,000,000, 3.3 % withheld)."""
    from datetime import date

    from policies.models import PlatformSetting
    from settlements.services.gather import partner_settlements_gather
    from tests.factories import make_contract, make_partner, make_transfer

    PlatformSetting.objects.update_or_create(is_for_test=False, defaults={"deduct_wht": True})
    make_contract("c-1", name="기본 계약")
    shop = make_partner("shop", contract_id="c-1", name="가나 상점")
    person = make_partner(
        "person", contract_id="c-1", name="김강사", partner_type="WHT_PAYER", birthdate="1990-01-01"
    )
    for partner, amount in ((shop, 550_000), (person, 1_000_000)):
        make_transfer(partner, settlement_date=date(2026, 3, 10), amounts={"settlement": amount})
    partner_settlements_gather()


def test_create_start_and_watch_a_bulk_payout(admin_page, sync_tasks, screenshot):
    from payouts.models import BulkPayout
    from payouts.services.ledger import balances
    from settlements.models import PartnerSettlement

    _payable_settlements()
    page = admin_page
    page.goto("/admin/payouts/bulkpayout/create/")
    expect(page.locator("#selection-filter")).to_be_visible()
    screenshot("일괄 지급 만들기")
    page.locator("select[name=mode]").select_option("live")
    page.fill("input[name=date_from]", "2026-03-01")
    page.fill("input[name=date_until]", "2026-03-31")
    page.locator("#preview-button").click()

    expect(page.locator("#preview-rows")).to_be_visible()
    screenshot("미리 보기", full_page=True)
    total = won(page.locator("#total-KRW").inner_text())
    assert total == 550_000 + 967_000
    person = page.locator("#preview-rows tr[data-partner=person]")
    assert won(person.locator("[data-key=income_tax]").inner_text()) == 30_000
    assert won(person.locator("[data-key=local_income_tax]").inner_text()) == 3_000
    missing = won(page.locator("#recommended-deposit").inner_text())
    assert missing == total  # a new live account holds nothing

    page.fill("input[name=name]", "3월 정산 지급")
    page.locator("#create-button").click()
    page.wait_for_url("**/admin/payouts/bulkpayout/*/change/")
    expect(page.locator("#bulk-status-label")).to_have_text("준비 완료")
    screenshot("일괄 지급 준비 완료", full_page=True)
    bulk = BulkPayout.objects.get()
    assert (bulk.payout_count, bulk.total_payout_amount) == (2, total)

    # Starting without money is refused with the shortfall; deposit what the preview said.
    page.locator("[data-action=start]").click()
    page.locator("#confirm-button").click()
    expect(page.get_by_text("지급 계좌 잔액이 부족합니다").first).to_contain_text(
        f"부족 {missing:,}원"
    )
    screenshot("잔액 부족")
    page.goto("/admin/payouts/accounttransfer/deposit/")
    page.locator("select[name=mode]").select_option("live")
    page.fill("input[name=amount]", f"{missing:,}")
    page.fill("input[name=depositor_name]", "(주)플랫폼")
    page.fill("input[name=memo]", "3월 지급 재원")
    screenshot("입금 등록")
    page.locator("#deposit-button").click()
    page.wait_for_url("**/admin/payouts/accounttransfer/**")
    expect(page.locator("#balance-live")).to_contain_text(f"{missing:,}원")
    screenshot("원장")
    assert balances(False).available == total

    page.goto(f"/admin/payouts/bulkpayout/{bulk.pk}/change/")
    page.locator("[data-action=start]").click()
    expect(page.locator("#confirm-summary")).to_contain_text(f"{total:,}원")
    screenshot("시작 확인")
    page.locator("#confirm-button").click()
    page.wait_for_url(f"**/admin/payouts/bulkpayout/{bulk.pk}/change/")
    expect(page.locator("#bulk-status-label")).to_have_text("완료")
    expect(page.locator("#bulk-stats tr[data-status=SUCCEEDED] td").nth(1)).to_have_text("2")
    expect(page.locator("#progress-text")).to_contain_text("2 / 2건")
    screenshot("완료", full_page=True)
    bulk.refresh_from_db()
    assert bulk.status == "COMPLETED"
    assert set(PartnerSettlement.objects.values_list("status", flat=True)) == {"PAID_OUT"}
    assert balances(False).balance == 0
