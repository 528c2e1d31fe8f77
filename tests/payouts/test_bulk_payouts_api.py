"""Our extension of the Platform API (docs/api.md#payouts-our-extension) through the DRF test
client: bulk-payout creation, read, start (now and scheduled), approve, cancel, stop; the payout
account and its deposits. Every error type with its status; Idempotency-Key; test-mode
separation. The ledger invariant is asserted after every test (tests/payouts/conftest.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiSecret, hash_secret
from core.wire import graphql_id
from payouts import tasks
from payouts.models import AccountTransfer, BulkPayout, Payout
from policies.models import PlatformSetting
from settlements.models import PartnerSettlement, PartnerSettlementStatus, Transfer
from settlements.selectors.transfers import transfer_get
from settlements.services.gather import partner_settlements_gather
from settlements.services.partner_settlements import partner_settlement_set_status
from tests.factories import make_transfer

KST = ZoneInfo("Asia/Seoul")
WHT = {"partner_type": "WHT_PAYER", "birthdate": "1990-01-01"}
SECOND_SECRET = "sk_test_" + "fedcba9876543210" * 3


@pytest.fixture
def checker(db) -> APIClient:
    """A second API secret: the other side of maker-checker."""
    ApiSecret.objects.create(
        name="checker", prefix=SECOND_SECRET[:8], secret_hash=hash_secret(SECOND_SECRET)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"PortOne {SECOND_SECRET}")
    return client


def post(client, path, body=None, **headers):
    return client.post(path, body if body is not None else {}, format="json", **headers)


def create(client, ids, *, test=True, **more):
    return post(
        client,
        "/platform/bulk-payouts",
        {"name": "3월 정산", "partnerSettlementIds": ids, "isForTest": test, **more},
    )


def ok(response) -> dict:
    assert response.status_code == 200, response.content.decode()
    return response.json()


def error(response, status: int, type_: str) -> dict:
    body = response.json()
    assert (response.status_code, body["type"]) == (status, type_), body
    assert body["message"]
    return body


def statuses(world, *names) -> list[str]:
    return [
        PartnerSettlement.objects.get(pk=s.pk).status for n in names for s in world.settlements[n]
    ]


@pytest.fixture
def world(make_world):
    """Test mode (the ledger opens with 1,000,000,000): a business (1,100,000 gross), a
    withholding-tax individual (1,000,000), and one whose account ends in 9 (the sandbox bank
    refuses it)."""
    PlatformSetting.objects.update_or_create(is_for_test=True, defaults={"deduct_wht": True})
    return make_world(
        {
            "가나다 상사": {"amount": 1_100_000},
            "프리랜서": {"amount": 1_000_000, **WHT},
            "오류 계좌": {"amount": 50_000, "account_number": "1101234569"},
        }
    )


# --- create ---------------------------------------------------------------------------------------


def test_create_answers_a_prepared_bulk_payout_with_its_payouts_and_confirmed_settlements(
    api_client, world
):
    body = ok(
        create(
            api_client,
            world.ids("가나다 상사", "프리랜서"),
            id="bp-2026-03",
            memo="3월분",
            withdrawalMemo="플랫폼정산",
            depositMemo="3월 정산금",
        )
    )
    bulk = body["bulkPayout"]
    assert bulk["id"] == "bp-2026-03"
    assert bulk["graphqlId"] == graphql_id("bulk_payout", "bp-2026-03")
    assert (bulk["name"], bulk["method"], bulk["status"]) == ("3월 정산", "AGENCY", "PREPARED")
    # 1,100,000 (business, gross) + 1,000,000 − 30,000 − 3,000 (3 % + 0.3 % withheld)
    assert bulk["totalPayoutAmount"] == 1_100_000 + 967_000
    assert bulk["totalSettlementAmount"] == 2_100_000
    assert bulk["payoutStats"]["count"] == {
        "prepared": 2,
        "confirmed": 0,
        "scheduled": 0,
        "processing": 0,
        "succeeded": 0,
        "failed": 0,
        "stopped": 0,
        "cancelled": 0,
    }
    assert bulk["payoutStats"]["amount"]["prepared"] == 2_067_000
    assert bulk["creatorId"].startswith("secret:")
    assert bulk["isForTest"] is True
    assert (bulk["memo"], bulk["withdrawalMemo"], bulk["depositMemo"]) == (
        "3월분",
        "플랫폼정산",
        "3월 정산금",
    )
    wht = Payout.objects.get(bulk_payout__public_id="bp-2026-03", partner_type="WHT_PAYER")
    assert (wht.amount, wht.income_tax_amount, wht.local_income_tax_amount) == (
        967_000,
        30_000,
        3_000,
    )
    assert set(Payout.objects.values_list("status", flat=True)) == {"PREPARED"}
    assert statuses(world, "가나다 상사", "프리랜서") == ["CONFIRMED", "CONFIRMED"]
    assert statuses(world, "오류 계좌") == ["PAYOUT_PREPARED"]


def test_create_by_filter_takes_the_payable_settlements_it_matches(api_client, world):
    partner = world.partners["프리랜서"]
    body = ok(
        post(
            api_client,
            "/platform/bulk-payouts",
            {
                "name": "프리랜서만",
                "filter": {"partnerIds": [partner.public_id]},
                "method": "DIRECT",
                "isForTest": True,
            },
        )
    )
    assert body["bulkPayout"]["method"] == "DIRECT"
    assert body["bulkPayout"]["payoutCount"] == 1
    assert body["bulkPayout"]["totalPayoutAmount"] == 967_000
    assert statuses(world, "프리랜서") == ["CONFIRMED"]
    assert statuses(world, "가나다 상사") == ["PAYOUT_PREPARED"]


def test_create_refuses_both_or_neither_of_ids_and_filter(api_client, world):
    both = {"name": "x", "partnerSettlementIds": world.ids("프리랜서"), "filter": {}}
    error(post(api_client, "/platform/bulk-payouts?test=true", both), 400, "INVALID_REQUEST")
    error(
        post(api_client, "/platform/bulk-payouts?test=true", {"name": "x"}), 400, "INVALID_REQUEST"
    )
    no_name = {"partnerSettlementIds": world.ids("프리랜서")}
    body = error(
        post(api_client, "/platform/bulk-payouts?test=true", no_name), 400, "INVALID_REQUEST"
    )
    assert "name" in body["message"]
    assert not BulkPayout.objects.exists()


def _negative_partner(world):
    partner = world.partners["가나다 상사"]
    make_transfer(partner, type="MANUAL", amounts={"settlement": -2_000_000})
    partner_settlements_gather()
    return [
        s.public_id
        for s in PartnerSettlement.objects.filter(partner=partner).order_by("id")
        if s.status == PartnerSettlementStatus.PAYOUT_PREPARED
    ]


@pytest.mark.parametrize(
    ("case", "status", "type_"),
    [
        ("empty", 400, "PLATFORM_NO_SELECTED_PARTNER_SETTLEMENTS"),
        ("duplicated", 400, "PLATFORM_DUPLICATED_PARTNER_SETTLEMENT_IDS"),
        ("unknown", 404, "PLATFORM_PARTNER_SETTLEMENTS_NOT_FOUND"),
        ("withheld", 400, "PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS"),
        ("taken", 400, "PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS"),
        ("id taken", 409, "PLATFORM_BULK_PAYOUT_ID_ALREADY_EXISTS"),
        ("negative net", 400, "PLATFORM_CURRENCY_NOT_SUPPORTED"),
    ],
)
def test_create_answers_exactly_what_complete_payout_answers(
    api_client, world, case, status, type_
):
    freelancer = world.ids("프리랜서")
    ids = {
        "empty": [],
        "duplicated": freelancer * 2,
        "unknown": [*freelancer, "no-such-settlement"],
        "withheld": world.ids("오류 계좌"),
        "taken": freelancer,
        "id taken": world.ids("오류 계좌"),
    }.get(case)
    if case == "withheld":
        partner_settlement_set_status(
            settlement=world.settlements["오류 계좌"][0],
            status=PartnerSettlementStatus.PAYOUT_WITHHELD,
        )
    if case in ("taken", "id taken"):
        ok(create(api_client, freelancer, id="bp-first"))
    if case == "negative net":
        ids = _negative_partner(world)
    body = {
        "bulkPayoutId": "bp-first" if case == "id taken" else "bp-second",
        "id": "bp-first" if case == "id taken" else "bp-second",
        "name": "다시",
        "partnerSettlementIds": ids,
        "isForTest": True,
    }
    before = BulkPayout.objects.count(), Payout.objects.count()
    created = post(api_client, "/platform/bulk-payouts", body)
    completed = post(api_client, "/platform/partner-settlements/complete-payout", body)
    answer = error(created, status, type_)
    assert completed.status_code == status
    assert completed.json() == answer
    assert (BulkPayout.objects.count(), Payout.objects.count()) == before


def test_create_is_idempotent_with_an_idempotency_key(api_client, world):
    key = {"HTTP_IDEMPOTENCY_KEY": "create-march-1"}
    body = {"name": "3월", "partnerSettlementIds": world.ids("프리랜서"), "isForTest": True}
    first = post(api_client, "/platform/bulk-payouts", body, **key)
    again = post(api_client, "/platform/bulk-payouts", body, **key)
    assert ok(first)["bulkPayout"]["id"] == ok(again)["bulkPayout"]["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert BulkPayout.objects.count() == 1
    other = post(api_client, "/platform/bulk-payouts", {**body, "name": "4월"}, **key)
    error(other, 400, "INVALID_REQUEST")
    assert BulkPayout.objects.count() == 1


def test_test_and_live_bulk_payouts_are_separate(api_client, world):
    bulk_id = ok(create(api_client, world.ids("프리랜서")))["bulkPayout"]["id"]
    error(
        api_client.get(f"/platform/bulk-payouts/{bulk_id}"), 404, "PLATFORM_BULK_PAYOUT_NOT_FOUND"
    )
    assert ok(api_client.get(f"/platform/bulk-payouts/{bulk_id}?test=true"))["id"] == bulk_id
    # the test settlements do not exist in live mode
    error(
        create(api_client, world.ids("가나다 상사"), test=False),
        404,
        "PLATFORM_PARTNER_SETTLEMENTS_NOT_FOUND",
    )
    # the query parameter wins over the body
    error(
        post(
            api_client, f"/platform/bulk-payouts/{bulk_id}/cancel?test=false", {"isForTest": True}
        ),
        404,
        "PLATFORM_BULK_PAYOUT_NOT_FOUND",
    )


# --- read, start, run ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["start", "approve", "cancel", "stop"])
def test_an_unknown_bulk_payout_is_404(api_client, db, action):
    error(api_client.get("/platform/bulk-payouts/nope"), 404, "PLATFORM_BULK_PAYOUT_NOT_FOUND")
    error(
        post(api_client, f"/platform/bulk-payouts/nope/{action}"),
        404,
        "PLATFORM_BULK_PAYOUT_NOT_FOUND",
    )


def test_start_runs_and_the_bulk_payout_completes(api_client, world):
    bulk_id = ok(create(api_client, world.ids("가나다 상사", "프리랜서", "오류 계좌")))[
        "bulkPayout"
    ]["id"]
    started = ok(post(api_client, f"/platform/bulk-payouts/{bulk_id}/start?test=true"))
    assert started["bulkPayout"]["status"] == "ONGOING"
    assert started["bulkPayout"]["payoutStats"]["count"]["confirmed"] == 3
    # the reservation: one PREPARED withdrawal per payout, held out of the available balance
    assert AccountTransfer.objects.filter(type="WITHDRAWAL", status="PREPARED").count() == 3
    account = ok(api_client.get("/platform/payout-account?test=true"))
    assert account["balance"] == 1_000_000_000  # nothing has left yet

    tasks.run_bulk_payout(BulkPayout.objects.get(public_id=bulk_id).pk)

    bulk = ok(api_client.get(f"/platform/bulk-payouts/{bulk_id}?test=true"))
    assert bulk["status"] == "COMPLETED"
    assert bulk["payoutStats"]["count"]["succeeded"] == 2
    assert bulk["payoutStats"]["count"]["failed"] == 1
    assert bulk["payoutStats"]["amount"]["succeeded"] == 1_100_000 + 967_000
    assert bulk["payoutStats"]["amount"]["failed"] == 50_000
    assert statuses(world, "가나다 상사", "프리랜서") == ["PAID_OUT", "PAID_OUT"]
    assert statuses(world, "오류 계좌") == ["PAYOUT_FAILED"]
    failed = Payout.objects.get(status="FAILED")
    assert failed.fail_reason == "계좌번호 오류"
    # the transfers behind them read the payout stage (derived from their settlement)
    paid = transfer_get(
        public_id=Transfer.objects.get(partner=world.partners["프리랜서"]).public_id,
        is_for_test=True,
    )
    assert paid.status == "PAID_OUT"
    failed_transfer = Transfer.objects.get(partner=world.partners["오류 계좌"])
    assert transfer_get(public_id=failed_transfer.public_id, is_for_test=True).status == "SETTLED"
    account = ok(api_client.get("/platform/payout-account?test=true"))
    assert account["balance"] == 1_000_000_000 - 2_067_000
    # the failed one is payable again at once
    again = ok(create(api_client, world.ids("오류 계좌")))
    assert again["bulkPayout"]["totalPayoutAmount"] == 50_000


def test_start_with_scheduled_at_keeps_it_prepared_with_scheduled_payouts(api_client, world):
    bulk_id = ok(create(api_client, world.ids("프리랜서")))["bulkPayout"]["id"]
    tomorrow = timezone.localtime(timezone.now(), KST).date() + timedelta(days=1)
    at = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 14, 10, tzinfo=KST)
    body = ok(
        post(
            api_client,
            f"/platform/bulk-payouts/{bulk_id}/start?test=true",
            {"scheduledAt": at.isoformat()},
        )
    )["bulkPayout"]
    assert body["status"] == "PREPARED"
    assert body["payoutStats"]["count"]["scheduled"] == 1
    assert body["scheduledAt"] == at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:00.000Z")
    assert statuses(world, "프리랜서") == ["PAYOUT_SCHEDULED"]
    # scheduled, not started: starting again is refused, cancelling is allowed
    error(
        post(api_client, f"/platform/bulk-payouts/{bulk_id}/start?test=true"),
        400,
        "PLATFORM_INVALID_BULK_PAYOUT_STATUS",
    )
    cancelled = ok(post(api_client, f"/platform/bulk-payouts/{bulk_id}/cancel?test=true"))
    assert cancelled["bulkPayout"]["status"] == "CANCELLED"
    assert statuses(world, "프리랜서") == ["PAYOUT_PREPARED"]
    assert not AccountTransfer.objects.filter(type="WITHDRAWAL", status="SCHEDULED").exists()


def test_a_schedule_off_the_ten_minute_slots_is_refused(api_client, world):
    bulk_id = ok(create(api_client, world.ids("프리랜서")))["bulkPayout"]["id"]
    tomorrow = timezone.localtime(timezone.now(), KST).date() + timedelta(days=1)
    at = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 14, 5, tzinfo=KST)
    body = error(
        post(
            api_client,
            f"/platform/bulk-payouts/{bulk_id}/start?test=true",
            {"scheduledAt": at.isoformat()},
        ),
        400,
        "INVALID_REQUEST",
    )
    assert "10분" in body["message"]


def test_start_without_the_balance_is_refused_naming_the_shortfall_and_moves_nothing(
    api_client, make_world
):
    live = make_world({"가나다 상사": {"amount": 1_100_000}}, is_for_test=False)
    ok(
        post(
            api_client,
            "/platform/payout-account/deposits",
            {"amount": 100_000, "depositorName": "㈜플랫폼"},
        )
    )
    bulk_id = ok(create(api_client, live.ids("가나다 상사"), test=False))["bulkPayout"]["id"]
    body = error(
        post(api_client, f"/platform/bulk-payouts/{bulk_id}/start"),
        400,
        "PLATFORM_INSUFFICIENT_BALANCE",
    )
    assert "부족 1,000,000원" in body["message"]
    assert (body["required"], body["available"], body["shortfall"]) == (
        1_100_000,
        100_000,
        1_000_000,
    )
    assert ok(api_client.get(f"/platform/bulk-payouts/{bulk_id}"))["status"] == "PREPARED"
    assert not AccountTransfer.objects.filter(type="WITHDRAWAL").exists()
    assert set(Payout.objects.values_list("status", flat=True)) == {"PREPARED"}
    assert statuses(live, "가나다 상사") == ["CONFIRMED"]

    # deposit what is missing, then it starts
    ok(
        post(
            api_client,
            "/platform/payout-account/deposits",
            {"amount": 1_000_000, "depositorName": "㈜플랫폼"},
        )
    )
    assert ok(post(api_client, f"/platform/bulk-payouts/{bulk_id}/start"))["bulkPayout"][
        "status"
    ] == ("ONGOING")
    assert ok(api_client.get("/platform/payout-account"))["balance"] == 1_100_000


def test_cancel_stop_and_start_in_a_status_that_does_not_allow_them(api_client, world):
    bulk_id = ok(create(api_client, world.ids("프리랜서")))["bulkPayout"]["id"]
    url = f"/platform/bulk-payouts/{bulk_id}"
    error(post(api_client, f"{url}/stop?test=true"), 400, "PLATFORM_INVALID_BULK_PAYOUT_STATUS")
    ok(post(api_client, f"{url}/start?test=true"))
    for action in ("start", "cancel", "approve"):
        body = error(
            post(api_client, f"{url}/{action}?test=true"),
            400,
            "PLATFORM_INVALID_BULK_PAYOUT_STATUS",
        )
        assert body["status"] == "ONGOING"
    tasks.run_bulk_payout(BulkPayout.objects.get(public_id=bulk_id).pk)
    error(post(api_client, f"{url}/stop?test=true"), 400, "PLATFORM_INVALID_BULK_PAYOUT_STATUS")
    error(post(api_client, f"{url}/cancel?test=true"), 400, "PLATFORM_INVALID_BULK_PAYOUT_STATUS")


def test_cancel_returns_the_settlements_payable_at_once(api_client, world):
    bulk_id = ok(create(api_client, world.ids("가나다 상사", "프리랜서")))["bulkPayout"]["id"]
    body = ok(post(api_client, f"/platform/bulk-payouts/{bulk_id}/cancel", {"isForTest": True}))
    assert body["bulkPayout"]["status"] == "CANCELLED"
    assert body["bulkPayout"]["payoutStats"]["count"]["cancelled"] == 2
    assert statuses(world, "가나다 상사", "프리랜서") == ["PAYOUT_PREPARED", "PAYOUT_PREPARED"]
    again = ok(create(api_client, world.ids("가나다 상사", "프리랜서")))
    assert again["bulkPayout"]["totalPayoutAmount"] == 2_067_000


def test_stop_stops_the_unsent_payouts_and_the_bulk_payout_completes(
    api_client, world, django_capture_on_commit_callbacks
):
    bulk_id = ok(create(api_client, world.ids("가나다 상사", "프리랜서")))["bulkPayout"]["id"]
    ok(post(api_client, f"/platform/bulk-payouts/{bulk_id}/start?test=true"))
    with django_capture_on_commit_callbacks(execute=True):
        body = ok(post(api_client, f"/platform/bulk-payouts/{bulk_id}/stop?test=true"))
    assert body["bulkPayout"]["payoutStats"]["count"]["stopped"] == 2
    assert statuses(world, "가나다 상사", "프리랜서") == ["PAYOUT_PREPARED", "PAYOUT_PREPARED"]
    assert set(
        AccountTransfer.objects.filter(type="WITHDRAWAL").values_list("status", flat=True)
    ) == {"STOPPED"}
    assert ok(api_client.get(f"/platform/bulk-payouts/{bulk_id}?test=true"))["status"] == (
        "COMPLETED"
    )
    assert ok(api_client.get("/platform/payout-account?test=true"))["balance"] == 1_000_000_000


# --- approval (maker-checker) ---------------------------------------------------------------------


def test_above_the_threshold_another_secret_must_approve(api_client, checker, world, settings):
    settings.PAYOUT_APPROVAL_THRESHOLD = 2_000_000
    bulk_id = ok(create(api_client, world.ids("가나다 상사", "프리랜서")))["bulkPayout"]["id"]
    url = f"/platform/bulk-payouts/{bulk_id}"
    body = error(
        post(api_client, f"{url}/start?test=true"), 403, "PLATFORM_BULK_PAYOUT_APPROVAL_REQUIRED"
    )
    assert "2,067,000원" in body["message"]
    error(post(api_client, f"{url}/approve?test=true"), 403, "PLATFORM_SELF_APPROVAL_NOT_ALLOWED")
    error(post(checker, f"{url}/start?test=true"), 403, "PLATFORM_BULK_PAYOUT_APPROVAL_REQUIRED")
    approved = ok(post(checker, f"{url}/approve?test=true"))["bulkPayout"]
    assert approved["status"] == "PREPARED"
    assert approved["approverId"].startswith("secret:")
    assert approved["approverId"] != approved["creatorId"]
    assert "approvedAt" in approved
    assert ok(post(api_client, f"{url}/start?test=true"))["bulkPayout"]["status"] == "ONGOING"


def test_below_the_threshold_no_approval_is_needed(api_client, world, settings):
    settings.PAYOUT_APPROVAL_THRESHOLD = 2_067_000  # "exceeds": equal is below
    bulk_id = ok(create(api_client, world.ids("가나다 상사", "프리랜서")))["bulkPayout"]["id"]
    assert ok(post(api_client, f"/platform/bulk-payouts/{bulk_id}/start?test=true"))["bulkPayout"][
        "status"
    ] == ("ONGOING")


# --- the payout account ---------------------------------------------------------------------------


def test_the_payout_account_and_its_deposits_per_mode(api_client, db):
    live = ok(api_client.get("/platform/payout-account"))
    assert live["balance"] == 0
    assert set(live) == {"bankAccountId", "bank", "accountNumber", "holder", "currency", "balance"}
    assert live["currency"] == "KRW"
    test = ok(api_client.get("/platform/payout-account?test=true"))
    assert test["balance"] == 1_000_000_000
    assert test["bankAccountId"] != live["bankAccountId"]

    traded = datetime(2026, 3, 9, 10, 30, tzinfo=KST)
    deposit = ok(
        post(
            api_client,
            "/platform/payout-account/deposits",
            {
                "amount": 5_000_000,
                "depositorName": "주식회사 플랫폼",
                "depositMemo": "3월 충전",
                "tradedAt": traded.isoformat(),
            },
        )
    )["accountTransfer"]
    assert deposit["type"] == "DEPOSIT"
    assert deposit["status"] == "SUCCEEDED"
    assert (deposit["amount"], deposit["balance"]) == (5_000_000, 5_000_000)
    assert (deposit["depositorName"], deposit["depositMemo"]) == ("주식회사 플랫폼", "3월 충전")
    assert deposit["tradedAt"] == "2026-03-09T01:30:00.000Z"
    assert deposit["bankAccountId"] == live["bankAccountId"]
    assert deposit["isForTest"] is False
    assert ok(api_client.get("/platform/payout-account"))["balance"] == 5_000_000

    in_test = ok(
        post(
            api_client,
            "/platform/payout-account/deposits",
            {"amount": 7, "depositorName": "테스트", "isForTest": True},
        )
    )["accountTransfer"]
    assert (in_test["balance"], in_test["isForTest"]) == (1_000_000_007, True)
    assert ok(api_client.get("/platform/payout-account"))["balance"] == 5_000_000


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 0, "depositorName": "x"},
        {"amount": -5, "depositorName": "x"},
        {"amount": 100},
        {"amount": 100, "depositorName": ""},
    ],
)
def test_a_deposit_needs_a_positive_amount_and_a_depositor(api_client, db, body):
    error(post(api_client, "/platform/payout-account/deposits", body), 400, "INVALID_REQUEST")
    assert not AccountTransfer.objects.filter(type="DEPOSIT", is_for_test=False).exists()


def test_the_extension_needs_the_api_secret(client, db):
    for method, path in [
        ("post", "/platform/bulk-payouts"),
        ("get", "/platform/bulk-payouts/x"),
        ("post", "/platform/bulk-payouts/x/start"),
        ("get", "/platform/payout-account"),
        ("post", "/platform/payout-account/deposits"),
    ]:
        response = getattr(client, method)(path, content_type="application/json")
        assert (response.status_code, response.json()["type"]) == (401, "UNAUTHORIZED")
