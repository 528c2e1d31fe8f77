"""Partner files out of the admin: the upload template and the export of the filtered list."""

import codecs
import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from core.files.sheets import neutralise
from partners.files.export import PartnerResource
from partners.models import Partner, PartnerType
from partners.services import partners as services
from tests.factories import make_contract

pytestmark = pytest.mark.django_db

CHANGELIST_URL = reverse("admin:partners_partner_changelist")
TEMPLATE_HEADERS = [
    "파트너 아이디",
    "이름",
    "유형(사업자/원천징수대상자/원천징수비대상자)",
    "담당자 이름",
    "담당자 이메일",
    "담당자 전화번호",
    "은행",
    "통화",
    "계좌번호",
    "예금주",
    "기본 계약 아이디",
    "태그(쉼표 구분)",
    "메모",
    "상호",
    "사업자등록번호",
    "대표자",
    "과세유형",
    "사업장 주소",
    "업태",
    "종목",
    "생년월일",
]


def export_url(fmt: str, query: str = "") -> str:
    return reverse("admin:partners_partner_export", args=[fmt]) + query


def template_url(fmt: str) -> str:
    return reverse("admin:partners_partner_import_template", args=[fmt])


@pytest.fixture
def staff(client, django_user_model):
    """Finance staff without the personal-data permission: account numbers come masked."""
    user = django_user_model.objects.create_user("finance", password="x", is_staff=True)
    for codename in ("view_partner", "add_partner", "change_partner"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return client


@pytest.fixture
def privileged(client, admin_user):
    """A superuser: has partners.view_partner_personal_data."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def partners(db):
    make_contract("c-1")
    base = {
        "tags": ["패션"],
        "contact_name": "담당",
        "contact_email": "owner@example.com",
        "bank": "KOOKMIN",
        "account_currency": "KRW",
        "account_holder": "예금주",
    }
    items = [
        {
            "id": "biz-1",
            "terms": {
                **base,
                "name": "가나다 상점",
                "account_number": "110123456789",
                "partner_type": PartnerType.BUSINESS,
                "company_name": "주식회사 가나다",
                "business_registration_number": "1208147521",
                "representative_name": "김대표",
            },
        },
        {
            "id": "biz-evil",
            "terms": {
                **base,
                "name": '=HYPERLINK("http://evil.example","click")',
                "memo": "@SUM(1+1)",
                "account_number": "220123456780",
                "partner_type": PartnerType.BUSINESS,
                "company_name": "+주식회사",
                "business_registration_number": "1208147521",
                "representative_name": "-대표",
            },
        },
        {
            "id": "wht-1",
            "terms": {
                **base,
                "name": "이작가",
                "account_number": "330123456781",
                "partner_type": PartnerType.WHT_PAYER,
                "birthdate": "1990-01-02",
            },
        },
    ]
    return services.partners_create(
        is_for_test=False, items=[{**item, "contract_id": "c-1"} for item in items]
    )


def read_csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8), "Korean Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(response) -> list[dict[str, object]]:
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# --- template ------------------------------------------------------------------------------------


def test_csv_template_has_a_bom_korean_headers_and_one_example_per_type(staff):
    response = staff.get(template_url("csv"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="partners-template.csv"'
    assert response.content.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == TEMPLATE_HEADERS
    assert [row[2] for row in rows[1:]] == ["사업자", "원천징수대상자", "원천징수비대상자"]


def test_xlsx_template_has_korean_headers_text_columns_and_a_code_sheet(staff):
    response = staff.get(template_url("xlsx"))

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == TEMPLATE_HEADERS
    assert sheet.max_row == 4
    account = TEMPLATE_HEADERS.index("계좌번호") + 1
    assert sheet.cell(row=2, column=account).number_format == "@"
    assert "국민은행" in [c.value for c in workbook["코드표"]["B"]]


def test_template_headers_come_from_the_resource():
    assert [header for _, header in PartnerResource.import_columns()] == TEMPLATE_HEADERS


def test_unknown_template_format_is_not_found(staff):
    assert staff.get(template_url("pdf")).status_code == 404


# --- export --------------------------------------------------------------------------------------


def test_csv_export_contains_only_the_filtered_partners_and_masks_personal_data(staff, partners):
    response = staff.get(export_url("csv", "?partner_type__exact=WHT_PAYER"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert [row["파트너 아이디"] for row in rows] == ["wht-1"]
    row = rows[0]
    assert row["이름"] == "이작가"
    assert row["계좌번호"] == "********6781"
    assert row["생년월일"] == "1990-**-**"
    assert row["은행"] == "국민은행"
    assert row["유형(사업자/원천징수대상자/원천징수비대상자)"] == "원천징수 대상자"


def test_export_honours_the_changelist_search(staff, partners):
    rows = read_csv(staff.get(export_url("csv", "?q=가나다")))

    assert [row["파트너 아이디"] for row in rows] == ["biz-1"]


def test_csv_export_neutralises_formulas(staff, partners):
    rows = read_csv(staff.get(export_url("csv", "?partner_type__exact=BUSINESS")))

    evil = next(row for row in rows if row["파트너 아이디"] == "biz-evil")
    assert evil["이름"] == '\'=HYPERLINK("http://evil.example","click")'
    assert evil["메모"] == "'@SUM(1+1)"
    assert evil["상호"] == "'+주식회사"
    assert evil["대표자"] == "'-대표"
    assert "220123456780" not in str(rows)


def test_xlsx_export_is_filtered_masked_and_has_no_formula_cells(staff, partners):
    response = staff.get(export_url("xlsx", "?partner_type__exact=BUSINESS"))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = read_xlsx(response)
    assert sorted(row["파트너 아이디"] for row in rows) == ["biz-1", "biz-evil"]
    evil = next(row for row in rows if row["파트너 아이디"] == "biz-evil")
    assert evil["이름"] == '\'=HYPERLINK("http://evil.example","click")'
    assert evil["계좌번호"] == "********6780"
    body = b"".join(staff.get(export_url("xlsx")).streaming_content)
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_export_without_filters_contains_every_partner(staff, partners):
    rows = read_csv(staff.get(export_url("csv")))

    assert len(rows) == Partner.objects.count() == 3


def test_export_needs_view_permission(client, django_user_model, partners):
    user = django_user_model.objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(user)

    assert client.get(export_url("csv")).status_code == 403


def test_changelist_links_carry_the_current_filters(staff, partners):
    response = staff.get(CHANGELIST_URL + "?partner_type__exact=BUSINESS")

    page = response.content.decode()
    assert "일괄 등록·수정" in page
    assert reverse("admin:partners_partner_import_template", args=["xlsx"]) in page
    xlsx = reverse("admin:partners_partner_export_xlsx") + "?partner_type__exact=BUSINESS"
    assert xlsx in page
    assert export_url("csv", "?partner_type__exact=BUSINESS") in page
    assert export_url("xlsx") not in page, "one Excel button, the list's own"
    assert "<li>" not in page.split('id="partner-tools"')[1].split("</div>")[0]


def test_excel_download_masks_account_numbers_without_the_permission(staff, partners):
    response = staff.get(reverse("admin:partners_partner_export_xlsx") + "?q=가나다")

    rows = read_xlsx(response)
    assert [row["파트너 아이디"] for row in rows] == ["biz-1"]
    assert rows[0]["계좌번호"] == "********6789"
    assert rows[0]["사업자등록번호"] == "1208147521"
    assert rows[0]["은행"] == "국민은행"
    assert rows[0]["계좌 인증"] == "미인증"
    assert "110123456789" not in str(rows)


def test_excel_and_csv_show_full_account_numbers_with_the_permission(privileged, partners):
    xlsx = read_xlsx(privileged.get(reverse("admin:partners_partner_export_xlsx") + "?q=가나다"))
    assert [row["계좌번호"] for row in xlsx] == ["110123456789"]

    rows = read_csv(privileged.get(export_url("csv", "?partner_type__exact=WHT_PAYER")))
    assert [(row["계좌번호"], row["생년월일"]) for row in rows] == [("330123456781", "1990-01-02")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+82-10-1234", "'+82-10-1234"),
        ("-3+A1", "'-3+A1"),
        ("-3", "-3"),  # plain numbers stay numbers (negative amounts in settlement sheets)
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("가나다", "가나다"),
        ("", ""),
        (None, None),
        (5, 5),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected
