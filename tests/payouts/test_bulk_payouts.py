"""Bulk payouts through the services: create, preview, start, run against the sandbox bank,
cancel, stop, schedule, approve; the ledger invariant is asserted after each test (conftest)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from core.errors import DomainError
from payouts.models import (
    AccountTransfer,
    BulkPayout,
    Payout,
    PayoutSettlement,
)
from payouts.providers.bank import SandboxBankClient
from payouts.services import bulk_payouts as bp
from payouts.services import ledger
from payouts.services.bulk_payouts import Actor
from payouts.services.runner import bulk_payout_run
from payouts.services.selection import Selection
from policies.models import PlatformSetting
from settlements.models import PartnerSettlement, Transfer
from settlements.selectors.partner_settlements import PartnerSettlementFilter

KST = ZoneInfo("Asia/Seoul")
ALICE = Actor("user:1", "alice")
BOB = Actor("user:2", "bob")
WHT = {"partner_type": "WHT_PAYER", "birthdate": "1990-01-01"}


def sel(world, *names):
    return Selection.of_ids(world.ids(*names), is_for_test=world.is_for_test)


def create(world, *names, **kw):
    kw.setdefault("name", "3월 정산")
    kw.setdefault("actor", ALICE)
    return bp.bulk_payout_create(selection=sel(world, *names), **kw)


def start(bulk, actor=ALICE, **kw):
    return bp.bulk_payout_start(
        public_id=bulk.public_id, is_for_test=bulk.is_for_test, actor=actor, **kw
    )


def run(bulk):
    return bulk_payout_run(bulk.pk)


def status_of(settlement) -> str:
    return PartnerSettlement.objects.get(pk=settlement.pk).status


def refused(code, fn, *args, **kw) -> DomainError:
    with pytest.raises(DomainError) as err:
        fn(*args, **kw)
    assert err.value.code == code, err.value
    return err.value


# --- amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deduct", "amount"), [(True, 967_000), (False, 1_000_000)], ids=["deduct", "report-only"]
)
def test_wht_payer_payout_withholds_3_3_percent(make_world, deduct, amount):
    PlatformSetting.objects.update_or_create(is_for_test=True, defaults={"deduct_wht": deduct})
    world = make_world({"프리랜서": {"amount": 1_000_000, **WHT}})
    bulk = create(world, "프리랜서")
    payout = bulk.payouts.get()
    assert (payout.income_tax_amount, payout.local_income_tax_amount) == (30_000, 3_000)
    assert payout.amount == amount
    assert payout.deduct_wht is deduct
    assert (payout.supply_amount, payout.vat_amount, payout.settlement_amount) == (
        1_000_000,
        0,
        1_000_000,
    )
    assert bulk.total_payout_amount == amount


def test_amounts_for_each_partner_type(make_world):
    world = make_world(
        {
            "일반과세": {"amount": 1_000_000},
            "간이": {"amount": 1_000_000, "taxation_type": "SIMPLE"},
            "면세": {"amount": 1_000_000, "taxation_type": "TAX_FREE"},
            "비대상": {"amount": 1_000_000, "partner_type": "NON_WHT_PAYER"},
            "면세포함": {"amount": 12_000, "tax_free": 1_000},
        }
    )
    bulk = create(world, *world.partners)
    got = {
        p.partner_name: (p.amount, p.supply_amount, p.vat_amount, p.tax_free_amount)
        for p in bulk.payouts.all()
    }
    assert got == {
        "일반과세": (1_000_000, 909_091, 90_909, 0),
        "간이": (1_000_000, 1_000_000, 0, 0),
        "면세": (1_000_000, 0, 0, 1_000_000),
        "비대상": (1_000_000, 1_000_000, 0, 0),
        "면세포함": (12_000, 10_000, 1_000, 1_000),
    }


def test_net_setting_adds_vat_on_top(make_world):
    PlatformSetting.objects.update_or_create(
        is_for_test=True, defaults={"settlement_amount_type": "NET"}
    )
    world = make_world({"일반과세": {"amount": 1_000_000}})
    payout = create(world, "일반과세").payouts.get()
    assert (payout.amount, payout.vat_amount, payout.settlement_amount_type) == (
        1_100_000,
        100_000,
        "NET",
    )


def test_one_payout_per_partner_nets_cancels_and_manual(make_world):
    from tests.payouts.conftest import gather, settle

    world = make_world({"가게": {"amount": 10_000}})
    partner = world.partners["가게"]
    settle(partner, 3_000, type="ORDER_CANCEL")
    settle(partner, -1_000, type="MANUAL")
    gather()
    ids = list(
        PartnerSettlement.objects.filter(partner=partner).values_list("public_id", flat=True)
    )
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(ids, is_for_test=True), name="상계", actor=ALICE
    )
    payout = bulk.payouts.get()
    assert (payout.settlement_amount, payout.partner_settlement_count) == (6_000, 3)
    assert PayoutSettlement.objects.filter(payout=payout, active=True).count() == 3


# --- preview ------------------------------------------------------------------------------------


def test_preview_shows_lines_totals_balance_and_recommended_deposit(make_world):
    PlatformSetting.objects.update_or_create(is_for_test=False, defaults={"deduct_wht": True})
    world = make_world(
        {"사업자": {"amount": 2_200_000}, "프리랜서": {"amount": 1_000_000, **WHT}},
        is_for_test=False,
    )
    ledger.deposit_record(is_for_test=False, amount=1_000_000, depositor_name="플랫폼")
    preview = bp.bulk_payout_preview(sel(world, "사업자", "프리랜서"))
    lines = {line.partner_name: line for line in preview.lines}
    assert lines["프리랜서"].amounts.amount == 967_000
    assert lines["프리랜서"].amounts.income_tax_amount == 30_000
    assert lines["사업자"].amounts.vat_amount == 200_000
    assert lines["사업자"].account_verified is False  # not verified yet: flagged, not refused
    assert preview.unverified_account_count == 2
    (krw,) = preview.totals
    assert (krw.amount, krw.settlement_amount, krw.payout_count) == (3_167_000, 3_200_000, 2)
    assert (preview.balance.balance, preview.balance.available) == (1_000_000, 1_000_000)
    assert preview.recommended_deposit == 2_167_000
    # nothing written
    assert not BulkPayout.objects.exists()
    assert status_of(world.settlements["사업자"][0]) == "PAYOUT_PREPARED"


def test_selection_by_filter_takes_the_payable_settlements_it_matches(make_world):
    make_world({"a": {"amount": 1_000, "tags": ["패션"]}, "b": {"amount": 2_000}})
    f = PartnerSettlementFilter(partner_tags=("패션",))
    bulk = bp.bulk_payout_create(
        selection=Selection.of_filter(f, is_for_test=True), name="패션", actor=ALICE
    )
    assert [p.partner_name for p in bulk.payouts.all()] == ["a"]
    refused(
        "PLATFORM_NO_SELECTED_PARTNER_SETTLEMENTS",
        bp.bulk_payout_create,
        selection=Selection.of_filter(f, is_for_test=True),
        name="again",
        actor=ALICE,
    )


def test_creation_refuses_as_complete_payout_does(make_world):
    world = make_world({"a": {"amount": 1_000}, "b": {"amount": 2_000}})
    a = world.ids("a")
    refused("PLATFORM_NO_SELECTED_PARTNER_SETTLEMENTS", create, world)
    with pytest.raises(DomainError) as err:
        bp.bulk_payout_create(
            selection=Selection.of_ids(a + a, is_for_test=True), name="x", actor=ALICE
        )
    assert err.value.code == "PLATFORM_DUPLICATED_PARTNER_SETTLEMENT_IDS"
    err = refused(
        "PLATFORM_PARTNER_SETTLEMENTS_NOT_FOUND",
        bp.bulk_payout_create,
        selection=Selection.of_ids([*a, "ghost"], is_for_test=True),
        name="x",
        actor=ALICE,
    )
    assert err.details["ids"].ids == ("ghost",)
    create(world, "a", public_id="bp-1")
    refused("PLATFORM_BULK_PAYOUT_ID_ALREADY_EXISTS", create, world, "b", public_id="bp-1")
    err = refused("PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS", create, world, "a")
    assert status_of(world.settlements["a"][0]) == "CONFIRMED"


def test_negative_net_refuses_the_whole_selection(make_world):
    from tests.payouts.conftest import gather, settle

    world = make_world({"a": {"amount": 1_000}})
    settle(world.partners["a"], -5_000, type="MANUAL")
    gather()
    ids = list(
        PartnerSettlement.objects.filter(partner=world.partners["a"]).values_list(
            "public_id", flat=True
        )
    )
    err = refused(
        "PLATFORM_NEGATIVE_PAYOUT_AMOUNT_PARTNERS",
        bp.bulk_payout_create,
        selection=Selection.of_ids(ids, is_for_test=True),
        name="x",
        actor=ALICE,
    )
    assert "KRW -4000" in err.message


def test_agency_pays_krw_only(make_world):
    from tests.factories import make_transfer
    from tests.payouts.conftest import gather

    world = make_world({"a": {"amount": 1_000}})
    make_transfer(world.partners["a"], currency="USD", amounts={"settlement": 500})
    gather()
    usd = PartnerSettlement.objects.get(settlement_currency="USD")
    with pytest.raises(DomainError, match="KRW"):
        bp.bulk_payout_create(
            selection=Selection.of_ids([usd.public_id], is_for_test=True), name="x", actor=ALICE
        )


# --- run ----------------------------------------------------------------------------------------


def test_create_start_run_to_completed(make_world):
    world = make_world({"a": {"amount": 100_000}, "b": {"amount": 250_000}})
    bulk = create(world, "a", "b")
    assert bulk.status == "PREPARED"
    assert set(bulk.payouts.values_list("status", flat=True)) == {"PREPARED"}
    assert status_of(world.settlements["a"][0]) == "CONFIRMED"
    transfer = Transfer.objects.filter(partner=world.partners["a"]).get()
    assert transfer.status == "PAYOUT_CONFIRMED"

    opening = ledger.balances(True).balance
    assert opening == 1_000_000_000
    bulk = start(bulk)
    assert bulk.status == "ONGOING"
    assert ledger.balances(True).reserved == 350_000
    assert set(bulk.payouts.values_list("status", flat=True)) == {"CONFIRMED"}

    report = run(bulk)
    bulk.refresh_from_db()
    assert (report.succeeded, report.failed, bulk.status) == (2, 0, "COMPLETED")
    assert bulk.completed_at is not None
    assert set(bulk.payouts.values_list("status", flat=True)) == {"SUCCEEDED"}
    assert status_of(world.settlements["b"][0]) == "PAID_OUT"
    transfer.refresh_from_db()
    assert transfer.status == "PAID_OUT"
    balances = ledger.balances(True)
    assert (balances.balance, balances.reserved) == (opening - 350_000, 0)
    withdrawals = AccountTransfer.objects.filter(type="WITHDRAWAL").order_by("id")
    assert [(w.amount, w.status, w.withdrawal_type) for w in withdrawals] == [
        (100_000, "SUCCEEDED", "PARTNER_PAYOUT"),
        (250_000, "SUCCEEDED", "PARTNER_PAYOUT"),
    ]
    assert [w.balance_after for w in withdrawals] == [opening - 100_000, opening - 350_000]
    assert all(v == 1 for v in SandboxBankClient.sends.values())
    assert bulk.bulk_account_transfer.status == "COMPLETED"


def test_account_number_digit_9_fails_and_is_payable_again(make_world):
    world = make_world(
        {"ok": {"amount": 1_000}, "bad": {"amount": 2_000, "account_number": "1101234569"}}
    )
    bulk = create(world, "ok", "bad")
    start(bulk)
    run(bulk)
    bad = bulk.payouts.get(partner_name="bad")
    assert (bad.status, bad.fail_reason) == ("FAILED", "계좌번호 오류")
    w = bad.account_transfers.get()
    assert (w.status, w.fail_reason) == ("FAILED", "계좌번호 오류")
    settlement = world.settlements["bad"][0]
    assert status_of(settlement) == "PAYOUT_FAILED"
    assert Transfer.objects.get(partner=world.partners["bad"]).status == "SETTLED"
    bulk.refresh_from_db()
    assert bulk.status == "COMPLETED"
    assert ledger.balances(True).balance == 1_000_000_000 - 1_000
    # pay the failed one again, in a new bulk payout
    again = create(world, "bad", name="재지급")
    assert again.payouts.get().amount == 2_000
    assert status_of(settlement) == "CONFIRMED"


def test_digit_8_maintenance_is_retried_then_fails(make_world, settings):
    settings.PAYOUT_MAX_ATTEMPTS = 3
    world = make_world({"점검": {"amount": 5_000, "account_number": "1101234568"}})
    bulk = create(world, "점검")
    start(bulk)
    run(bulk)
    payout = bulk.payouts.get()
    assert (payout.status, payout.fail_reason, payout.attempt_count) == (
        "FAILED",
        "은행 점검 시간",
        3,
    )
    assert SandboxBankClient.sends[payout.bank_idempotency_key] == 3
    assert ledger.balances(True).balance == 1_000_000_000


def test_digit_7_time_out_is_resolved_by_inquiry_without_a_second_send(make_world):
    world = make_world({"지연": {"amount": 7_000, "account_number": "1101234567"}})
    bulk = create(world, "지연")
    start(bulk)
    run(bulk)
    payout = bulk.payouts.get()
    assert payout.status == "SUCCEEDED"
    assert SandboxBankClient.sends[payout.bank_idempotency_key] == 1
    assert payout.account_transfers.get().status == "SUCCEEDED"
    assert ledger.balances(True).balance == 1_000_000_000 - 7_000


def test_a_worker_killed_after_send_is_recovered_by_asking_the_bank(make_world):
    from payouts.services.runner import payouts_recover

    class Killed(Exception):
        pass

    class DiesAfterSend(SandboxBankClient):
        def send(self, transfer):
            super().send(transfer)  # the bank moved the money ...
            raise Killed  # ... and the worker died before recording it

    world = make_world({"a": {"amount": 3_000}, "b": {"amount": 4_000}})
    bulk = create(world, "a", "b")
    start(bulk)
    with pytest.raises(Killed):
        bulk_payout_run(bulk.pk, bank=DiesAfterSend())
    first = bulk.payouts.order_by("id").first()
    assert first.status == "PROCESSING"
    assert first.account_transfers.get().status == "PROCESSING"
    report = payouts_recover(older_than=timedelta(0))
    bulk.refresh_from_db()
    assert bulk.status == "COMPLETED"
    assert set(bulk.payouts.values_list("status", flat=True)) == {"SUCCEEDED"}
    assert SandboxBankClient.sends[first.bank_idempotency_key] == 1  # asked, not sent again
    assert report.succeeded == 2
    assert AccountTransfer.objects.filter(payout=first, is_fee=False).count() == 1


def test_bank_fee_is_its_own_ledger_entry(make_world, settings):
    settings.PAYOUT_BANK_FEE = 500
    world = make_world({"a": {"amount": 10_000}})
    bulk = create(world, "a")
    start(bulk)
    run(bulk)
    fee = AccountTransfer.objects.get(is_fee=True)
    assert (fee.amount, fee.withdrawal_type, fee.status) == (500, "REMIT", "SUCCEEDED")
    assert fee.balance_after == 1_000_000_000 - 10_500
    assert ledger.balances(True).balance == 1_000_000_000 - 10_500


def test_batches_record_each_outcome_with_a_running_balance(make_world, settings):
    """The runner claims, sends and records a batch at a time (PAYOUT_RUN_BATCH = 3 here, so
    seven payouts take three batches): final answers are recorded together, each withdrawal's
    balance_after is the running balance in payout order with its fee entry right after it;
    RETRY and UNKNOWN answers leave the batch for the per-payout path."""
    settings.PAYOUT_RUN_BATCH = 3
    settings.PAYOUT_BANK_FEE = 100
    settings.PAYOUT_RETRY_BACKOFF_MS = 0
    accounts = {
        "a": "1101234560",
        "b": "1101234569",  # FAILED 계좌번호 오류
        "c": "1101234561",
        "d": "1101234568",  # maintenance: RETRY until the limit, then FAILED
        "e": "1101234567",  # time-out; the inquiry says SUCCEEDED
        "f": "1101234562",
        "g": "1101234563",
    }
    world = make_world(
        {
            n: {"amount": 1_000 * (i + 1), "account_number": acc}
            for i, (n, acc) in enumerate(accounts.items())
        }
    )
    bulk = create(world, *accounts)
    start(bulk)
    report = run(bulk)
    assert (report.sent, report.succeeded, report.failed, report.unknown) == (7, 5, 2, 0)
    payouts = {p.partner_name: p for p in bulk.payouts.all()}
    assert {n: p.status for n, p in payouts.items()} == {
        "a": "SUCCEEDED",
        "b": "FAILED",
        "c": "SUCCEEDED",
        "d": "FAILED",
        "e": "SUCCEEDED",
        "f": "SUCCEEDED",
        "g": "SUCCEEDED",
    }
    assert (payouts["b"].fail_reason, payouts["d"].fail_reason) == (
        "계좌번호 오류",
        "은행 점검 시간",
    )
    sends = SandboxBankClient.sends
    assert sends[payouts["d"].bank_idempotency_key] == 3  # PAYOUT_MAX_ATTEMPTS, no more
    assert sends[payouts["e"].bank_idempotency_key] == 1  # asked, never sent again
    assert all(sends[payouts[n].bank_idempotency_key] == 1 for n in "abcfg")
    # the ledger reads as a statement: the entries in the order they were recorded
    entries = list(
        AccountTransfer.objects.filter(is_for_test=True, status="SUCCEEDED", type="WITHDRAWAL")
        .order_by("balance_after")
        .reverse()
        .values_list("payout__partner_name", "is_fee", "amount", "balance_after")
    )
    balance = 1_000_000_000
    for _, _, amount, after in entries:
        balance -= amount
        assert after == balance
    assert [(n, fee) for n, fee, _, _ in entries] == [
        ("a", False),
        ("a", True),
        ("c", False),
        ("c", True),  # batch 1 (b failed)
        ("f", False),
        ("f", True),  # batch 2 (d and e went the per-payout way)
        ("e", False),
        ("e", True),
        ("g", False),
        ("g", True),  # batch 3
    ]
    paid = 1_000 + 3_000 + 5_000 + 6_000 + 7_000
    assert ledger.balances(True).balance == 1_000_000_000 - paid - 5 * 100
    assert status_of(world.settlements["b"][0]) == "PAYOUT_FAILED"
    assert status_of(world.settlements["g"][0]) == "PAID_OUT"
    assert BulkPayout.objects.get(pk=bulk.pk).status == "COMPLETED"


# --- balance ------------------------------------------------------------------------------------


def test_insufficient_balance_is_refused_and_nothing_moves(make_world):
    world = make_world({"a": {"amount": 300_000}}, is_for_test=False)
    ledger.deposit_record(is_for_test=False, amount=100_000, depositor_name="플랫폼")
    bulk = create(world, "a")
    err = refused("PLATFORM_INSUFFICIENT_BALANCE", start, bulk)
    assert "부족 200,000원" in err.message
    assert err.details["shortfall"] == 200_000
    bulk.refresh_from_db()
    assert bulk.status == "PREPARED" and bulk.started_at is None
    assert bulk.payouts.get().status == "PREPARED"
    assert not AccountTransfer.objects.filter(type="WITHDRAWAL").exists()
    assert status_of(world.settlements["a"][0]) == "CONFIRMED"
    ledger.deposit_record(is_for_test=False, amount=200_000, depositor_name="플랫폼")
    start(bulk)
    run(bulk)
    assert ledger.balances(False).balance == 0


def test_a_reservation_counts_against_the_next_start(make_world):
    world = make_world({"a": {"amount": 60_000}, "b": {"amount": 50_000}}, is_for_test=False)
    ledger.deposit_record(is_for_test=False, amount=100_000, depositor_name="플랫폼")
    first, second = create(world, "a"), create(world, "b")
    start(first)
    refused("PLATFORM_INSUFFICIENT_BALANCE", start, second)
    run(first)
    refused("PLATFORM_INSUFFICIENT_BALANCE", start, second)  # 40,000 left


def test_live_account_starts_at_zero_and_test_at_one_billion(db):
    assert ledger.balances(False).balance == 0
    assert ledger.balances(True).balance == 1_000_000_000
    opening = AccountTransfer.objects.get(is_for_test=True)
    assert (opening.type, opening.source, opening.amount) == ("DEPOSIT", "OPENING", 1_000_000_000)
    d = ledger.deposit_record(
        is_for_test=False, amount=5_000, depositor_name=" 플랫폼 ", deposit_memo="충전"
    )
    assert (d.status, d.balance_after, d.depositor_name) == ("SUCCEEDED", 5_000, "플랫폼")
    with pytest.raises(DomainError):
        ledger.deposit_record(is_for_test=False, amount=0, depositor_name="x")


# --- cancel / stop ------------------------------------------------------------------------------


def test_cancel_returns_settlements_to_their_status_and_they_are_selectable_again(make_world):
    world = make_world(
        {"ok": {"amount": 1_000}, "bad": {"amount": 2_000, "account_number": "1101234569"}}
    )
    failed = create(world, "bad")
    start(failed)
    run(failed)
    assert status_of(world.settlements["bad"][0]) == "PAYOUT_FAILED"
    bulk = create(world, "ok", "bad")
    assert status_of(world.settlements["bad"][0]) == "CONFIRMED"
    bulk = bp.bulk_payout_cancel(public_id=bulk.public_id, is_for_test=True, actor=ALICE)
    assert bulk.status == "CANCELLED"
    assert set(bulk.payouts.values_list("status", flat=True)) == {"CANCELLED"}
    assert status_of(world.settlements["ok"][0]) == "PAYOUT_PREPARED"
    assert status_of(world.settlements["bad"][0]) == "PAYOUT_FAILED"
    again = create(world, "ok", "bad")
    assert again.payout_count == 2
    refused("PLATFORM_INVALID_BULK_PAYOUT_STATUS", start, bulk)


def test_cancel_of_a_scheduled_bulk_payout_releases_its_reservation(make_world):
    world = make_world({"a": {"amount": 1_000}})
    bulk = create(world, "a")
    when = _slot(days=1)
    start(bulk, scheduled_at=when)
    assert ledger.balances(True).reserved == 1_000
    bp.bulk_payout_cancel(public_id=bulk.public_id, is_for_test=True, actor=ALICE)
    assert ledger.balances(True).reserved == 0
    assert AccountTransfer.objects.get(type="WITHDRAWAL").status == "CANCELLED"
    assert status_of(world.settlements["a"][0]) == "PAYOUT_PREPARED"


def test_cancel_and_stop_refuse_the_wrong_status(make_world):
    world = make_world({"a": {"amount": 1_000}})
    bulk = create(world, "a")
    refused(
        "PLATFORM_INVALID_BULK_PAYOUT_STATUS",
        bp.bulk_payout_stop,
        public_id=bulk.public_id,
        is_for_test=True,
        actor=ALICE,
    )
    start(bulk)
    refused(
        "PLATFORM_INVALID_BULK_PAYOUT_STATUS",
        bp.bulk_payout_cancel,
        public_id=bulk.public_id,
        is_for_test=True,
        actor=ALICE,
    )
    refused("PLATFORM_INVALID_BULK_PAYOUT_STATUS", start, bulk)
    refused(
        "PLATFORM_BULK_PAYOUT_NOT_FOUND",
        bp.bulk_payout_start,
        public_id="ghost",
        is_for_test=True,
        actor=ALICE,
    )
    run(bulk)


def test_stop_mid_run_stops_the_unsent_and_lets_the_sent_finish(make_world):
    world = make_world({name: {"amount": 1_000 * (i + 1)} for i, name in enumerate("abcd")})
    bulk = create(world, "a", "b", "c", "d")
    start(bulk)

    class StopsAfterFirst(SandboxBankClient):
        def send(self, transfer):
            answer = super().send(transfer)
            if len(self.sends) == 1:
                bp.bulk_payout_stop(public_id=bulk.public_id, is_for_test=True, actor=BOB)
            return answer

    report = bulk_payout_run(bulk.pk, bank=StopsAfterFirst())
    bulk.refresh_from_db()
    assert report.sent == 1
    statuses = dict(bulk.payouts.values_list("partner_name", "status"))
    assert statuses == {"a": "SUCCEEDED", "b": "STOPPED", "c": "STOPPED", "d": "STOPPED"}
    # claimed with "a" in one batch, never handed to the bank: not counted as sent
    stopped = AccountTransfer.objects.filter(payout__status="STOPPED", is_fee=False)
    assert set(stopped.values_list("status", "attempt_count", "sent_at")) == {("STOPPED", 0, None)}
    assert set(bulk.payouts.filter(status="STOPPED").values_list("attempt_count", "sent_at")) == {
        (0, None)
    }
    assert bulk.status == "COMPLETED" and bulk.stopped_at is not None
    assert status_of(world.settlements["a"][0]) == "PAID_OUT"
    assert status_of(world.settlements["b"][0]) == "PAYOUT_PREPARED"
    assert ledger.balances(True).reserved == 0
    assert ledger.balances(True).balance == 1_000_000_000 - 1_000
    assert create(world, "b", "c").payout_count == 2


# --- schedule -----------------------------------------------------------------------------------


def _slot(days=1, hour=10, minute=0):
    day = datetime.now(KST).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KST)


def test_scheduled_start_waits_for_its_slot(make_world):
    world = make_world({"a": {"amount": 1_000}})
    bulk = create(world, "a")
    when = _slot()
    bulk = start(bulk, scheduled_at=when)
    assert (bulk.status, bulk.scheduled_at) == ("PREPARED", when)
    payout = bulk.payouts.get()
    assert (payout.status, payout.scheduled_at) == ("SCHEDULED", when)
    assert status_of(world.settlements["a"][0]) == "PAYOUT_SCHEDULED"
    assert Transfer.objects.get(partner=world.partners["a"]).status == "IN_PAYOUT"
    assert AccountTransfer.objects.get(type="WITHDRAWAL").status == "SCHEDULED"
    refused("PLATFORM_INVALID_BULK_PAYOUT_STATUS", start, bulk)  # already scheduled
    assert bp.bulk_payouts_start_due(now=when - timedelta(minutes=1)) == []
    assert bp.bulk_payouts_start_due(now=when) == [bulk.pk]
    run(bulk)
    bulk.refresh_from_db()
    assert bulk.status == "COMPLETED"
    assert status_of(world.settlements["a"][0]) == "PAID_OUT"


@pytest.mark.parametrize(
    ("hour", "minute", "message"),
    [(10, 5, "10분 단위"), (22, 50, "은행 점검"), (0, 30, "은행 점검"), (23, 0, "은행 점검")],
)
def test_schedule_slots_and_the_maintenance_window(make_world, hour, minute, message):
    world = make_world({"a": {"amount": 1_000}})
    bulk = create(world, "a")
    with pytest.raises(DomainError, match=message):
        start(bulk, scheduled_at=_slot(hour=hour, minute=minute))
    with pytest.raises(DomainError, match="이후"):
        start(bulk, scheduled_at=_slot(days=-1))
    assert start(bulk, scheduled_at=_slot(hour=1, minute=0)).scheduled_at is not None


# --- maker-checker ------------------------------------------------------------------------------


def test_above_the_threshold_another_person_must_approve(make_world, settings):
    settings.PAYOUT_APPROVAL_THRESHOLD = 10_000_000
    world = make_world({"big": {"amount": 10_000_001}, "small": {"amount": 10_000_000}})
    big = create(world, "big")
    err = refused("PLATFORM_BULK_PAYOUT_APPROVAL_REQUIRED", start, big)
    assert err.kind == "forbidden"
    err = refused(
        "PLATFORM_SELF_APPROVAL_NOT_ALLOWED",
        bp.bulk_payout_approve,
        public_id=big.public_id,
        is_for_test=True,
        actor=ALICE,
    )
    assert err.kind == "forbidden"
    approved = bp.bulk_payout_approve(public_id=big.public_id, is_for_test=True, actor=BOB)
    assert (approved.approver_id, approved.approver_name) == ("user:2", "bob")
    assert start(big).status == "ONGOING"
    small = create(world, "small")  # at the threshold: no approval needed
    assert start(small).status == "ONGOING"
    run(big)
    run(small)


def test_actor_of_users_and_api_secrets(db):
    from django.contrib.auth.models import User

    from core.models import ApiPrincipal, ApiSecret

    user = User.objects.create(username="kim")
    secret, _raw = ApiSecret.issue(name="erp")
    assert bp.actor_of(user) == Actor(f"user:{user.pk}", "kim")
    assert bp.actor_of(ApiPrincipal(secret=secret)) == Actor(f"secret:{secret.pk}", "erp")


# --- the constraint -----------------------------------------------------------------------------


def test_a_settlement_is_in_at_most_one_live_payout_by_the_database(make_world):
    world = make_world({"a": {"amount": 1_000}})
    bulk = create(world, "a")
    payout = bulk.payouts.get()
    other = BulkPayout.objects.create(name="수동", status_updated_at=payout.status_updated_at)
    second = Payout.objects.create(
        bulk_payout=other,
        partner=payout.partner,
        status_updated_at=payout.status_updated_at,
        account_bank="KOOKMIN",
        account_number="1101234560",
        account_holder="홍길동",
        public_id="manual-1",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutSettlement.objects.create(payout=second, partner_settlement=world.settlements["a"][0])
    # an inactive link (a failed, stopped or cancelled payout) does not count
    PayoutSettlement.objects.create(
        payout=second, partner_settlement=world.settlements["a"][0], active=False
    )


# --- PREPARING: large selections built in the background -----------------------------------------


def test_background_creation_is_preparing_until_the_task_builds_it(
    make_world, django_capture_on_commit_callbacks, monkeypatch
):
    from django_q.conf import Conf

    world = make_world({"a": {"amount": 1_000}, "b": {"amount": 2_000, **WHT}})
    monkeypatch.setattr(Conf, "SYNC", False)  # queued, not run: look at it before the build
    with django_capture_on_commit_callbacks(execute=True):
        bulk = create(world, "a", "b", background=True, public_id="big-1")
    bulk.refresh_from_db()
    assert (bulk.status, bulk.payout_count, bulk.partner_settlement_count) == ("PREPARING", 0, 2)
    assert not bulk.payouts.exists()
    assert status_of(world.settlements["a"][0]) == "PAYOUT_PREPARED"  # not taken yet
    refused("PLATFORM_INVALID_BULK_PAYOUT_STATUS", start, bulk)
    from django_q.models import OrmQ

    assert [t.func() for t in OrmQ.objects.all()] == ["payouts.tasks.prepare_bulk_payout"]

    assert bp.bulk_payout_prepare(bulk.pk) == "PREPARED"
    bulk.refresh_from_db()
    assert (bulk.status, bulk.payout_count, bulk.total_payout_amount) == ("PREPARED", 2, 3_000)
    assert bulk.preparing_selection is None
    assert status_of(world.settlements["a"][0]) == "CONFIRMED"
    assert bp.bulk_payout_prepare(bulk.pk) is None  # once
    start(bulk)
    run(bulk)
    assert BulkPayout.objects.get(pk=bulk.pk).status == "COMPLETED"


def test_background_creation_checks_what_it_can_at_once(make_world):
    world = make_world({"a": {"amount": 1_000}})
    create(world, "a", public_id="taken")
    refused(
        "PLATFORM_BULK_PAYOUT_ID_ALREADY_EXISTS",
        create,
        world,
        "a",
        public_id="taken",
        background=True,
    )
    refused(
        "PLATFORM_DUPLICATED_PARTNER_SETTLEMENT_IDS",
        bp.bulk_payout_create,
        selection=Selection.of_ids(world.ids("a", "a"), is_for_test=True),
        name="x",
        actor=ALICE,
        background=True,
    )


def test_a_selection_taken_meanwhile_cancels_the_preparing_bulk_payout(make_world, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)
    world = make_world({"a": {"amount": 1_000}, "b": {"amount": 2_000}})
    preparing = create(world, "a", "b", background=True)
    create(world, "b")  # someone else took "b" first
    assert bp.bulk_payout_prepare(preparing.pk) == "CANCELLED"
    preparing.refresh_from_db()
    assert preparing.cancelled_at is not None and not preparing.payouts.exists()
    taken = world.settlements["b"][0].public_id
    assert preparing.prepare_error == f"지급할 수 없는 상태의 정산 내역입니다: {taken}"
    assert status_of(world.settlements["a"][0]) == "PAYOUT_PREPARED"  # untouched


def test_cancel_while_preparing_and_a_stale_build_is_done_by_the_recovery(make_world, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)
    world = make_world({"a": {"amount": 1_000}, "b": {"amount": 2_000}})
    first = create(world, "a", background=True)
    bp.bulk_payout_cancel(public_id=first.public_id, is_for_test=True, actor=ALICE)
    assert bp.bulk_payout_prepare(first.pk) is None
    assert BulkPayout.objects.get(pk=first.pk).status == "CANCELLED"

    second = create(world, "a", "b", background=True)  # its worker died before building it
    assert bp.bulk_payouts_prepare_stale(older_than_seconds=3600) == []  # too recent
    assert bp.bulk_payouts_prepare_stale(older_than_seconds=0) == [second.pk]
    assert BulkPayout.objects.get(pk=second.pk).status == "PREPARED"
