"""The partner download's fast cells (partners.files.export.PartnerExport) are the resource's
cells, and the generic export's choice columns are `get_FOO_display`'s labels."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core.admin.exports import Column, column_for
from partners.admin.partners import PartnerAdmin
from partners.files.export import PartnerExport, PartnerResource
from partners.models import AccountStatus, BusinessStatus, Partner
from tests.factories import make_contract, make_partner
from tests.partners.test_export import read_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def shapes(db):
    """A partner of every shape the columns treat differently."""
    make_contract("c-1")
    business = make_partner(
        "biz", contract_id="c-1", tags=["패션", "신규"], memo="=1+1", contact_phone="010-1-2"
    )
    Partner.objects.filter(pk=business.pk).update(
        business_status=BusinessStatus.CLOSED, account_status=AccountStatus.VERIFIED
    )
    make_partner(
        "wht",
        contract_id="c-1",
        partner_type="WHT_PAYER",
        birthdate="1990-01-02",
        bank="KAKAO",
        account_number="3333012345678",
    )
    make_partner("non", contract_id="c-1", partner_type="NON_WHT_PAYER", account_currency="USD")
    Partner.objects.filter(public_id="non").update(is_archived=True)
    return list(Partner.objects.select_related("default_contract").order_by("public_id"))


def resource_rows(partners, *, reveal: bool) -> list[list]:
    """What the download showed before PartnerExport: the resource's cells, and with the
    permission the stored account number and birth date."""
    rows = [list(row) for row in PartnerResource().export_rows(partners)]
    if reveal:
        names = list(PartnerResource().export_headers())
        number, birth = names.index("계좌번호"), names.index("생년월일")
        for row, partner in zip(rows, partners, strict=True):
            row[number] = partner.account_number or ""
            row[birth] = partner.birthdate or ""
    return rows


@pytest.mark.parametrize("reveal", [False, True])
def test_partner_export_cells_are_the_resources_cells(shapes, reveal):
    export = PartnerExport(reveal=reveal)

    assert export.headers == PartnerResource().export_headers()
    assert list(export.rows(shapes)) == resource_rows(shapes, reveal=reveal)


def test_partner_export_masks_without_the_permission_and_shows_labels(shapes):
    export = PartnerExport(reveal=False)
    rows = {row[0]: dict(zip(export.headers, row, strict=True)) for row in export.rows(shapes)}

    assert rows["wht"]["계좌번호"] == "*********5678"
    assert rows["wht"]["생년월일"] == "1990-**-**"
    assert rows["wht"]["은행"] == "카카오뱅크"
    assert rows["biz"]["사업자 상태"] == "폐업"
    assert rows["biz"]["계좌 인증"] == "인증 완료"
    assert rows["wht"]["사업자 상태"] == ""  # only a business has one
    assert rows["non"]["보관"] == "Y"
    assert rows["biz"]["태그(쉼표 구분)"] == "패션,신규"


def test_partner_export_labels_follow_the_language_active_when_it_is_made(shapes):
    with translation.override("en"):
        english = PartnerExport(reveal=False)
    korean = PartnerExport(reveal=False)

    with translation.override("en"):
        expected = resource_rows(shapes, reveal=False)
    assert list(english.rows(shapes)) == expected
    assert list(korean.rows(shapes)) == resource_rows(shapes, reveal=False)


def test_choice_column_is_get_display_with_labels_resolved_once(shapes):
    model_admin = PartnerAdmin(Partner, None)
    column = column_for(model_admin, "account_status")

    assert [column.value(p) for p in shapes] == [p.get_account_status_display() for p in shapes]
    # a value outside the choices is shown as it is, as Django's get_FOO_display does
    odd = Partner(account_status="SOMETHING_ELSE")
    assert column.value(odd) == odd.get_account_status_display() == "SOMETHING_ELSE"


def test_plain_columns_skip_the_cleaning_and_others_keep_it(shapes, rf):
    model_admin = PartnerAdmin(Partner, None)
    queryset = Partner.objects.order_by("public_id")
    columns = [
        Column("id", lambda o: o.public_id, plain=True),
        Column("archived", lambda o: o.is_archived),  # cleaned: 예 / 아니오
        Column("none", lambda o: None),  # cleaned: ""
    ]

    rows = list(model_admin.export_rows(queryset, columns))

    assert rows == [["biz", "아니오", ""], ["non", "예", ""], ["wht", "아니오", ""]]


def test_xlsx_download_is_masked_and_its_queries_do_not_grow_with_rows(client, shapes):
    from django.contrib.auth.models import User

    user = User.objects.create_user("finance", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_partner"))
    client.force_login(user)
    url = reverse("admin:partners_partner_export_xlsx")

    with CaptureQueriesContext(connection) as few:
        rows = read_xlsx(client.get(url))
    assert sorted(row["계좌번호"] for row in rows) == [
        "*********5678",
        "******4560",
        "******4560",
    ]
    assert "3333012345678" not in str(rows)
    for i in range(5):
        make_partner(f"more-{i}", contract_id="c-1")
    with CaptureQueriesContext(connection) as more:
        assert len(read_xlsx(client.get(url))) == 8
    assert len(more.captured_queries) == len(few.captured_queries)


def test_a_search_over_tag_rows_exports_each_partner_once_in_list_order(client, shapes, admin_user):
    """The search joins tag rows (two match here); the export picks the partners by key instead
    of a DISTINCT over every column, and keeps the list's order (newest first)."""
    make_partner("tagged-1", contract_id="c-1", tags=["신규", "신상"])
    make_partner("tagged-2", contract_id="c-1", tags=["신상품", "신규2"], name="다른 이름")
    client.force_login(admin_user)

    rows = read_xlsx(client.get(reverse("admin:partners_partner_export_xlsx") + "?q=신"))

    assert [row["파트너 아이디"] for row in rows] == ["tagged-2", "tagged-1", "biz"]
