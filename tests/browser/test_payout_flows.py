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


def _test_mode_settlements(accounts: dict[str, str]) -> None:
    """Test-mode partners (the test ledger starts at 1,000,000,000원), one payable settlement
    each of 100,000원 × its position, paid to the given account numbers."""
    from datetime import date

    from settlements.services.gather import partner_settlements_gather
    from tests.factories import make_contract, make_partner, make_transfer

    make_contract("tc-1", is_for_test=True, name="테스트 계약")
    for i, (name, account) in enumerate(accounts.items(), start=1):
        partner = make_partner(
            name, contract_id="tc-1", is_for_test=True, name=name, account_number=account
        )
        make_transfer(
            partner, settlement_date=date(2026, 3, 10), amounts={"settlement": 100_000 * i}
        )
    partner_settlements_gather()


def _create_in_test_mode(page, name: str) -> None:
    page.goto("/admin/payouts/bulkpayout/create/")
    page.locator("select[name=mode]").select_option("test")
    page.fill("input[name=date_from]", "2026-03-01")
    page.fill("input[name=date_until]", "2026-03-31")
    page.locator("#preview-button").click()
    expect(page.locator("#preview-rows")).to_be_visible()
    page.fill("input[name=name]", name)
    page.locator("#create-button").click()
    page.wait_for_url("**/admin/payouts/bulkpayout/*/change/")


def test_failures_show_their_reasons_and_are_paid_again(
    admin_page, sync_tasks, screenshot, settings
):
    """The sandbox bank by last digit: 9 fails at once, 8 fails after the retries, 7 times out
    and the inquiry finds it paid. The page lists each failure with its reason; "실패 건 다시
    지급" puts exactly the failed settlements into a new bulk payout."""
    from payouts.models import BulkPayout
    from payouts.services.ledger import balances
    from settlements.models import PartnerSettlement

    settings.PAYOUT_RETRY_BACKOFF_MS = 0
    _test_mode_settlements(
        {"정상": "1101234560", "오류": "1101234569", "점검": "1101234568", "지연": "1101234567"}
    )
    page = admin_page
    _create_in_test_mode(page, "3월 테스트 지급")
    bulk = BulkPayout.objects.get()
    page.locator("[data-action=start]").click()
    page.locator("#confirm-button").click()
    page.wait_for_url(f"**/admin/payouts/bulkpayout/{bulk.pk}/change/")
    expect(page.locator("#bulk-status-label")).to_have_text("완료")
    expect(page.locator("#bulk-failures h2")).to_have_text("실패 2건")
    screenshot("실패 사유", full_page=True)
    failures = page.locator("#bulk-failures tbody tr")
    reasons = {
        failures.nth(i).locator("td").first.inner_text().split()[0]: failures.nth(i)
        .locator(".fail-reason")
        .inner_text()
        for i in range(failures.count())
    }
    assert reasons == {"오류": "계좌번호 오류", "점검": "은행 점검 시간"}
    expect(failures.first.locator("td").nth(1)).to_have_text("국민은행 ******4569")
    expect(page.locator("#bulk-stats tr[data-status=SUCCEEDED] td").nth(1)).to_have_text("2")
    expect(page.locator("#bulk-stats tr[data-status=FAILED] td").nth(1)).to_have_text("2")
    paid = 100_000 + 400_000  # 정상, and 지연 found paid by the inquiry
    assert balances(True).balance == 1_000_000_000 - paid

    page.locator("[data-action=retry]").click()
    expect(page.locator("#confirm-summary")).to_contain_text("정산 내역 2건")
    page.locator("#confirm-button").click()
    page.wait_for_url("**/admin/payouts/bulkpayout/*/change/")
    again = BulkPayout.objects.exclude(pk=bulk.pk).get()
    assert page.url.endswith(f"/bulkpayout/{again.pk}/change/")
    expect(page.locator("#bulk-status-label")).to_have_text("준비 완료")
    screenshot("재지급 준비", full_page=True)
    assert sorted(again.payouts.values_list("partner_name", "amount")) == [
        ("오류", 200_000),
        ("점검", 300_000),
    ]
    statuses = dict(PartnerSettlement.objects.values_list("partner__name", "status"))
    assert statuses == {
        "정상": "PAID_OUT",
        "지연": "PAID_OUT",
        "오류": "CONFIRMED",  # held by the new, prepared bulk payout
        "점검": "CONFIRMED",
    }


def test_schedule_then_cancel_returns_the_money_and_the_settlements(
    admin_page, sync_tasks, screenshot
):
    """Scheduling reserves the total at once; cancelling the schedule gives it back and makes
    the settlements payable again."""
    from payouts.models import BulkPayout
    from payouts.services.ledger import balances
    from settlements.models import PartnerSettlement

    _test_mode_settlements({"가": "1101234560", "나": "1101234561"})
    page = admin_page
    _create_in_test_mode(page, "예약 지급")
    bulk = BulkPayout.objects.get()
    page.locator("[data-action=schedule]").click()
    page.fill("input[name=date]", "2099-01-05")
    page.locator("select[name=time]").select_option("10:30")
    screenshot("예약")
    page.locator("#confirm-button").click()
    page.wait_for_url(f"**/admin/payouts/bulkpayout/{bulk.pk}/change/")
    expect(page.locator("#scheduled-at")).to_have_text("(예약 2099-01-05 10:30)")
    assert balances(True).available == 1_000_000_000 - 300_000
    screenshot("예약됨", full_page=True)

    page.locator("[data-action=unschedule]").click()
    page.locator("#confirm-button").click()
    page.wait_for_url(f"**/admin/payouts/bulkpayout/{bulk.pk}/change/")
    expect(page.locator("#bulk-status-label")).to_have_text("취소")
    assert balances(True).available == 1_000_000_000
    assert set(PartnerSettlement.objects.values_list("status", flat=True)) == {"PAYOUT_PREPARED"}
