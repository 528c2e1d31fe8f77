"""Who created a partner, as the audit trail (django-simple-history) records it: the API secret's
name for API calls, the staff user for the admin, however many partners one call creates."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.files.columns import IMPORT_FIELDS
from partners.files.export import PartnerResource
from partners.models import Partner
from tests.factories import make_contract

pytestmark = pytest.mark.django_db


def api_body(public_id: str) -> dict:
    return {
        "id": public_id,
        "name": "가나다 상점",
        "contact": {"name": "이담당", "email": "owner@example.com"},
        "account": {
            "bank": "KOOKMIN",
            "currency": "KRW",
            "number": "110-123-456789",
            "holder": "주식회사 가나다",
        },
        "defaultContractId": "c-1",
        "tags": ["패션"],
        "type": {"whtPayer": {"birthdate": "1990-01-02"}},
    }


@pytest.fixture
def contract(db):
    return make_contract("c-1", name="기본 계약")


def creation_records(*public_ids: str) -> dict:
    return {
        h.public_id: (h.history_type, h.history_api_secret, h.history_user)
        for h in Partner.history.filter(public_id__in=public_ids)
    }


def test_a_single_api_create_records_the_api_secret(api_client, contract):
    response = api_client.post("/platform/partners", api_body("one"), format="json")

    assert response.status_code == 200, response.json()
    assert creation_records("one") == {"one": ("+", "test integrator", None)}


def test_a_batch_api_create_records_the_api_secret_on_every_row(api_client, contract):
    response = api_client.post(
        "/platform/partners/batch",
        {"partners": [api_body("b-1"), api_body("b-2"), api_body("b-3")]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert creation_records("b-1", "b-2", "b-3") == {
        "b-1": ("+", "test integrator", None),
        "b-2": ("+", "test integrator", None),
        "b-3": ("+", "test integrator", None),
    }


def test_the_admin_import_records_the_staff_user_on_every_row(client, admin_user, contract):
    client.force_login(admin_user)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for _, header in PartnerResource.import_columns()])
    for public_id in ("f-1", "f-2"):
        row = {
            "public_id": public_id,
            "name": "이작가",
            "partner_type": "원천징수대상자",
            "contact_name": "이작가",
            "contact_email": "writer@example.com",
            "bank": "신한은행",
            "account_number": "110987654321",
            "account_holder": "이작가",
            "default_contract": "c-1",
            "birthdate": "1990-01-02",
        }
        writer.writerow([row.get(field, "") for field in IMPORT_FIELDS])
    upload = SimpleUploadedFile("p.csv", buffer.getvalue().encode(), "text/csv")

    preview = client.post(
        reverse("admin:partners_partner_import"), {"file": upload, "mode": "live"}
    )
    client.post(
        reverse("admin:partners_partner_import_confirm"), {"check": preview.context["check"]}
    )

    assert creation_records("f-1", "f-2") == {
        "f-1": ("+", "", admin_user),
        "f-2": ("+", "", admin_user),
    }


def test_a_service_call_outside_any_request_records_no_one(contract):
    from partners.services import partners as services

    services.partners_create(
        is_for_test=False,
        items=[
            {
                "id": "task-1",
                "contract_id": "c-1",
                "terms": {
                    "name": "배치 작업",
                    "tags": [],
                    "contact_name": "작업",
                    "contact_email": "task@example.com",
                    "bank": "KOOKMIN",
                    "account_currency": "KRW",
                    "account_number": "1234567890",
                    "account_holder": "작업",
                    "partner_type": "NON_WHT_PAYER",
                },
            }
        ],
    )

    assert creation_records("task-1") == {"task-1": ("+", "", None)}
