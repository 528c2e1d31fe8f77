"""The contract form a finance team uses (weekday checkboxes, a day-of-month grid, a month/day
list), the lists that read as they speak, robustness to bad stored values, and the Excel download
of exactly the filtered rows."""

import html
import io
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from policies.models import AdditionalFeePolicy, Contract, ContractVersion, DiscountSharePolicy
from tests.factories import make_additional_fee_policy, make_contract, make_discount_share_policy

pytestmark = pytest.mark.django_db

ADD = "/admin/policies/contract/add/"


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("finance", password="pw-12345678")
    client.force_login(user)
    return client


def contract_post(**overrides):
    data = {
        "public_id": "c-form",
        "name": "폼 계약",
        "memo": "",
        "fee_type": "FIXED_RATE",
        "fee_rate": "3.5",
        "fee_amount": "",
        "platform_fee_vat_payer": "PARTNER",
        "lag_days": "3",
        "date_policy": "HOLIDAY_AFTER",
        "cycle_method": "MONTHLY",
        "manual_dates": "",
    }
    data.update(overrides)
    return data


def field_errors(response, name):
    return [str(e) for e in response.context["adminform"].form.errors.get(name, [])]


def test_monthly_contract_from_the_day_grid(staff):
    response = staff.post(ADD, contract_post(days_of_month=["25", "10"]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    contract = Contract.objects.get(public_id="c-form")
    assert contract.cycle_method == "MONTHLY"
    assert contract.days_of_month == [10, 25]
    assert contract.days_of_week == [] and contract.manual_dates == []
    assert contract.fee_rate == 3_500 and contract.fee_amount is None
    [version] = ContractVersion.objects.filter(entity=contract)
    assert version.state == "APPLIED"
    assert version.terms["days_of_month"] == [10, 25]
    assert version.terms["cycle_method"] == "MONTHLY"
    assert version.terms["fee_rate"] == 3_500


def test_weekly_contract_from_checkboxes_in_week_order(staff):
    response = staff.post(
        ADD,
        contract_post(cycle_method="WEEKLY", days_of_week=["THU", "MON"], days_of_month=["25"]),
    )
    assert response.status_code == 302
    contract = Contract.objects.get(public_id="c-form")
    assert contract.days_of_week == ["MON", "THU"]
    assert contract.days_of_month == []  # only the chosen method's days are kept
    assert contract.versions.get().terms["days_of_week"] == ["MON", "THU"]


def test_manual_dates_from_the_month_day_list(staff):
    response = staff.post(
        ADD,
        contract_post(
            cycle_method="MANUAL_DATES",
            manual_dates="12/31, 3/15\n6월 15일, 3/15, 2/29",
            fee_type="FIXED_AMOUNT",
            fee_rate="",
            fee_amount="1000",
        ),
    )
    assert response.status_code == 302
    contract = Contract.objects.get(public_id="c-form")
    assert contract.manual_dates == [
        {"month": 2, "day": 29},
        {"month": 3, "day": 15},
        {"month": 6, "day": 15},
        {"month": 12, "day": 31},
    ]
    assert contract.fee_type == "FIXED_AMOUNT"
    assert contract.fee_amount == 1_000 and contract.fee_rate is None
    page = staff.get("/admin/policies/contract/").content.decode()
    assert "지정일 2/29, 3/15, 6/15, 12/31" in page
    assert "1,000원" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"days_of_month": ["10", "32"]}, "days_of_month", "1~31일 중에서 고르세요"),
        ({"days_of_month": []}, "days_of_month", "정산일을 하나 이상"),
        ({"cycle_method": "WEEKLY"}, "days_of_week", "요일을 하나 이상"),
        ({"cycle_method": "WEEKLY", "days_of_week": ["THURSDAY"]}, "days_of_week", "없는 요일"),
        (
            {"cycle_method": "MANUAL_DATES", "manual_dates": "3/15, 2/30"},
            "manual_dates",
            "'2/30': 2월에는 29일까지 있습니다.",
        ),
        (
            {"cycle_method": "MANUAL_DATES", "manual_dates": "13/1"},
            "manual_dates",
            "월은 1~12",
        ),
        ({"cycle_method": "MANUAL_DATES", "manual_dates": "  "}, "manual_dates", "하나 이상"),
        ({"cycle_method": "MANUAL_DATES", "manual_dates": "[25]"}, "manual_dates", "월/일 형식"),
        ({"fee_rate": ""}, "fee_rate", "수수료율이 필요"),
        ({"lag_days": "11", "days_of_month": ["1"]}, "lag_days", "1~10일"),
    ],
)
def test_invalid_input_shows_the_error_on_its_field_and_writes_nothing(
    staff, overrides, field, message
):
    response = staff.post(ADD, contract_post(**overrides))
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert any(message in e for e in errors), errors
    assert message in html.unescape(response.content.decode())
    assert not Contract.objects.exists()
    assert not ContractVersion.objects.exists()


def test_edit_changes_the_cycle_and_adds_a_version(staff):
    contract = make_contract("c-edit", days_of_month=[31])
    url = reverse("admin:policies_contract_change", args=[contract.pk])
    page = staff.get(url).content.decode()
    checked = re.findall(r'name="days_of_month" value="(\d+)"[^>]*\schecked>', page)
    assert checked == ["31"]
    response = staff.post(
        url,
        contract_post(
            public_id="c-edit",
            days_of_month=["15", "31"],
            **{"versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"},
        ),
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.days_of_month == [15, 31]
    assert contract.versions.filter(state="APPLIED").count() == 2
    history = staff.get(url).content.decode()
    assert "정산일(매월):</span> 말일 → 15일, 말일" in history
    assert "수수료율:</span> 10% → 3.5%" in history


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("days_of_month", 25),
        ("days_of_month", "25"),
        ("days_of_month", [{"x": 1}]),
        ("days_of_week", "THU"),
        ("manual_dates", [{"month": 3}]),
        ("manual_dates", {"month": 3, "day": 15}),
    ],
)
def test_a_malformed_stored_value_never_takes_the_list_or_page_down(staff, field, bad):
    method = {"days_of_month": "MONTHLY", "days_of_week": "WEEKLY"}.get(field, "MANUAL_DATES")
    contract = make_contract("c-bad", cycle_method=method)
    make_contract("c-good", name="멀쩡한 계약", days_of_month=[25, 31])
    Contract.objects.filter(pk=contract.pk).update(**{field: bad})  # as an old JSON box saved it
    ContractVersion.objects.filter(entity=contract).update(terms={field: bad, "lag_days": "x"})
    page = staff.get("/admin/policies/contract/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "값 오류" in text
    assert "매월 25일, 말일" in text  # the other rows still read normally
    detail = staff.get(reverse("admin:policies_contract_change", args=[contract.pk]))
    assert detail.status_code == 200
    export = staff.get(reverse("admin:policies_contract_export_xlsx"))
    assert export.status_code == 200


def test_list_reads_cycles_fees_and_badges(staff):
    make_contract("c-weekly", cycle_method="WEEKLY", days_of_week=["THU"], days_of_month=[])
    make_contract(
        "c-two-days", cycle_method="WEEKLY", days_of_week=["MON", "THU"], days_of_month=[]
    )
    make_contract("c-monthly", days_of_month=[25, 31], fee_rate=3_500)
    make_contract(
        "c-manual",
        cycle_method="MANUAL_DATES",
        days_of_month=[],
        manual_dates=[{"month": 3, "day": 15}, {"month": 6, "day": 15}],
        fee_type="FIXED_AMOUNT",
        fee_rate=None,
        fee_amount=1_000,
    )
    make_contract("c-test", is_for_test=True, name="테스트 계약")
    page = staff.get("/admin/policies/contract/").content.decode()
    assert "매주 목요일" in page and "THU" not in page
    assert "매주 월·목요일" in page
    assert "매월 25일, 말일" in page
    assert "지정일 3/15, 6/15" in page
    assert "3.5%" in page and "1,000원" in page
    assert re.search(r">\s*테스트\s*</span>", page)  # the test-mode badge
    assert "D+3" in page and ">전 영업일<" in page and ">파트너<" in page


def test_filters_by_test_mode_fee_type_and_archive(staff):
    make_contract("c-live")
    make_contract("c-test", is_for_test=True)
    make_contract("c-amount", fee_type="FIXED_AMOUNT", fee_rate=None, fee_amount=500)
    archived = make_contract("c-archived")
    staff.post(
        "/admin/policies/contract/",
        {"action": "archive_selected", "_selected_action": [archived.pk]},
    )
    url = "/admin/policies/contract/"
    page = staff.get(url, {"is_for_test__exact": "1"}).content.decode()
    assert "c-test" in page and "c-live" not in page
    page = staff.get(url, {"fee_type__exact": "FIXED_AMOUNT"}).content.decode()
    assert "c-amount" in page and "c-live" not in page
    page = staff.get(url, {"is_archived__exact": "1"}).content.decode()
    assert "c-archived" in page and "c-live" not in page and "보관됨" in page


def test_excel_download_holds_exactly_the_filtered_rows(staff):
    make_contract(
        "c-weekly", name="주간", cycle_method="WEEKLY", days_of_week=["THU"], days_of_month=[]
    )
    make_contract("c-monthly", name="월간", days_of_month=[10, 25], fee_rate=3_500)
    make_contract(
        "c-monthly-2",
        name="월말",
        days_of_month=[31],
        fee_type="FIXED_AMOUNT",
        fee_rate=None,
        fee_amount=1_000,
    )
    make_contract("c-daily", name="매일", cycle_method="DAILY", days_of_month=[])
    url = reverse("admin:policies_contract_export_xlsx")
    response = staff.get(url + "?cycle_method__exact=MONTHLY&o=1")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:5] == ("아이디", "이름", "수수료", "정산 주기", "지체일")
    assert [r[:5] for r in body] == [
        ("c-monthly", "월간", "3.5%", "매월 10일, 25일", 3),
        ("c-monthly-2", "월말", "1,000원", "매월 말일", 3),
    ]
    assert body[0][5:8] == ("공휴일 전 영업일", "파트너 부담", None)  # no badge: live, in use


def test_policy_forms_and_lists_in_korean(staff):
    response = staff.post(
        "/admin/policies/discountsharepolicy/add/",
        {"public_id": "d-new", "name": "쿠폰", "memo": "", "partner_share_rate": "12.5"},
    )
    assert response.status_code == 302
    assert DiscountSharePolicy.objects.get(public_id="d-new").partner_share_rate == 12_500
    response = staff.post(
        "/admin/policies/additionalfeepolicy/add/",
        {
            "public_id": "f-new",
            "name": "풀필먼트",
            "memo": "",
            "fee_type": "FIXED_AMOUNT",
            "fee_rate": "",
            "fee_amount": "",
            "vat_payer": "MERCHANT",
        },
    )
    assert response.status_code == 200
    assert "정액 수수료는 0원 이상의 금액이 필요합니다." in field_errors(response, "fee_amount")
    assert not AdditionalFeePolicy.objects.exists()
    make_additional_fee_policy("f-1", fee_amount=2_500)
    make_discount_share_policy("d-1", partner_share_rate=33_333)
    assert "2,500원" in staff.get("/admin/policies/additionalfeepolicy/").content.decode()
    assert "33.333%" in staff.get("/admin/policies/discountsharepolicy/").content.decode()


def test_platform_setting_reads_in_words_and_saves_through_the_service(staff):
    page = staff.get("/admin/policies/platformsetting/").content.decode()
    assert "운영" in page and "테스트" in page
    assert "차감 안 함" in page and "허용 안 함" in page
    from policies.models import PlatformSetting

    live = PlatformSetting.objects.get(is_for_test=False)
    response = staff.post(
        reverse("admin:policies_platformsetting_change", args=[live.pk]),
        {
            "settlement_amount_type": "NET",
            "deduct_wht": "on",
            "default_withdrawal_memo": "",
            "default_deposit_memo": "정산금",
        },
    )
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.settlement_amount_type == "NET" and live.deduct_wht is True
    assert live.default_deposit_memo == "정산금"
    assert live.supports_multiple_order_transfers_per_partner is False
    export = staff.get(reverse("admin:policies_platformsetting_export_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = [r[:5] for r in sheet.iter_rows(values_only=True)]
    assert sorted(rows[1:]) == [
        ("운영", "공급가액 기준(NET)", "차감", "허용 안 함", "안 함"),
        ("테스트", "부가세 포함(GROSS)", "차감 안 함", "허용 안 함", "안 함"),
    ]
