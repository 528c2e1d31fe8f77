"""Review of the back office (issue 9): personal data, bad input and permissions on the admin
pages that the feature tests do not reach."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import make_contract, make_partner

pytestmark = pytest.mark.django_db

FULL_NUMBER = "110987654321"


def _staff(django_user_model, *codenames):
    user = django_user_model.objects.create_user("viewer", "v@example.com", "pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def partner(db):
    make_contract("C1", name="기본 계약")
    partner = make_partner("seller", contract_id="C1", name="가나 상점")
    partner.account_number = FULL_NUMBER
    partner.save()
    return partner


def test_partner_history_masks_the_account_number_without_the_personal_data_permission(
    client, django_user_model, partner
):
    client.force_login(_staff(django_user_model, "view_partner"))
    url = reverse("admin:partners_partner_history", args=[partner.pk])
    page = client.get(url).content.decode()
    assert "1101234560" not in page and FULL_NUMBER not in page
    version = partner.history.order_by("history_id").last()
    form_url = reverse(
        "admin:partners_partner_simple_history", args=[partner.pk, version.history_id]
    )
    page = client.get(form_url).content.decode()
    assert FULL_NUMBER not in page


def test_partner_history_shows_the_full_number_with_the_personal_data_permission(
    client, django_user_model, partner
):
    client.force_login(_staff(django_user_model, "view_partner", "view_partner_personal_data"))
    page = client.get(reverse("admin:partners_partner_history", args=[partner.pk]))
    assert FULL_NUMBER in page.content.decode()


def test_a_view_only_user_cannot_revert_a_partner_from_its_history(
    client, django_user_model, partner
):
    first = partner.history.order_by("history_id").first()
    partner.name = "바뀐 이름"
    partner.save()
    client.force_login(_staff(django_user_model, "view_partner"))
    url = reverse("admin:partners_partner_simple_history", args=[partner.pk, first.history_id])
    response = client.post(url, {"name": "가나 상점", "mode": "LIVE"})
    assert response.status_code in (403, 200)
    partner.refresh_from_db()
    assert partner.name == "바뀐 이름"
