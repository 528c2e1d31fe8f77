"""The tax-invoice back office through the admin's URLs (docs/invoices.md#admin): the list with
each filter, the page of one (the document, the history, the messages), the Excel columns the
seeds name, the actions (a refusal on the wrong status is reported per row, never a 500; the write
actions need invoices.issue_taxinvoice), the PDF download, bulk tax invoices with their progress,
the sidebar."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.admin.navigation import links
from invoices.domain.statuses import Action
from invoices.models import BulkTaxInvoice, Notification, TaxInvoiceEvent
from tests.invoices.conftest import OWN_BRN, PARTNER_BRN
from tests.invoices.test_reads_api import OTHER_BRN, make_invoice

pytestmark = pytest.mark.django_db

LIST = "admin:invoices_taxinvoice_changelist"


def staff(django_user_model, username: str, *codenames: str):
    user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
    for code in codenames:
        app, codename = code.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    return user


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def world():
    bulk = BulkTaxInvoice.objects.create(
        public_id="bulk-admin",
        name="3월 역발행",
        status="IN_PROGRESS",
        status_updated_at=timezone.now(),
        source_type="PLATFORM",
    )
    return {
        "issued": make_invoice(
            supplier_name="가나다 상사",
            write_date=date(2025, 3, 10),
            bulk=bulk,
            nts_approval_number="202503104100000000000001",
            cancel_reason="",
        ),
        "requested": make_invoice(
            status="REQUESTED",
            supplier_name="라마바 상사",
            write_date=date(2025, 2, 10),
            bulk=bulk,
            recipient_document_key="rec-admin-1",
        ),
        "normal": make_invoice(
            issuance_type="NORMAL",
            taxation_type="FREE",
            tax=0,
            partner_brn=OTHER_BRN,
            supplier_name="주식회사 플랫폼",
            status="DRAFTED",
            document_modification_type="MODIFICATION",
            modification_type="RETURN",
        ),
        "bulk": bulk,
    }


def shown(response, world) -> set[str]:
    body = response.content.decode()
    return {name for name, inv in world.items() if name != "bulk" and inv.public_id in body}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"issued", "requested", "normal"}),
        ({"status__exact": "REQUESTED"}, {"requested"}),
        ({"write_date_from": "2025-03-01", "write_date_to": "2025-03-31"}, {"issued"}),
        (
            {"created_at_from_0": (timezone.localdate() - timedelta(days=1)).isoformat()},
            {"issued", "requested", "normal"},
        ),
        ({"partner": PARTNER_BRN}, {"issued", "requested"}),
        ({"partner": "101-82-12345"}, {"normal"}),
        ({"taxation_type__exact": "FREE"}, {"normal"}),
        ({"document_modification_type__exact": "MODIFICATION"}, {"normal"}),
        ({"modification_type__exact": "RETURN"}, {"normal"}),
        ({"issuance_type__exact": "REVERSE"}, {"issued", "requested"}),
        ({"purpose_type__exact": "RECEIPT"}, {"issued", "requested", "normal"}),
        ({"is_for_test__exact": "0"}, {"issued", "requested", "normal"}),
        ({"q": "가나다"}, {"issued"}),
        ({"q": "rec-admin-1"}, {"requested"}),
        ({"q": "202503104100000000000001"}, {"issued"}),
        ({"bulk__exact": "BULK"}, {"issued", "requested"}),
    ],
)
def test_changelist_filters(client, admin_user, world, query, expected):
    client.force_login(admin_user)
    if query.get("bulk__exact") == "BULK":
        query = {"bulk__exact": world["bulk"].pk}
    response = client.get(reverse(LIST), query)
    assert response.status_code == 200
    assert shown(response, world) == expected


def test_detail_shows_the_document_history_and_messages(client, admin_user, world):
    invoice = world["requested"]
    TaxInvoiceEvent.objects.create(
        invoice=invoice,
        at=timezone.now(),
        action=Action.REQUEST,
        from_status="DRAFTED",
        to_status="REQUESTED",
        actor="admin:kim",
        memo="3월분 요청",
    )
    Notification.objects.create(
        invoice=invoice,
        channel="EMAIL",
        kind="REVERSE_REQUEST",
        to="partner@partner.test",
        created_at=timezone.now(),
    )
    client.force_login(admin_user)
    response = client.get(reverse("admin:invoices_taxinvoice_change", args=[invoice.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="tid"' in body and "공급받는자" in body and "라마바 상사" in body
    assert f"{invoice.total_amount:,}" in body
    assert "3월분 요청" in body and "admin:kim" in body
    assert "partner@partner.test" in body
    for name in ("request", "resend", "cancel-request", "cancel-issuance", "send-to-nts", "pdf"):
        assert f"/{invoice.pk}/" in body and name in body


def test_excel_export_has_the_seed_columns(client, admin_user, world):
    client.force_login(admin_user)
    response = client.get(reverse("admin:invoices_taxinvoice_export_xlsx"), {"q": "가나다"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(body)).active.iter_rows()]
    header = rows[0]
    for column in (
        "상태",
        "취소사유",
        "발행유형",
        "문서형태",
        "작성일자",
        "발행마감일",
        "과세형태",
        "영수/청구",
        "공급자 상호",
        "공급자 사업자번호",
        "공급받는자 상호",
        "공급받는자 사업자번호",
        "공급가액",
        "세액",
        "합계금액",
        "승인번호",
    ):
        assert column in header, column
    row = dict(zip(header, rows[1], strict=True))
    invoice = world["issued"]
    assert len(rows) == 2
    assert row["상태"] == "발행 완료"
    assert row["발행유형"] == "역발행"
    assert row["문서형태"] == "일반"
    assert row["과세형태"] == "과세"
    assert row["영수/청구"] == "영수"
    assert row["공급자 상호"] == "가나다 상사"
    assert row["공급자 사업자번호"] == PARTNER_BRN
    assert row["공급받는자 사업자번호"] == OWN_BRN
    assert row["공급가액"] == invoice.total_supply_amount
    assert row["합계금액"] == invoice.total_amount
    assert row["승인번호"] == invoice.nts_approval_number


@pytest.mark.parametrize(
    ("action", "target"),
    [
        ("request_selected", "issued"),  # not DRAFTED
        ("resend_request_selected", "issued"),  # not REQUESTED
        ("cancel_request_selected", "issued"),
        ("cancel_issuance_selected", "requested"),  # not issued
        ("send_to_nts_selected", "requested"),
    ],
)
def test_list_actions_refuse_the_wrong_status_per_row(client, admin_user, world, action, target):
    invoice = world[target]
    before = invoice.status
    client.force_login(admin_user)
    response = client.post(
        reverse(LIST),
        {"action": action, "_selected_action": [invoice.pk]},
        follow=True,
    )
    assert response.status_code == 200
    texts = messages_of(response)
    assert any("거절" in t and invoice.public_id in t for t in texts), texts
    invoice.refresh_from_db()
    assert invoice.status == before


def test_write_actions_need_the_issue_permission(client, django_user_model, world):
    viewer = staff(django_user_model, "viewer", "invoices.view_taxinvoice")
    client.force_login(viewer)
    invoice = world["requested"]
    response = client.post(
        reverse(LIST), {"action": "cancel_request_selected", "_selected_action": [invoice.pk]}
    )
    assert response.status_code == 403
    detail = reverse("admin:invoices_taxinvoice_cancel_request_detail", args=[invoice.pk])
    assert client.post(detail).status_code in (302, 403)
    invoice.refresh_from_db()
    assert invoice.status == "REQUESTED"
    # the PDF is a read: the view permission is enough
    pdf = client.get(reverse("admin:invoices_taxinvoice_pdf_detail", args=[invoice.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_detail_action_confirms_then_reports_a_refusal(client, admin_user, world):
    invoice = world["issued"]
    client.force_login(admin_user)
    url = reverse("admin:invoices_taxinvoice_cancel_request_detail", args=[invoice.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="confirm-form"' in page.content.decode() and "요청 취소" in page.content.decode()
    response = client.post(url, {"memo": "중복"}, follow=True)
    assert response.status_code == 200
    assert any("거절" in t for t in messages_of(response))
    invoice.refresh_from_db()
    assert invoice.status == "ISSUED"


def test_pdf_action_one_and_several(client, admin_user, world):
    client.force_login(admin_user)
    one = client.post(
        reverse(LIST), {"action": "pdf_selected", "_selected_action": [world["issued"].pk]}
    )
    assert one.status_code == 200 and one.content.startswith(b"%PDF")
    assert "attachment" in one["Content-Disposition"]
    several = client.post(
        reverse(LIST),
        {
            "action": "pdf_selected",
            "_selected_action": [world["issued"].pk, world["normal"].pk],
        },
    )
    assert several["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(several.content)).namelist()
    assert sorted(n.split("_")[0] for n in names) == ["계산서", "세금계산서"]


def test_bulk_list_and_detail_with_progress(client, admin_user, world):
    make_invoice(bulk=world["bulk"], status="ISSUED", supply=1_000)
    make_invoice(bulk=world["bulk"], status="ISSUED", deleted_at=timezone.now())  # not counted
    client.force_login(admin_user)
    listing = client.get(reverse("admin:invoices_bulktaxinvoice_changelist"))
    assert listing.status_code == 200 and "3월 역발행" in listing.content.decode()
    for query in ({"status__exact": "IN_PROGRESS"}, {"source_type__exact": "PLATFORM"}):
        url = reverse("admin:invoices_bulktaxinvoice_changelist")
        assert client.get(url, query).status_code == 200
    page = client.get(reverse("admin:invoices_bulktaxinvoice_change", args=[world["bulk"].pk]))
    assert page.status_code == 200
    body = page.content.decode()
    issued = world["issued"].total_amount + 1_100
    assert 'data-status="ISSUED"' in body
    assert "2건" in body and f"{issued:,}원" in body
    assert 'data-status="REQUESTED"' in body and "1건" in body
    assert f"bulk__exact={world['bulk'].pk}" in body
    assert "3건" in body  # the total


def test_sidebar_has_the_tax_invoice_section(admin_user):
    from django.contrib import admin as django_admin

    from invoices.models import Counterparty, OwnCompany

    request = RequestFactory().get("/admin/")
    request.user = admin_user
    titles = [str(item["title"]) for item in dict(links(request))["세금계산서"]]
    assert "세금계산서" in titles and "일괄 세금계산서" in titles
    # the two other entries show once their admins are registered (the sidebar skips a missing URL)
    assert ("거래처" in titles) == django_admin.site.is_registered(Counterparty)
    assert ("자사 정보" in titles) == django_admin.site.is_registered(OwnCompany)


def test_request_action_requests_a_drafted_reverse_invoice(
    client, admin_user, own_company, connected_partner, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cp = connected_partner.counterparty
    drafted = make_invoice(
        status="DRAFTED",
        supplier_counterparty=cp,
        supplier_email=cp.contact_email,
        supplier={
            "brn": PARTNER_BRN,
            "name": cp.company_name,
            "representativeName": cp.representative_name,
            "contact": {"email": cp.contact_email},
        },
        recipient_document_key="rec-admin-req",
    )
    issued = make_invoice()
    client.force_login(admin_user)
    response = client.post(
        reverse(LIST),
        {"action": "request_selected", "_selected_action": [drafted.pk, issued.pk]},
        follow=True,
    )
    texts = messages_of(response)
    assert any("1건 역발행을 요청했습니다" in t for t in texts), texts
    assert any("거절" in t and issued.public_id in t for t in texts), texts
    drafted.refresh_from_db()
    assert drafted.status == "REQUESTED"
    event = drafted.events.get(action="REQUEST")
    assert event.actor == f"admin:{admin_user.get_username()}"
