"""Bulk registration of partners from CSV/XLSX in the admin (파트너 일괄 등록)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.fastpath import Unsure
from core.files import sheets
from core.versioning import services as versioning
from partners.admin import uploads as admin_import
from partners.files import upload as resources
from partners.files.columns import IMPORT_FIELDS
from partners.files.export import PartnerResource
from partners.models import Partner, PartnerType, TaxationType
from partners.services import partners as services
from policies import demo as policies_demo
from policies.services import CONTRACT
from tests.factories import make_contract

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:partners_partner_import")
CONFIRM_URL = reverse("admin:partners_partner_import_confirm")
HEADERS = [header for _, header in PartnerResource.import_columns()]
COLUMN = dict(PartnerResource.import_columns())
VALID_BRN = "120-81-47521"


def business_row(**overrides) -> dict:
    row = {
        "public_id": "biz-1",
        "name": "가나다 상점",
        "partner_type": "사업자",
        "contact_name": "김담당",
        "contact_email": "owner@example.com",
        "contact_phone": "010-1234-5678",
        "bank": "국민은행",
        "account_currency": "KRW",
        "account_number": "110-123-456789",
        "account_holder": "주식회사 가나다",
        "default_contract": "c-1",
        "tags": "패션, 신규",
        "company_name": "주식회사 가나다",
        "business_registration_number": VALID_BRN,
        "representative_name": "김대표",
        "taxation_type": "간이과세(세금계산서 발행)",
    }
    row.update(overrides)
    return row


def person_row(**overrides) -> dict:
    row = {
        "public_id": "wht-1",
        "name": "이작가",
        "partner_type": "원천징수대상자",
        "contact_name": "이작가",
        "contact_email": "writer@example.com",
        "bank": "SHINHAN",
        "account_number": "110987654321",
        "account_holder": "이작가",
        "default_contract": "c-1",
        "birthdate": "1990-01-02",
    }
    row.update(overrides)
    return row


def csv_file(rows: list[dict], encoding: str = "utf-8-sig", name: str = "partners.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([row.get(field, "") for field in IMPORT_FIELDS])
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), "text/csv")


def xlsx_file(rows: list[dict], name: str = "partners.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(field) or None for field in IMPORT_FIELDS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), "application/octet-stream")


@pytest.fixture(autouse=True)
def import_store(settings, tmp_path):
    """Uploads waiting for confirmation go to a per-test directory."""
    settings.VAR_DIR = tmp_path


@pytest.fixture
def contract(db):
    return make_contract("c-1", name="기본 계약")


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def upload(client, file, mode: str = "live"):
    return client.post(IMPORT_URL, {"file": file, "mode": mode})


def confirm(client, preview):
    return client.post(CONFIRM_URL, {"check": preview.context["check"]})


def error_triples(response) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in response.context["errors"]}


def error_for(response, row: int, column: str) -> str:
    matches = [e.message for e in response.context["errors"] if (e.row, e.column) == (row, column)]
    assert matches, f"no error at row {row} / {column}: {response.context['errors']}"
    return matches[0]


# --- encodings and formats -----------------------------------------------------------------------

ROWS = [
    business_row(),
    person_row(),
    person_row(
        public_id="",
        name="박강사",
        partner_type="원천징수 비대상자",
        bank="카카오뱅크",
        contact_email="teacher@example.com",
        birthdate="",
    ),
]


@pytest.mark.parametrize(
    "make_file",
    [
        pytest.param(lambda: csv_file(ROWS, "utf-8"), id="utf-8"),
        pytest.param(lambda: csv_file(ROWS, "utf-8-sig"), id="utf-8-bom"),
        pytest.param(lambda: csv_file(ROWS, "cp949"), id="cp949"),
        pytest.param(lambda: xlsx_file(ROWS), id="xlsx"),
    ],
)
def test_it_imports_every_encoding_and_xlsx_with_korean_intact(staff, contract, make_file):
    preview = upload(staff, make_file())
    assert preview.status_code == 200
    assert not preview.context.get("errors"), preview.context.get("errors")
    assert Partner.objects.count() == 0, "the preview must not write"
    assert dict(preview.context["counts"]) == {
        "사업자": 1,
        "원천징수 대상자": 1,
        "원천징수 비대상자": 1,
    }

    response = confirm(staff, preview)
    assert response.status_code == 302

    partners = {p.name: p for p in Partner.objects.all()}
    assert set(partners) == {"가나다 상점", "이작가", "박강사"}
    business = partners["가나다 상점"]
    assert business.public_id == "biz-1"
    assert business.partner_type == PartnerType.BUSINESS
    assert business.company_name == "주식회사 가나다"
    assert business.representative_name == "김대표"
    assert business.business_registration_number == "1208147521"
    assert business.taxation_type == TaxationType.SIMPLE_TAX_INVOICE_ISSUER
    assert business.bank == "KOOKMIN"
    assert business.account_number == "110123456789"
    assert business.tags == ["패션", "신규"]
    assert business.default_contract == contract
    writer = partners["이작가"]
    assert writer.partner_type == PartnerType.WHT_PAYER
    assert writer.birthdate == "1990-01-02"
    assert writer.bank == "SHINHAN"
    teacher = partners["박강사"]
    assert teacher.partner_type == PartnerType.NON_WHT_PAYER
    assert teacher.bank == "KAKAO"
    assert teacher.public_id, "a blank id gets a generated one"


def test_it_reads_numbers_and_dates_typed_into_excel_cells(staff, contract):
    from datetime import date

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    row = person_row()
    values = [row.get(field) or None for field in IMPORT_FIELDS]
    values[IMPORT_FIELDS.index("account_number")] = 110987654321  # a number cell
    values[IMPORT_FIELDS.index("birthdate")] = date(1990, 1, 2)  # a date cell
    sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)

    confirm(staff, upload(staff, SimpleUploadedFile("p.xlsx", buffer.getvalue())))

    partner = Partner.objects.get()
    assert partner.account_number == "110987654321"
    assert partner.birthdate == "1990-01-02"


def test_template_file_round_trips_through_the_importer(staff):
    policies_demo.load()  # the examples use the demo data's contracts
    template = staff.get(reverse("admin:partners_partner_import_template", args=["xlsx"]))

    preview = upload(staff, SimpleUploadedFile("template.xlsx", template.content))
    assert not preview.context.get("errors"), preview.context.get("errors")
    confirm(staff, preview)

    assert Partner.objects.count() == 3


# --- errors --------------------------------------------------------------------------------------


def test_a_file_with_bad_rows_writes_nothing_and_names_row_column_and_reason(staff, contract):
    make_contract("c-old")
    versioning.entity_archive(CONTRACT, public_id="c-old", is_for_test=False)
    services.partners_create(
        is_for_test=False,
        items=[
            {
                "id": "taken-1",
                "contract_id": "c-1",
                "terms": {
                    "name": "기존 파트너",
                    "tags": [],
                    "contact_name": "기존",
                    "contact_email": "old@example.com",
                    "bank": "KOOKMIN",
                    "account_currency": "KRW",
                    "account_number": "1234567890",
                    "account_holder": "기존",
                    "partner_type": PartnerType.NON_WHT_PAYER,
                },
            }
        ],
    )
    services.partner_archive(public_id="taken-1", is_for_test=False)
    rows = [
        business_row(public_id="good-1"),  # row 2
        business_row(public_id="bad-brn", business_registration_number="120-81-47522"),  # 3
        person_row(public_id="bad-bank", bank="없는은행"),  # 4
        business_row(public_id="no-rep", representative_name=""),  # 5
        person_row(public_id="old-contract", default_contract="c-old"),  # 6
        person_row(public_id="dup-1"),  # 7
        person_row(public_id="dup-1"),  # 8
        person_row(public_id="taken-1"),  # 9: archived, so it cannot be updated
        person_row(public_id="bad-type", partner_type="법인"),  # 10
        person_row(public_id="bad-currency", account_currency="ABC"),  # 11
        person_row(public_id="biz-field", company_name="상호가 있는 개인"),  # 12
    ]

    response = upload(staff, csv_file(rows, "cp949"))

    assert response.status_code == 200
    assert Partner.objects.count() == 1, "nothing from the file is written"
    assert "검증하기" in response.content.decode()
    assert {row for row, _ in error_triples(response)} == set(range(3, 13)), "row 2 is fine"
    assert "사업자등록번호가 올바르지 않습니다" in error_for(
        response, 3, COLUMN["business_registration_number"]
    )
    assert "알 수 없는 은행" in error_for(response, 4, "은행")
    assert "필수" in error_for(response, 5, "대표자")
    assert "보관된 계약" in error_for(response, 6, "기본 계약 아이디")
    assert "중복" in error_for(response, 7, "파트너 아이디")
    assert "행 8" in error_for(response, 7, "파트너 아이디")
    assert "중복" in error_for(response, 8, "파트너 아이디")
    assert "보관된 파트너는 바꿀 수 없습니다" in error_for(response, 9, "파트너 아이디")
    assert "알 수 없는 유형" in error_for(
        response, 10, "유형(사업자/원천징수대상자/원천징수비대상자)"
    )
    assert error_triples(response) & {(10, "파트너 아이디"), (10, "상호")} == set()
    assert "지원하지 않는 통화" in error_for(response, 11, "통화")
    assert "사업자 유형에만" in error_for(response, 12, "상호")
    page = response.content.decode()
    assert "등록하지 않았습니다" in page
    assert ">기본 계약 아이디</td>" in page.split('id="upload-errors"')[1]
    assert CONFIRM_URL not in page, "no confirm button when any row is bad"
    assert admin_import.SESSION_KEY not in staff.session


def table_of(rows: list[dict]) -> sheets.Table:
    return sheets.Table(
        headers=HEADERS,
        rows=[(n, [row.get(f, "") for f in IMPORT_FIELDS]) for n, row in enumerate(rows, start=2)],
    )


def test_the_fast_path_gives_the_same_plan_and_errors_as_the_serializer(contract, monkeypatch):
    """core.fastpath only ever skips DRF for rows DRF would accept identically: validating with
    it and with every row sent through PartnerCreateInput gives the same items and errors."""
    good = [
        business_row(public_id="good-1", name="  공백 이름  ", tags="a, a ,b"),
        person_row(public_id="good-2", contact_phone="010-0000-0000", memo="메모"),
        person_row(public_id="short-date", birthdate="1990-1-2"),  # fast path declines, DRF takes
        person_row(public_id="good-3", partner_type="NON_WHT_PAYER", birthdate=""),
    ]
    bad = [
        business_row(public_id="bad-brn", business_registration_number="120-81-47522"),
        business_row(public_id="no-rep", representative_name=""),
        business_row(public_id="bad-tax", taxation_type="부가세"),
        business_row(public_id="long-name", name="가" * 201),
        person_row(public_id="bad-email", contact_email="not-an-email"),
        person_row(public_id="bad-date", birthdate="1990-02-30"),
        person_row(public_id="bad-account", account_number="110-1"),
        person_row(public_id="nul", account_holder="이\x00작가"),
        person_row(public_id="no-name", name=" "),
        person_row(public_id="x" * 101),
    ]

    def never_sure(serializer):
        def decline(body):
            raise Unsure

        return decline

    fast_good = resources.validate_table(table_of(good), is_for_test=False)
    fast_mixed = resources.validate_table(table_of(good + bad), is_for_test=False)
    monkeypatch.setattr(resources, "compile_serializer", never_sure)
    slow_good = resources.validate_table(table_of(good), is_for_test=False)
    slow_mixed = resources.validate_table(table_of(good + bad), is_for_test=False)

    assert fast_good.items == slow_good.items
    assert fast_good.items[0].terms["name"] == "공백 이름"
    assert fast_good.items[0].terms["tags"] == ["a", "b"]
    assert fast_good.items[2].terms["birthdate"] == "1990-01-02"
    assert fast_mixed.errors == slow_mixed.errors
    assert {e.row for e in fast_mixed.errors} == set(range(6, 16))
    birthdate_error = next(e for e in fast_mixed.errors if e.row == 11)
    assert birthdate_error.column == "생년월일"
    assert "YYYY-MM-DD" in birthdate_error.message


def test_the_error_names_the_header_as_written_in_the_file(staff, contract):
    rows = [person_row(contact_email="not-an-email")]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    headers = [("유형" if field == "partner_type" else COLUMN[field]) for field in IMPORT_FIELDS]
    writer.writerow(headers)
    writer.writerow([rows[0].get(field, "") for field in IMPORT_FIELDS])

    response = upload(staff, SimpleUploadedFile("p.csv", buffer.getvalue().encode()))

    assert error_triples(response) == {(2, "담당자 이메일")}


def test_missing_and_unknown_headers_are_reported_on_row_one(staff, contract):
    content = "이름,유형,사업자번호\n가나다,사업자,1208147521\n".encode()

    response = upload(staff, SimpleUploadedFile("p.csv", content))

    triples = error_triples(response)
    assert (1, "사업자번호") in triples
    assert (1, "은행") in triples
    assert (1, "기본 계약 아이디") in triples


def test_a_file_over_the_size_limit_is_refused_before_reading(staff, contract, monkeypatch):
    monkeypatch.setattr(sheets, "MAX_FILE_BYTES", 100)

    response = upload(staff, csv_file([person_row()]))

    assert "파일이 너무 큽니다" in response.content.decode()
    assert admin_import.SESSION_KEY not in staff.session


def test_an_unreadable_file_is_refused(staff, contract):
    response = upload(staff, SimpleUploadedFile("p.xlsx", b"not a zip"))

    assert error_triples(response) == {(0, "")}


# --- confirm -------------------------------------------------------------------------------------


def test_confirm_commits_all_rows_once_and_forgets_the_upload(staff, contract):
    preview = upload(staff, csv_file([business_row(), person_row()]))
    assert preview.context["check"] in preview.content.decode()
    token = staff.session[admin_import.SESSION_KEY]["token"]
    assert token not in preview.content.decode(), "the token stays in the session"
    stored = admin_import.STAGE._path(token)
    assert stored.exists()
    assert "110123456789" not in stored.read_text(), "the stored rows are encrypted"

    response = confirm(staff, preview)

    assert response.status_code == 302
    assert "is_for_test__exact=0" in response["Location"]
    assert Partner.objects.count() == 2
    assert not stored.exists()
    again = confirm(staff, preview)
    assert again.status_code == 302
    assert again["Location"] == IMPORT_URL
    assert Partner.objects.count() == 2


def test_test_mode_imports_into_the_test_namespace(staff):
    make_contract("c-1", is_for_test=True)

    confirm(staff, upload(staff, csv_file([person_row()]), mode="test"))

    assert Partner.objects.get().is_for_test is True


def test_live_mode_does_not_find_a_test_contract(staff):
    make_contract("c-1", is_for_test=True)

    response = upload(staff, csv_file([person_row()]), mode="live")

    assert "계약을 찾을 수 없습니다" in error_for(response, 2, "기본 계약 아이디")


def test_confirm_writes_nothing_when_an_id_was_taken_after_the_preview(staff, contract):
    preview = upload(staff, csv_file([business_row(), person_row(public_id="late-1")]))
    services.partners_create(
        is_for_test=False,
        items=[
            {
                "id": "late-1",
                "contract_id": "c-1",
                "terms": {
                    "name": "먼저 온 파트너",
                    "tags": [],
                    "contact_name": "먼저",
                    "contact_email": "first@example.com",
                    "bank": "KOOKMIN",
                    "account_currency": "KRW",
                    "account_number": "1234567890",
                    "account_holder": "먼저",
                    "partner_type": PartnerType.NON_WHT_PAYER,
                },
            }
        ],
    )

    response = confirm(staff, preview)

    assert response.status_code == 200
    assert error_triples(response) == {(3, "파트너 아이디")}
    assert set(Partner.objects.values_list("public_id", flat=True)) == {"late-1"}


def test_a_ten_thousand_row_file_imports(staff, contract, monkeypatch):
    # in this request, not in the background (core.admin.uploads: big files go to a job)
    monkeypatch.setattr("core.admin.uploads.BACKGROUND_ROWS", 20_000, raising=False)
    rows = [
        person_row(public_id=f"p-{i:05d}", name=f"파트너 {i}", account_number=f"110{i:09d}")
        for i in range(10_000)
    ]

    preview = upload(staff, csv_file(rows))
    assert not preview.context.get("errors")
    assert len(preview.context["preview"]) == 20
    confirm(staff, preview)

    assert Partner.objects.count() == 10_000
    assert Partner.objects.get(public_id="p-09999").account_number == "110000009999"


def test_confirm_refuses_an_upload_replaced_in_another_tab(staff, contract):
    first = upload(staff, csv_file([business_row()]))
    second = upload(staff, csv_file([person_row()]))

    refused = confirm(staff, first)
    assert refused.status_code == 302
    assert refused["Location"] == IMPORT_URL
    assert Partner.objects.count() == 0

    confirm(staff, second)
    assert list(Partner.objects.values_list("public_id", flat=True)) == ["wht-1"]


def test_a_row_with_more_cells_than_headers_is_refused(staff, contract):
    file = csv_file([person_row(memo="")])
    content = file.read().decode("utf-8-sig").rstrip("\r\n") + ",서울 중구\r\n"

    response = upload(staff, SimpleUploadedFile("p.csv", content.encode()))

    assert "칸이 많습니다" in error_for(response, 2, "")


def test_xlsx_is_read_without_python_calamine(staff, contract, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "python_calamine", None)  # import now raises ImportError

    confirm(staff, upload(staff, xlsx_file([business_row(), person_row()])))

    assert Partner.objects.count() == 2


# --- access --------------------------------------------------------------------------------------


def test_it_needs_the_add_partner_permission(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(user)

    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(CONFIRM_URL).status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- re-import: existing ids are updated -------------------------------------------------------


def test_a_re_import_previews_old_to_new_and_updates_existing_ids(
    staff, contract, django_capture_on_commit_callbacks
):
    make_contract("c-2", name="주간 계약")
    confirm(staff, upload(staff, csv_file([person_row(), person_row(public_id="same-1")])))
    assert Partner.objects.count() == 2
    Partner.objects.filter(public_id="wht-1").update(account_status="VERIFY_FAILED")

    rows = [
        business_row(public_id="new-1"),
        person_row(
            account_holder="이작가님", account_number="220-111-222333", default_contract="c-2"
        ),
        person_row(public_id="same-1"),
    ]
    preview = upload(staff, csv_file(rows))

    assert not preview.context.get("errors"), preview.context.get("errors")
    assert Partner.objects.get(public_id="wht-1").account_holder == "이작가", (
        "preview writes nothing"
    )
    assert preview.context["new_count"] == 1
    assert preview.context["update_count"] == 1
    assert preview.context["unchanged_count"] == 1
    [update] = preview.context["updates"]
    assert update["id"] == "wht-1" and update["row"] == 3
    changes = {c.label: (c.old, c.new) for c in update["changes"]}
    assert changes == {
        "계좌번호": ("********4321", "********2333"),
        "예금주": ("이작가", "이작가님"),
        "기본 계약": ("c-1", "c-2"),
    }
    page = preview.content.decode()
    assert "220111222333" not in page and "110987654321" not in page
    assert "********2333" in page and "이작가님" in page
    assert "1명 등록 · 1명 수정" in page
    assert "same-1" in page.split('id="import-unchanged"')[1]

    with django_capture_on_commit_callbacks() as callbacks:
        response = confirm(staff, preview)

    assert response.status_code == 302
    assert Partner.objects.count() == 3
    updated = Partner.objects.get(public_id="wht-1")
    assert updated.account_holder == "이작가님"
    assert updated.account_number == "220111222333"
    assert updated.default_contract.public_id == "c-2"
    assert updated.account_status == "NOT_VERIFIED", "the changed account is checked again"
    assert updated.versions.count() == 2
    assert Partner.objects.get(public_id="same-1").versions.count() == 1
    assert Partner.objects.get(public_id="new-1").partner_type == PartnerType.BUSINESS
    assert len(callbacks) == 2, "verification queued for the new and the changed partner"
    followed = staff.get(response["Location"]).content.decode()
    assert "1명 등록 · 1명 수정" in followed


def test_a_re_import_with_a_bad_row_writes_nothing(staff, contract):
    confirm(staff, upload(staff, csv_file([person_row()])))

    rows = [
        business_row(public_id="new-1"),
        person_row(account_holder="바뀐 예금주"),
        person_row(public_id="bad", bank="없는은행"),
    ]
    response = upload(staff, csv_file(rows))

    assert error_triples(response) == {(4, "은행")}
    assert Partner.objects.count() == 1
    assert Partner.objects.get().account_holder == "이작가"


def test_a_refusal_at_the_confirm_rolls_back_the_creates_too(staff, contract):
    confirm(staff, upload(staff, csv_file([business_row()])))
    Partner.objects.filter(public_id="biz-1").update(member_company_connection_status="CONNECTED")

    rows = [
        person_row(public_id="new-1"),
        person_row(public_id="biz-1", name="가나다 상점", account_holder="주식회사 가나다"),
    ]
    preview = upload(staff, csv_file(rows))
    assert preview.context["update_count"] == 1
    response = confirm(staff, preview)

    assert response.status_code == 200
    assert error_triples(response) == {(3, "유형(사업자/원천징수대상자/원천징수비대상자)")}
    assert "국세청 연동된 파트너의 유형" in error_for(
        response, 3, "유형(사업자/원천징수대상자/원천징수비대상자)"
    )
    assert set(Partner.objects.values_list("public_id", flat=True)) == {"biz-1"}
    assert Partner.objects.get().partner_type == PartnerType.BUSINESS


def test_a_partner_changed_after_the_preview_refuses_the_file(staff, contract):
    confirm(staff, upload(staff, csv_file([person_row()])))
    preview = upload(staff, csv_file([person_row(account_holder="파일의 예금주")]))
    services.partner_update(
        public_id="wht-1",
        is_for_test=False,
        change=services.PartnerChange(terms={"name": "다른 곳에서 바뀜"}),
    )

    response = confirm(staff, preview)

    assert error_triples(response) == {(2, "파트너 아이디")}
    assert "미리보기 뒤에 이 파트너가 바뀌었습니다" in error_for(response, 2, "파트너 아이디")
    assert Partner.objects.get().account_holder == "이작가"


def test_the_template_examples_use_contracts_of_the_demo_data(staff):
    from django.core.management import call_command

    from partners.files import template

    call_command("load_demo_data", stdout=io.StringIO())
    contracts = {row[IMPORT_FIELDS.index("default_contract")] for row in template.template_rows()}

    assert contracts == set(template.EXAMPLE_CONTRACTS)
    usable = services.resolve_contracts(contracts, is_for_test=False)
    assert set(usable) == contracts
    csv_template = staff.get(reverse("admin:partners_partner_import_template", args=["csv"]))
    preview = upload(staff, SimpleUploadedFile("t.csv", csv_template.content, "text/csv"))
    assert not preview.context.get("errors"), preview.context.get("errors")
    assert preview.context["new_count"] == 3
