"""The payouts back office through the admin's URLs: the create page's preview and confirm, a
bulk payout's buttons (start and run, schedule, approve, cancel, stop, retry and exclude the
failed ones), the 대량이체 file and the bank's result file, the ledger with deposits, the
partner-settlement actions, the home card, the Excel columns and the permissions."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from payouts.models import BulkPayout, BulkPayoutStatus, Payout, PayoutStatus
from payouts.services import bulk_payouts as bp
from payouts.services import ledger
from payouts.services.bulk_payouts import Actor
from payouts.services.selection import Selection
from policies.models import PlatformSetting
from settlements.models import PartnerSettlement

WHT = {"partner_type": "WHT_PAYER", "birthdate": "1990-01-01"}
OTHER = Actor("user:999999", "다른 담당자")


@pytest.fixture
def sync_tasks(monkeypatch, django_capture_on_commit_callbacks):
    """django-q2 runs tasks where they are queued, after commit (as a worker would at once)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    return django_capture_on_commit_callbacks


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


def create(world, *names, actor=OTHER, **kw):
    return bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids(*names), is_for_test=world.is_for_test),
        name=kw.pop("name", "3월 정산"),
        actor=actor,
        **kw,
    )


def page_url(bulk) -> str:
    return reverse("admin:payouts_bulkpayout_change", args=[bulk.pk])


def action_url(bulk, action: str) -> str:
    return reverse("admin:payouts_bulkpayout_action", args=[bulk.pk, action])


# --- the create page ------------------------------------------------------------------------


def test_create_page_previews_withholding_totals_and_the_deposit_then_creates(
    client, admin_user, make_world
):
    PlatformSetting.objects.update_or_create(is_for_test=False, defaults={"deduct_wht": True})
    make_world(
        {"프리랜서": {"amount": 1_000_000, **WHT}, "상점": {"amount": 550_000}}, is_for_test=False
    )
    client.force_login(admin_user)
    url = reverse("admin:payouts_bulkpayout_create")
    response = client.get(url, {"mode": "live"})
    assert response.status_code == 200
    lines = {row["line"].partner_name: row["line"] for row in response.context["lines"]}
    wht = lines["프리랜서"].amounts
    assert (wht.income_tax_amount, wht.local_income_tax_amount, wht.amount) == (
        30_000,
        3_000,
        967_000,
    )
    shop = lines["상점"].amounts
    assert (shop.supply_amount, shop.vat_amount, shop.amount) == (500_000, 50_000, 550_000)
    assert response.context["krw_total"] == 1_517_000
    # the live account starts at 0: the whole total is the recommended deposit
    assert response.context["preview"].recommended_deposit == 1_517_000
    html = response.content.decode()
    assert "30,000원" in html and "3,000원" in html and "967,000원" in html
    assert 'id="recommended-deposit" data-amount="1517000"' in html

    ledger.deposit_record(is_for_test=False, amount=1_000_000, depositor_name="플랫폼")
    response = client.get(url, {"mode": "live"})
    assert response.context["preview"].recommended_deposit == 517_000
    assert response.context["available"] == "1,000,000원"

    form = {
        "mode": "live",
        "name": "3월 지급",
        "memo": "내부용",
        "digest": response.context["digest"],
    }
    response = client.post(url, form)
    bulk = BulkPayout.objects.get()
    assert response.status_code == 302 and response.url == page_url(bulk)
    assert (bulk.name, bulk.memo, bulk.payout_count, bulk.total_payout_amount) == (
        "3월 지급",
        "내부용",
        2,
        1_517_000,
    )
    assert bulk.creator_id == f"user:{admin_user.pk}"
    assert set(PartnerSettlement.objects.values_list("status", flat=True)) == {"CONFIRMED"}


def test_create_filters_by_partner_type_and_refuses_a_changed_selection(
    client, admin_user, make_world
):
    world = make_world({"프리랜서": {"amount": 10_000, **WHT}, "상점": {"amount": 20_000}})
    client.force_login(admin_user)
    url = reverse("admin:payouts_bulkpayout_create")
    response = client.get(url, {"mode": "test", "partner_type": "BUSINESS"})
    assert [r["line"].partner_name for r in response.context["lines"]] == ["상점"]
    digest = response.context["digest"]
    # another settlement becomes payable meanwhile: the confirm shows the new preview instead
    from tests.payouts.conftest import gather, settle

    settle(world.partners["상점"], 5_000, day=11)
    gather()
    response = client.post(
        url, {"mode": "test", "partner_type": "BUSINESS", "name": "x", "digest": digest}
    )
    assert response.status_code == 200
    assert not BulkPayout.objects.exists()
    assert any("바뀌었습니다" in m for m in messages_of(response))
    assert response.context["krw_total"] == 25_000


def test_create_with_nothing_payable_says_so(client, admin_user, db):
    client.force_login(admin_user)
    response = client.get(reverse("admin:payouts_bulkpayout_create"), {"mode": "live"})
    assert response.status_code == 200
    assert "지급 가능한 정산 내역이 없습니다" in response.context["preview_error"]


def test_ticked_rows_of_the_settlement_list_go_to_the_preview(client, admin_user, make_world):
    world = make_world({"a": {"amount": 10_000}, "b": {"amount": 20_000}})
    client.force_login(admin_user)
    picked = world.settlements["b"][0]
    response = client.post(
        reverse("admin:settlements_partnersettlement_changelist"),
        {"action": "create_bulk_payout", "_selected_action": [picked.pk]},
    )
    assert response.status_code == 302
    response = client.get(response.url)
    assert response.context["krw_total"] == 20_000
    token = response.context["selection_token"]
    response = client.post(
        reverse("admin:payouts_bulkpayout_create"),
        {
            "selection": token,
            "method": "AGENCY",
            "name": "고른 것",
            "digest": response.context["digest"],
        },
    )
    bulk = BulkPayout.objects.get()
    assert list(bulk.payouts.values_list("partner__name", flat=True)) == ["b"]


# --- the bulk payout page -------------------------------------------------------------------


def test_start_runs_and_the_page_shows_completed_with_counts_and_failures(
    client, admin_user, make_world, sync_tasks
):
    world = make_world(
        {"좋은": {"amount": 10_000}, "나쁜": {"amount": 7_000, "account_number": "1101234569"}}
    )
    bulk = create(world, "좋은", "나쁜")
    client.force_login(admin_user)
    response = client.get(action_url(bulk, "start"))
    assert response.status_code == 200 and "17,000원" in response.context["summary"]
    with sync_tasks(execute=True):
        response = client.post(action_url(bulk, "start"))
    assert response.status_code == 302
    bulk.refresh_from_db()
    assert bulk.status == BulkPayoutStatus.COMPLETED
    response = client.get(page_url(bulk))
    html = response.content.decode()
    assert '<b id="bulk-status-label" data-status="COMPLETED">완료</b>' in html
    stats = {row["status"]: (row["count"], row["amount"]) for row in response.context["stat_rows"]}
    assert stats["SUCCEEDED"][0] == 1 and "10,000원" in stats["SUCCEEDED"][1]
    assert stats["FAILED"][0] == 1 and "7,000원" in stats["FAILED"][1]
    assert response.context["progress_percent"] == 100
    assert not response.context["auto_refresh"]
    assert [f["payout"].fail_reason for f in response.context["failures"]] == ["계좌번호 오류"]
    names = [b["name"] for b in response.context["buttons"]]
    assert names == ["retry", "exclude"]

    # pay the failed one again in a new bulk payout
    response = client.post(action_url(bulk, "retry"), {"name": "재지급"})
    new = BulkPayout.objects.get(name="재지급")
    assert response.url == page_url(new)
    assert list(new.payouts.values_list("amount", flat=True)) == [7_000]


def test_the_page_refreshes_while_ongoing(client, admin_user, make_world):
    world = make_world({"a": {"amount": 10_000}})
    bulk = create(world, "a")
    bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=OTHER)  # not run
    client.force_login(admin_user)
    response = client.get(page_url(bulk))
    assert response.context["auto_refresh"]
    assert '<meta http-equiv="refresh" content="3">' in response.content.decode()
    assert [b["name"] for b in response.context["buttons"]] == ["stop"]
    stats = client.get(reverse("admin:payouts_bulkpayout_stats", args=[bulk.pk])).json()
    assert stats["status"] == "ONGOING" and stats["count"]["CONFIRMED"] == 1
    response = client.post(action_url(bulk, "stop"), follow=True)
    bulk.refresh_from_db()
    assert bulk.status == BulkPayoutStatus.COMPLETED
    assert bulk.payouts.get().status == PayoutStatus.STOPPED
    assert PartnerSettlement.objects.get().status == "PAYOUT_PREPARED"


def test_exclude_failed_settlements_with_a_reason(client, admin_user, make_world, sync_tasks):
    world = make_world({"나쁜": {"amount": 7_000, "account_number": "1101234569"}})
    bulk = create(world, "나쁜")
    client.force_login(admin_user)
    with sync_tasks(execute=True):
        client.post(action_url(bulk, "start"))
    response = client.post(action_url(bulk, "exclude"), {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(action_url(bulk, "exclude"), {"reason": "계좌 해지"}, follow=True)
    settlement = PartnerSettlement.objects.get()
    assert settlement.status == "PAYOUT_EXCLUDED"
    assert settlement.history.first().history_change_reason == "실패 건 제외: 계좌 해지"
    assert "retry" not in [b["name"] for b in response.context["buttons"]]


def test_schedule_in_the_maintenance_window_shows_the_services_error(
    client, admin_user, make_world
):
    world = make_world({"a": {"amount": 10_000}})
    bulk = create(world, "a")
    client.force_login(admin_user)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(action_url(bulk, "schedule"), {"date": tomorrow, "time": "23:00"})
    assert response.status_code == 200
    assert any("은행 점검 시간" in m for m in messages_of(response))
    bulk.refresh_from_db()
    assert bulk.scheduled_at is None

    response = client.post(
        action_url(bulk, "schedule"), {"date": tomorrow, "time": "14:10"}, follow=True
    )
    bulk.refresh_from_db()
    assert timezone.localtime(bulk.scheduled_at).strftime("%H:%M") == "14:10"
    assert [b["name"] for b in response.context["buttons"]] == ["unschedule"]
    client.post(action_url(bulk, "unschedule"))
    bulk.refresh_from_db()
    assert bulk.status == BulkPayoutStatus.CANCELLED
    assert PartnerSettlement.objects.get().status == "PAYOUT_PREPARED"


def test_self_approval_is_refused_and_another_user_approves(
    client, admin_user, django_user_model, make_world, settings
):
    settings.PAYOUT_APPROVAL_THRESHOLD = 5_000
    world = make_world({"a": {"amount": 10_000}})
    client.force_login(admin_user)
    url = reverse("admin:payouts_bulkpayout_create")
    preview = client.get(url, {"mode": "test"})
    assert preview.context["preview"].requires_approval
    client.post(url, {"mode": "test", "name": "큰 지급", "digest": preview.context["digest"]})
    bulk = BulkPayout.objects.get()
    response = client.post(action_url(bulk, "start"), follow=True)
    assert any("승인이 필요합니다" in m for m in messages_of(response))
    response = client.post(action_url(bulk, "approve"), follow=True)
    assert any("만든 사람은 승인할 수 없습니다" in m for m in messages_of(response))
    bulk.refresh_from_db()
    assert bulk.approved_at is None

    checker = staff(
        django_user_model, "checker", "payouts.view_bulkpayout", "payouts.approve_bulkpayout"
    )
    client.force_login(checker)
    client.post(action_url(bulk, "approve"))
    bulk.refresh_from_db()
    assert (bulk.approver_id, bulk.approver_name) == (f"user:{checker.pk}", "checker")
    client.force_login(admin_user)
    client.post(action_url(bulk, "start"))
    bulk.refresh_from_db()
    assert bulk.status == BulkPayoutStatus.ONGOING
    assert world.is_for_test


def test_cancel_returns_the_settlements(client, admin_user, make_world):
    world = make_world({"a": {"amount": 10_000}, "b": {"amount": 5_000}})
    bulk = create(world, "a", "b")
    client.force_login(admin_user)
    response = client.post(action_url(bulk, "cancel"), follow=True)
    bulk.refresh_from_db()
    assert bulk.status == BulkPayoutStatus.CANCELLED
    assert set(PartnerSettlement.objects.values_list("status", flat=True)) == {"PAYOUT_PREPARED"}
    assert any("취소했습니다" in m for m in messages_of(response))
    # a second cancel is not offered and is refused with a message, not a 500
    response = client.post(action_url(bulk, "cancel"), follow=True)
    assert response.status_code == 200
    assert any("할 수 없습니다" in m for m in messages_of(response))


# --- 대량이체: the transfer file and the bank's result file ------------------------------------


def test_bulk_transfer_file_and_result_import(client, admin_user, django_user_model, make_world):
    world = make_world(
        {
            "가": {"amount": 10_000, "account_number": "110-222-333401"},
            "나": {"amount": 20_000, "account_number": "110-222-333402"},
        }
    )
    bulk = create(world, "가", "나", method="DIRECT", deposit_memo="3월정산")
    bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=OTHER)
    client.force_login(admin_user)
    response = client.get(reverse("admin:payouts_bulkpayout_transfer_file", args=[bulk.pk, "csv"]))
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "은행코드,계좌번호,금액,예금주(받는 분),메모",
        "004,110222333401,10000,홍길동,3월정산",
        "004,110222333402,20000,홍길동,3월정산",
    ]
    response = client.get(reverse("admin:payouts_bulkpayout_transfer_file", args=[bulk.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]] == ["004", "110222333401", 10_000, "홍길동", "3월정산"]

    # without the personal-data permission the file is refused
    viewer = staff(django_user_model, "viewer", "payouts.view_bulkpayout")
    client.force_login(viewer)
    response = client.get(
        reverse("admin:payouts_bulkpayout_transfer_file", args=[bulk.pk, "csv"]), follow=True
    )
    assert any("개인정보" in m for m in messages_of(response))
    assert response.redirect_chain[-1][0] == page_url(bulk)

    client.force_login(admin_user)
    bad = _upload("계좌번호,금액,결과,사유\n110222333401,10000,성공,\n110222333499,20000,실패,x\n")
    response = client.post(action_url(bulk, "results"), {"file": bad}, follow=True)
    assert any("기록하지 않았습니다" in m for m in messages_of(response))
    assert set(bulk.payouts.values_list("status", flat=True)) == {PayoutStatus.PROCESSING}

    good = _upload(
        "계좌번호,금액,결과,사유\n"
        "110-222-333401,10000,성공,\n"
        "110222333402,20000,실패,예금주 불일치\n"
    )
    response = client.post(action_url(bulk, "results"), {"file": good}, follow=True)
    assert any("성공 1건, 실패 1건" in m for m in messages_of(response))
    by_amount = {p.amount: p for p in bulk.payouts.all()}
    assert by_amount[10_000].status == PayoutStatus.SUCCEEDED
    assert (by_amount[20_000].status, by_amount[20_000].fail_reason) == ("FAILED", "예금주 불일치")
    bulk.refresh_from_db()
    assert bulk.status == BulkPayoutStatus.COMPLETED
    statuses = dict(PartnerSettlement.objects.values_list("partner__name", "status"))
    assert statuses == {"가": "PAID_OUT", "나": "PAYOUT_FAILED"}


def _upload(text: str, name: str = "result.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


# --- lists, Excel, ledger --------------------------------------------------------------------


def _xlsx_rows(response) -> list[list]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_payout_excel_masks_account_numbers_without_the_permission(
    client, admin_user, django_user_model, make_world
):
    world = make_world({"프리랜서": {"amount": 10_000, "account_number": "1102223334", **WHT}})
    create(world, "프리랜서", memo="내부 메모", deposit_memo="정산금")
    url = reverse("admin:payouts_payout_export_xlsx")
    client.force_login(admin_user)
    rows = _xlsx_rows(client.get(url))
    header = rows[0]
    for name in ("은행", "계좌번호", "정산대금 수취인(예금주)", "생년월일/사업자번호", "금액"):
        assert name in header
    row = dict(zip(header, rows[1], strict=True))
    assert (row["계좌번호"], row["생년월일/사업자번호"]) == ("1102223334", "1990-01-01")
    assert (row["은행"], row["정산대금 수취인(예금주)"], row["금액"]) == (
        "국민은행",
        "홍길동",
        10_000,
    )
    assert (row["내부메모"], row["외부메모"]) == ("내부 메모", "정산금")

    viewer = staff(django_user_model, "viewer", "payouts.view_payout")
    client.force_login(viewer)
    rows = _xlsx_rows(client.get(url))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert "1102223334" not in str(rows)
    assert row["계좌번호"].endswith("3334") and "*" in row["계좌번호"]
    assert "1990-01-01" not in str(rows)


def test_ledger_lists_balance_after_and_deposits_by_hand_and_file(
    client, admin_user, make_world, sync_tasks
):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:payouts_accounttransfer_deposit"),
        {"mode": "live", "amount": "1,500,000", "depositor_name": "(주)플랫폼", "memo": "충전"},
    )
    assert response.status_code == 302
    assert ledger.balances(False).balance == 1_500_000
    response = client.post(
        reverse("admin:payouts_accounttransfer_deposit"),
        {"mode": "live", "amount": "0", "depositor_name": "x"},
    )
    assert response.status_code == 200 and response.context["form"].errors["amount"]

    upload_url = reverse("admin:payouts_deposit_upload")
    data = (
        "거래일시,입금액,입금자명,메모\n"
        "2026-03-10 09:00,200000,플랫폼,2차\n"
        "2026-03-10 10:00,300000,플랫폼,\n"
    )
    response = client.post(upload_url, {"file": _upload(data, "deposits.csv"), "mode": "live"})
    assert response.status_code == 200 and response.context["deposit_total"] == 500_000
    response = client.post(
        reverse("admin:payouts_deposit_upload_confirm"), {"check": response.context["check"]}
    )
    assert response.status_code == 302
    assert ledger.balances(False).balance == 2_000_000

    world = make_world({"a": {"amount": 120_000}}, is_for_test=False)
    bulk = create(world, "a")
    with sync_tasks(execute=True):
        client.post(action_url(bulk, "start"))
    response = client.get(
        reverse("admin:payouts_accounttransfer_changelist"), {"is_for_test__exact": "0"}
    )
    html = response.content.decode()
    assert "1,880,000원" in html  # the withdrawal's balance after
    assert "-120,000원" in html
    cards = {b["key"]: b for b in response.context["ledger_balances"]}
    assert cards["live"]["available_amount"] == 1_880_000
    rows = _xlsx_rows(client.get(reverse("admin:payouts_accounttransfer_export_xlsx")))
    header = rows[0]
    withdrawal = next(dict(zip(header, r, strict=True)) for r in rows[1:] if r[2] == "출금")
    assert (withdrawal["금액"], withdrawal["거래 후 잔액"], withdrawal["계좌번호"]) == (
        -120_000,
        1_880_000,
        "1101234560",
    )


def test_complete_payout_action_marks_paid_outside(client, admin_user, make_world):
    world = make_world({"a": {"amount": 10_000}, "b": {"amount": 5_000}})
    client.force_login(admin_user)
    url = reverse("admin:settlements_partnersettlement_changelist")
    pks = [world.settlements["a"][0].pk]
    response = client.post(url, {"action": "complete_payout", "_selected_action": pks})
    assert response.status_code == 200 and "지급 완료 처리" in response.context["title"]
    assert PartnerSettlement.objects.get(pk=pks[0]).status == "PAYOUT_PREPARED"
    response = client.post(
        url,
        {"action": "complete_payout", "_selected_action": pks, "confirm": "yes", "name": "수동"},
        follow=True,
    )
    assert any("1건을 지급 완료로" in m for m in messages_of(response))
    assert PartnerSettlement.objects.get(pk=pks[0]).status == "PAID_OUT"
    assert BulkPayout.objects.get().name == "수동"


def test_home_card_shows_balance_against_due(client, admin_user, db):
    client.force_login(admin_user)
    response = client.get(reverse("admin:index"), {"mode": "test"})
    cards = {c.key: c for c in response.context["home_cards"]}
    assert cards["payout-balance"].value == "1,000,000,000원"
    assert cards["bulk-payouts"].value == "지급 중 0건"


def test_payout_list_and_detail(client, admin_user, make_world):
    world = make_world({"a": {"amount": 10_000}, "b": {"amount": 5_000}})
    bulk = create(world, "a")
    create(world, "b", name="다른 것")
    client.force_login(admin_user)
    url = reverse("admin:payouts_payout_changelist")
    response = client.get(url, {"bulk_payout": bulk.pk})
    assert [p.partner_name for p in response.context["cl"].result_list] == ["a"]
    payout = Payout.objects.get(partner_name="a")
    response = client.get(reverse("admin:payouts_payout_change", args=[payout.pk]))
    assert response.status_code == 200
    assert response.context["full_account_number"] == "1101234560"
    assert [r["settlement"].pk for r in response.context["settlement_rows"]] == [
        world.settlements["a"][0].pk
    ]


# --- permissions -----------------------------------------------------------------------------


def test_viewers_cannot_create_start_or_deposit(client, django_user_model, make_world):
    world = make_world({"a": {"amount": 10_000}})
    bulk = create(world, "a")
    viewer = staff(
        django_user_model,
        "viewer",
        "payouts.view_bulkpayout",
        "payouts.view_accounttransfer",
        "payouts.view_payout",
    )
    client.force_login(viewer)
    assert client.get(page_url(bulk)).status_code == 200
    assert client.get(reverse("admin:payouts_bulkpayout_create")).status_code == 403
    for action in ("start", "cancel", "approve", "schedule"):
        assert client.post(action_url(bulk, action)).status_code == 403
    assert client.get(reverse("admin:payouts_accounttransfer_deposit")).status_code == 403
    assert client.get(reverse("admin:payouts_deposit_upload")).status_code == 403
    bulk.refresh_from_db()
    assert bulk.status == BulkPayoutStatus.PREPARED
    response = client.get(page_url(bulk))
    assert response.context["buttons"] == []


def test_a_large_selection_is_prepared_in_the_background(
    client, admin_user, make_world, sync_tasks, settings
):
    settings.PAYOUT_BACKGROUND_SETTLEMENTS = 1  # two settlements are "large" here
    make_world({"가": {"amount": 10_000}, "나": {"amount": 20_000}}, is_for_test=False)
    client.force_login(admin_user)
    url = reverse("admin:payouts_bulkpayout_create")
    preview = client.get(url, {"mode": "live"})
    form = {"mode": "live", "name": "큰 지급", "digest": preview.context["digest"]}
    with sync_tasks(execute=False) as queued:
        response = client.post(url, form)
    bulk = BulkPayout.objects.get()
    assert response.status_code == 302 and response.url == page_url(bulk)
    assert bulk.status == "PREPARING"
    page = client.get(page_url(bulk))
    html = page.content.decode()
    assert 'id="preparing-note"' in html and "준비 중: 3초마다" in html
    assert page.context["buttons"] and [b["name"] for b in page.context["buttons"]] == ["cancel"]
    for callback in queued:  # the worker builds it
        callback()
    bulk.refresh_from_db()
    assert (bulk.status, bulk.payout_count, bulk.total_payout_amount) == ("PREPARED", 2, 30_000)
    names = [b["name"] for b in client.get(page_url(bulk)).context["buttons"]]
    assert names[:2] == ["start", "schedule"]
    listing = client.get(reverse("admin:payouts_bulkpayout_changelist")).content.decode()
    assert "0 / 2" in listing


def test_the_live_payout_account_comes_from_settings_and_is_edited_in_the_admin(
    client, admin_user, settings, api_client
):
    """PAYOUT_ACCOUNT_* give the live account its first details; the admin edits bank, number
    and holder (never the balance), the ledger head shows them masked, the API reads them."""
    settings.PAYOUT_ACCOUNT_BANK = "SHINHAN"
    settings.PAYOUT_ACCOUNT_NUMBER = "110123456789"
    settings.PAYOUT_ACCOUNT_HOLDER = "(주)플랫폼"
    client.force_login(admin_user)
    head = client.get(reverse("admin:payouts_accounttransfer_changelist")).content.decode()
    assert "신한은행 ********6789 · (주)플랫폼" in head
    live = ledger.payout_account(False)
    assert (live.bank, live.account_number, live.holder) == (
        "SHINHAN",
        "110123456789",
        "(주)플랫폼",
    )
    assert ledger.payout_account(True).holder == "테스트 지급 계좌"

    url = reverse("admin:payouts_payoutaccount_change", args=[live.pk])
    assert f'href="{url}"' in head
    response = client.post(
        url, {"bank": "KOOKMIN", "account_number": "00490104123456", "holder": "(주)새이름"}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    live.refresh_from_db()
    assert (live.bank, live.account_number, live.holder, live.balance) == (
        "KOOKMIN",
        "00490104123456",
        "(주)새이름",
        0,
    )
    read = api_client.get("/platform/payout-account").json()
    assert (read["bank"], read["accountNumber"], read["holder"], read["balance"]) == (
        "KOOKMIN",
        "00490104123456",
        "(주)새이름",
        0,
    )
    assert client.post(url, {"bank": "NOPE", "holder": "x"}).status_code == 200  # refused
    listing = client.get(reverse("admin:payouts_payoutaccount_changelist")).content.decode()
    assert "**********3456" in listing and "00490104123456" not in listing
    assert client.get(reverse("admin:payouts_payoutaccount_add")).status_code == 403


def test_demo_data_gives_the_live_account_its_details_once(db):
    from payouts import demo

    assert demo.load() == 1
    assert demo.load() == 0
    live = ledger.payout_account(False)
    assert (live.account_number, live.holder, live.balance) == (
        "00490104123456",
        "(주)데모플랫폼",
        0,
    )
