"""The finance team's first flows in a real browser: log in, see the sections of the sidebar."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import login, table_cell, won

SECTIONS = ["대시보드", "파트너", "정책", "정산", "지급", "세금계산서", "시스템"]


def test_log_in_and_see_the_home_and_every_sidebar_section(page, django_user_model, screenshot):
    django_user_model.objects.create_superuser("finance", "finance@example.com", "s3cret-pw")

    page.goto("/admin/")
    expect(page).to_have_url("/admin/login/?next=/admin/")
    screenshot("로그인 화면")
    page.fill("input[name=username]", "finance")
    page.fill("input[name=password]", "wrong")
    page.locator("form [type=submit]").first.click()
    expect(page.locator("body")).to_contain_text("관리자 계정의 사용자 이름")
    screenshot("잘못된 비밀번호")

    login(page, "finance", "s3cret-pw")
    expect(page).to_have_title("정산 백오피스 | 파트너 정산")
    sidebar = page.locator("#nav-sidebar")
    expect(sidebar.locator("h2")).to_have_text(SECTIONS)
    expect(sidebar.get_by_role("link", name="정산 대시보드")).to_be_visible()
    expect(sidebar.get_by_role("link", name="API 시크릿")).to_be_visible()
    screenshot("홈")

    sidebar.locator('a[href="/admin/partners/partner/"]').click()
    expect(page).to_have_url("/admin/partners/partner/")
    screenshot("파트너 목록")


# --- partner file upload: a bad row, its error, the fixed file imported ---------------------------


def _partner_rows(brn_of_second: str) -> list[dict]:
    business = {
        "name": "가나다 상점",
        "partner_type": "사업자",
        "contact_name": "김담당",
        "contact_email": "owner@example.com",
        "bank": "국민은행",
        "account_number": "110-123-456780",
        "account_holder": "주식회사 가나다",
        "default_contract": "c-1",
        "company_name": "주식회사 가나다",
        "representative_name": "김대표",
        "taxation_type": "일반과세",
    }
    return [
        {**business, "public_id": "browser-1", "business_registration_number": "120-81-47521"},
        {
            **business,
            "public_id": "browser-2",
            "name": "라마바 상사",
            "business_registration_number": brn_of_second,
        },
        {
            "public_id": "browser-3",
            "name": "이작가",
            "partner_type": "원천징수대상자",
            "contact_name": "이작가",
            "contact_email": "writer@example.com",
            "bank": "신한은행",
            "account_number": "110987654321",
            "account_holder": "이작가",
            "default_contract": "c-1",
            "birthdate": "1990-01-02",
        },
    ]


def _write_csv(path, rows: list[dict]):
    import csv

    from partners.files.columns import IMPORT_FIELDS
    from partners.files.export import PartnerResource

    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([header for _, header in PartnerResource.import_columns()])
        for row in rows:
            writer.writerow([row.get(field, "") for field in IMPORT_FIELDS])
    return path


def test_upload_partners_read_the_row_error_fix_the_file_and_import(
    admin_page, tmp_path, screenshot
):
    from partners.files.export import PartnerResource
    from partners.models import Partner
    from tests.factories import make_contract

    make_contract("c-1", name="기본 계약")
    page = admin_page
    brn_header = dict(PartnerResource.import_columns())["business_registration_number"]

    page.goto("/admin/partners/partner/import/")
    screenshot("업로드 화면")
    bad = _write_csv(tmp_path / "partners.csv", _partner_rows("120-81-47522"))  # check digit
    page.locator("#upload-form input[type=file]").set_input_files(bad)
    page.locator("#upload-form [type=submit]").click()

    errors = page.locator("#upload-errors tbody tr")
    expect(errors).to_have_count(1)
    cells = errors.first.locator("td")
    expect(cells.nth(0)).to_have_text("3")  # header = row 1, so the second partner is row 3
    expect(cells.nth(1)).to_have_text(brn_header)
    expect(cells.nth(2)).not_to_be_empty()
    expect(page.locator("#upload-errors-title")).to_contain_text("1개 오류")
    screenshot("행 오류")
    assert Partner.objects.count() == 0, "a file with a bad row writes nothing"

    fixed = _write_csv(tmp_path / "partners-fixed.csv", _partner_rows("220-81-62176"))
    page.locator("#upload-form input[type=file]").set_input_files(fixed)
    page.locator("#upload-form [type=submit]").click()
    expect(page.locator("#upload-errors")).to_have_count(0)
    # "3명 등록" (partners) or "3행 등록": the button names the number of rows it will write.
    confirm = page.locator("#upload-confirm [type=submit]")
    expect(confirm).to_have_accessible_name(re.compile(r"^3(명|행) 등록$"))
    screenshot("확인 후 등록")
    confirm.click()

    page.wait_for_url("**/admin/partners/partner/**")
    expect(page.locator("body")).to_contain_text("파트너 3명 등록을 운영 모드로 마쳤습니다")
    screenshot("등록 후 목록")
    assert sorted(Partner.objects.values_list("public_id", flat=True)) == [
        "browser-1",
        "browser-2",
        "browser-3",
    ]
    page.goto("/admin/partners/partner/")
    listing = page.locator("#result_list")
    for name in ("가나다 상점", "라마바 상사", "이작가"):
        expect(listing).to_contain_text(name)


# --- a list as Excel ------------------------------------------------------------------------------


def test_download_the_filtered_partner_list_as_excel(admin_page, tmp_path, screenshot):
    from openpyxl import load_workbook

    from tests.factories import make_contract, make_partner

    make_contract("c-1")
    make_partner("biz-a", contract_id="c-1", name="가나다 상점")
    make_partner("biz-b", contract_id="c-1", name="라마바 상사")
    make_partner(
        "writer", contract_id="c-1", name="이작가", partner_type="WHT_PAYER", birthdate="1990-01-02"
    )
    page = admin_page

    page.goto("/admin/partners/partner/?partner_type__exact=BUSINESS")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    screenshot("사업자만 거른 목록")
    with page.expect_download() as info:
        page.locator("#excel-export").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    header, *body = rows
    assert header[:3] == ("파트너 아이디", "이름", "유형(사업자/원천징수대상자/원천징수비대상자)")
    # Exactly the filtered rows: the two businesses, not the person.
    assert sorted((row[0], row[1], row[2]) for row in body) == [
        ("biz-a", "가나다 상점", "사업자"),
        ("biz-b", "라마바 상사", "사업자"),
    ]


# --- the settlement dashboard ---------------------------------------------------------------------


def test_the_settlement_dashboard_shows_the_totals_of_known_transfers(admin_page, screenshot):
    from datetime import timedelta

    from django.utils import timezone

    from settlements.services.manual_transfers import (
        ManualTransferRequest,
        manual_transfer_create,
    )
    from tests.factories import make_contract, make_partner

    make_contract("c-1")
    make_partner("seller", contract_id="c-1", name="가나 상점")
    make_partner("other", contract_id="c-1", name="다라 상사")
    today = timezone.localdate()
    for partner, amount, days in (
        ("seller", 50_000, 3),
        ("seller", -12_000, 10),
        ("other", 30_000, 10),
        ("other", 7_777, 45),  # after the default 30-day period
    ):
        manual_transfer_create(
            is_for_test=False,
            request=ManualTransferRequest(
                partner_id=partner,
                settlement_amount=amount,
                settlement_date=today + timedelta(days=days),
            ),
        )
    page = admin_page

    page.goto("/admin/")
    page.locator("#nav-sidebar").get_by_role("link", name="정산 대시보드").click()
    totals = page.locator("#dashboard-totals")
    expect(totals).to_contain_text("지급 예정액 (KRW)")
    expect(totals).to_contain_text("68,000")  # 50,000 - 12,000 + 30,000
    expect(totals).to_contain_text("정산건 3건")
    table = page.locator("#dashboard-table")
    expect(table.locator('tr[data-key="seller"]')).to_contain_text("가나 상점")
    assert won(table_cell(table, 'tr[data-key="seller"]', "지급 예정액")) == 38_000
    assert won(table_cell(table, 'tr[data-key="other"]', "지급 예정액")) == 30_000
    assert won(table_cell(table, 'tr[data-key="seller"]', "수기 조정(−)")) == -12_000
    screenshot("정산 대시보드", full_page=True)

    page.fill("#dashboard-filter input[name=date_until]", str(today + timedelta(days=60)))
    page.locator("#dashboard-filter [type=submit]").click()
    expect(totals).to_contain_text("75,777")
    assert won(table_cell(table, 'tr[data-key="other"]', "지급 예정액")) == 37_777
    screenshot("기간을 늘린 대시보드")
