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


# --- partner settlement status changes ---------------------------------------------------------


def _settlements(partner, count, *, currency="KRW", amount=1_000, start=0):
    from datetime import date

    from settlements.models import PartnerSettlement

    PartnerSettlement.objects.bulk_create(
        PartnerSettlement(
            public_id=f"ps-{currency}-{start + i}",
            partner=partner,
            settlement_date=date(2026, 3, 10),
            settlement_type="MANUAL",
            settlement_currency=currency,
            amount_settlement=amount,
        )
        for i in range(count)
    )


def test_bulk_withhold_of_every_row_changes_every_row(admin_client, partner):
    from settlements.models import PartnerSettlement, PartnerSettlementStatus

    _settlements(partner, 1005)
    changelist = reverse("admin:settlements_partnersettlement_changelist")
    action = {
        "action": "withhold_selected",
        "_selected_action": [PartnerSettlement.objects.first().pk],
        "select_across": "1",
        "index": 0,
    }
    confirm = admin_client.post(changelist, action)
    assert confirm.context["movable_count"] == 1005
    assert "1,005,000원" in confirm.content.decode()
    done = admin_client.post(changelist, {**action, "confirm": "yes", "reason": "점검"})
    assert done.status_code == 302
    withheld = PartnerSettlement.objects.filter(status=PartnerSettlementStatus.PAYOUT_WITHHELD)
    assert withheld.count() == 1005


def test_bulk_confirmation_sums_each_currency_apart(admin_client, partner):
    from settlements.models import PartnerSettlement

    _settlements(partner, 2, amount=10_000)
    _settlements(partner, 1, currency="USD", amount=30)
    changelist = reverse("admin:settlements_partnersettlement_changelist")
    action = {
        "action": "withhold_selected",
        "_selected_action": list(PartnerSettlement.objects.values_list("pk", flat=True)),
        "index": 0,
    }
    page = admin_client.post(changelist, action).content.decode()
    assert "20,000원" in page and "30 USD" in page
    assert "20,030원" not in page


def test_status_page_of_a_non_numeric_id_is_not_found(admin_client):
    url = reverse("admin:settlements_partnersettlement_status", args=["abc", "PAYOUT_WITHHELD"])
    assert admin_client.get(url).status_code == 404


def test_money_columns_of_the_lists_say_the_rows_currency(admin_client, partner):
    from tests.factories import make_transfer

    make_transfer(partner, type="MANUAL", currency="USD", amounts={"settlement": 30})
    _settlements(partner, 1, currency="USD", amount=45)
    transfers = admin_client.get(reverse("admin:settlements_transfer_changelist"))
    cells = transfers.content.decode().split('class="field-amount_settlement_money', 1)[1]
    assert cells.split("</td>", 1)[0].count("30 USD") == 1
    settlements = admin_client.get(reverse("admin:settlements_partnersettlement_changelist"))
    cells = settlements.content.decode().split('class="field-amount_settlement_money', 1)[1]
    assert "45 USD" in cells.split("</td>", 1)[0]


# --- queries independent of the rows ----------------------------------------------------------


def test_user_defined_property_list_counts_partners_in_one_query(admin_client, partner):
    import io

    import openpyxl
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from partners.models import Partner, UserDefinedProperty

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        return len(ctx.captured_queries), body

    UserDefinedProperty.objects.create(key="k0", label="키0")
    Partner.objects.filter(pk=partner.pk).update(user_defined_properties={"k0": "x"})
    listing = reverse("admin:partners_userdefinedproperty_changelist")
    export = reverse("admin:partners_userdefinedproperty_export_xlsx")
    few_list, few_export = queries(listing)[0], queries(export)[0]
    for i in range(1, 12):
        UserDefinedProperty.objects.create(key=f"k{i}", label=f"키{i}")
    many_list, page = queries(listing)
    many_export, sheet = queries(export)
    assert (many_list, many_export) == (few_list, few_export)
    assert "1명" in page.decode()
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet)).active.iter_rows(values_only=True))
    assert [r[-1] for r in rows if r[0] == "k0"] == [1]
    assert sum(1 for r in rows if r[-1] == 0) == 11


# --- list totals: cancellations subtract --------------------------------------------------------


def _total(page: str, field: str) -> str:
    import re

    return re.search(rf'data-total="{field}">(.*?)</b>', page, re.S).group(1)


def test_transfer_list_totals_subtract_order_cancellations(admin_client, partner):
    from tests.factories import make_transfer

    order = make_transfer(partner, amounts={"settlement": 10_000, "platformFee": 1_000})
    make_transfer(
        partner,
        type="ORDER_CANCEL",
        original=order,
        amounts={"settlement": 4_000, "platformFee": 400},
    )
    page = admin_client.get(reverse("admin:settlements_transfer_changelist")).content.decode()
    assert _total(page, "count") == "2건"
    assert ">6,000원<" in _total(page, "amount_settlement")
    assert ">600원<" in _total(page, "amount_platform_fee")


def test_partner_settlement_list_totals_subtract_order_cancellations(admin_client, partner):
    from datetime import date

    from settlements.models import PartnerSettlement

    for public_id, kind, amount in (("ps-o", "ORDER", 10_000), ("ps-c", "ORDER_CANCEL", 4_000)):
        PartnerSettlement.objects.create(
            public_id=public_id,
            partner=partner,
            contract=partner.default_contract,
            settlement_date=date(2026, 3, 10),
            settlement_type=kind,
            amount_settlement=amount,
        )
    url = reverse("admin:settlements_partnersettlement_changelist")
    page = admin_client.get(url).content.decode()
    assert ">6,000원<" in _total(page, "amount_settlement")
    confirm = admin_client.post(
        url,
        {
            "action": "withhold_selected",
            "_selected_action": list(PartnerSettlement.objects.values_list("pk", flat=True)),
            "index": 0,
        },
    )
    assert "6,000원" in confirm.content.decode() and "14,000원" not in confirm.content.decode()
