"""The back-office pages of counterparties and our own company answer for a superuser; the own
company page saves (and refuses a bad BRN); `manage.py own_company` and the demo data."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, override_settings

from invoices import demo
from invoices.domain.statuses import NtsConnectionStatus
from invoices.models import Counterparty, Notification, OwnCompany, TaxInvoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db) -> Client:
    user = User.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def plain(db) -> Counterparty:
    return Counterparty.objects.create(
        public_id="cp-admin",
        brn="1208147521",
        company_name="주식회사 관리",
        representative_name="관대표",
        contact_name="관담당",
        contact_email="admin@counterparty.test",
        nts_connection_status=NtsConnectionStatus.CONNECTED,
    )


def test_counterparty_pages_answer(admin_client, own_company, plain, connected_partner):
    listing = admin_client.get("/admin/invoices/counterparty/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "주식회사 관리" in text and "주식회사 파트너" in text
    for query in (
        "?nts_connection_status=CONNECTED",
        "?business_status=CLOSED",
        "?linked=yes",
        "?linked=no",
    ):
        assert admin_client.get("/admin/invoices/counterparty/" + query).status_code == 200
    assert admin_client.get("/admin/invoices/counterparty/add/").status_code == 200
    assert admin_client.get(f"/admin/invoices/counterparty/{plain.pk}/change/").status_code == 200
    linked = Counterparty.objects.get(partner=connected_partner)
    page = admin_client.get(f"/admin/invoices/counterparty/{linked.pk}/change/")
    assert page.status_code == 200
    assert f"/admin/partners/partner/{connected_partner.pk}/change/" in page.content.decode()
    # read-only: a POST changes nothing
    admin_client.post(f"/admin/invoices/counterparty/{linked.pk}/change/", {"memo": "x"})
    linked.refresh_from_db()
    assert linked.memo is None


def test_adding_a_counterparty_starts_its_connection(admin_client, own_company):
    answer = admin_client.post(
        "/admin/invoices/counterparty/add/",
        {
            "public_id": "added",
            "brn": "120-81-47521",
            "company_name": "추가 상사",
            "representative_name": "추대표",
            "contact_name": "추담당",
            "contact_email": "add@x.test",
            "additional_contacts": "[]",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    cp = Counterparty.objects.get(public_id="added")
    assert (cp.brn, cp.nts_connection_status) == ("1208147521", "PENDING_CONNECT")
    assert cp.nts_connection_due_at is not None
    refused = admin_client.post(
        "/admin/invoices/counterparty/add/",
        {
            "public_id": "own",
            "brn": own_company.brn,
            "company_name": "x",
            "representative_name": "x",
            "contact_name": "x",
            "contact_email": "x@x.test",
            "additional_contacts": "[]",
        },
    )
    assert refused.status_code == 200
    assert not Counterparty.objects.filter(public_id="own").exists()


def test_the_soft_delete_action(admin_client, plain):
    admin_client.post(
        "/admin/invoices/counterparty/",
        {"action": "soft_delete", "_selected_action": [plain.pk]},
    )
    plain.refresh_from_db()
    assert plain.deleted_at is not None


def test_own_company_is_one_editable_page(admin_client, own_company):
    OwnCompany.objects.all().delete()
    listing = admin_client.get("/admin/invoices/owncompany/")  # the one row, made if missing
    assert listing.status_code == 200
    assert "(미설정)" in listing.content.decode()
    change = f"/admin/invoices/owncompany/{OwnCompany.objects.get().pk}/change/"
    assert change in listing.content.decode()
    assert admin_client.get(change).status_code == 200
    assert admin_client.get("/admin/invoices/owncompany/add/").status_code == 403
    form = {
        "brn": "220-81-62517",
        "tax_registration_id": "",
        "company_name": "주식회사 바뀐플랫폼",
        "representative_name": "새대표",
        "address": "서울",
        "business_type": "서비스",
        "business_class": "플랫폼",
        "taxation_type": "NORMAL",
        "contact_name": "정산",
        "contact_department": "재무",
        "contact_email": "new@platform.test",
        "contact_phone": "",
        "_save": "저장",
    }
    saved = admin_client.post(change, form)
    assert saved.status_code == 302
    company = OwnCompany.objects.get(pk=1)
    assert (company.brn, company.company_name) == ("2208162517", "주식회사 바뀐플랫폼")
    bad = admin_client.post(change, {**form, "brn": "2208162518"})
    assert bad.status_code == 200
    assert OwnCompany.objects.get(pk=1).brn == "2208162517"


@override_settings(
    OWN_COMPANY_BRN="105-87-01232",
    OWN_COMPANY_NAME="주식회사 환경",
    OWN_COMPANY_REPRESENTATIVE_NAME="환대표",
)
def test_the_command_applies_the_settings_and_prints_the_profile(own_company):
    out = io.StringIO()
    call_command("own_company", "--from-env", stdout=out)
    company = OwnCompany.objects.get(pk=1)
    assert (company.brn, company.company_name, company.representative_name) == (
        "1058701232",
        "주식회사 환경",
        "환대표",
    )
    assert company.contact_email == "finance@platform.test"  # no setting: kept
    assert "brn, company_name, representative_name" in out.getvalue()
    printed = io.StringIO()
    call_command("own_company", stdout=printed)
    assert "주식회사 환경" in printed.getvalue()
    assert "사업자등록번호" in printed.getvalue()


def test_demo_data_fills_an_empty_own_company_once(db):
    OwnCompany.objects.update_or_create(
        pk=1, defaults={"brn": "", "company_name": "", "representative_name": ""}
    )
    assert demo.load() == 4 + 3
    assert OwnCompany.objects.get(pk=1).company_name == "주식회사 데모플랫폼"
    assert Counterparty.objects.filter(public_id__startswith="demo-").count() == 3
    statuses = sorted(TaxInvoice.objects.values_list("status", flat=True))
    assert statuses == ["BEFORE_SENDING", "REQUESTED", "REQUEST_REFUSED"]
    assert Notification.objects.filter(kind="REVERSE_REQUEST").count() >= 3
    assert demo.load() == 0
