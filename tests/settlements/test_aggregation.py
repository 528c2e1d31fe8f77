"""Transfer status advance, set-based gathering into partner settlements, recompute, manual
status changes and the back-office actions (settlements.aggregation, settlements.admin)."""

import functools
import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.api.errors import error_status
from core.errors import DomainError
from settlements import tasks
from settlements.models import (
    AMOUNT_FIELDS,
    MANUAL_SETTLEMENT_TRANSITIONS,
    OPEN_BUCKET_STATUS,
    PartnerSettlement,
    PartnerSettlementStatus,
    Transfer,
    TransferStatus,
    transfer_status_q,
)
from settlements.services import buckets, daily, gather
from settlements.services import partner_settlements as ps_services
from tests.factories import make_contract, make_partner, make_transfer

pytestmark = pytest.mark.django_db

D = date(2026, 3, 10)
NOON_ON_D = datetime.combine(D, time(12), tzinfo=ZoneInfo("Asia/Seoul"))
PREPARED = PartnerSettlementStatus.PAYOUT_PREPARED
WITHHELD = PartnerSettlementStatus.PAYOUT_WITHHELD


@pytest.fixture
def contract():
    return make_contract("c-main", name="기본 계약")


@pytest.fixture
def partner(contract):
    return make_partner("p-1", contract_id=contract.public_id, tags=["패션"])


@pytest.fixture(params=["unassigned", "bucket"])
def make(request):
    """Transfers without a partner settlement (created SETTLED one by one, or from before open
    buckets) or in the open bucket of their key (created before their settlement date): a gather
    must give the same settlements either way."""
    return functools.partial(make_transfer, bucket=request.param == "bucket")


def amounts(settlement: int, **more: int) -> dict[str, int]:
    return {"settlement": settlement, **more}


def today_is_d(time_machine) -> None:
    """Stop the clock at noon in Seoul on D (time-machine moves time.time() and datetime.now(),
    so timezone.now() and timezone.localdate() follow), for code that asks for today itself."""
    time_machine.move_to(NOON_ON_D, tick=False)
    assert timezone.localdate() == D


# --- status advance -----------------------------------------------------------------------------


def test_advance_statuses_follows_the_kst_dates(partner):
    waiting = make_transfer(
        partner,
        stored_status="SCHEDULED",
        settlement_start_date=date(2026, 3, 9),
        settlement_date=date(2026, 3, 12),
    )
    starting = make_transfer(
        partner,
        stored_status="SCHEDULED",
        settlement_start_date=date(2026, 3, 8),
        settlement_date=date(2026, 3, 12),
    )
    due = make_transfer(partner, stored_status="IN_PROCESS", settlement_date=date(2026, 3, 8))
    late = make_transfer(
        partner,
        stored_status="SCHEDULED",
        settlement_start_date=date(2026, 3, 1),
        settlement_date=date(2026, 3, 5),
    )
    untouched = make_transfer(partner, stored_status="PAID_OUT", settlement_date=date(2026, 3, 1))

    result = gather.transfers_advance_statuses(today=date(2026, 3, 8))

    assert result == {"in_process": 2}
    stored = {t.pk: t.stored_status for t in Transfer.objects.all()}
    assert stored[waiting.pk] == TransferStatus.SCHEDULED
    assert stored[starting.pk] == TransferStatus.IN_PROCESS
    assert stored[late.pk] == TransferStatus.IN_PROCESS  # (SETTLED by date, not rewritten)
    assert stored[due.pk] == TransferStatus.IN_PROCESS
    assert stored[untouched.pk] == TransferStatus.PAID_OUT
    on_the_8th = {
        status: set(
            Transfer.objects.filter(transfer_status_q([status], date(2026, 3, 8))).values_list(
                "pk", flat=True
            )
        )
        for status in TransferStatus.values
    }
    assert on_the_8th == {
        "SCHEDULED": {waiting.pk},
        "IN_PROCESS": {starting.pk},
        "SETTLED": {due.pk, late.pk},  # both dates passed: straight through
        "PAYOUT_CONFIRMED": set(),
        "IN_PAYOUT": set(),
        "PAID_OUT": {untouched.pk},
    }
    assert gather.transfers_advance_statuses(today=date(2026, 3, 8)) == {"in_process": 0}


def test_advance_and_gather_task_settles_and_gathers(partner, time_machine, make):
    make(partner, stored_status="IN_PROCESS", settlement_date=D, amounts=amounts(1_000))
    today_is_d(time_machine)
    assert tasks.advance_and_gather() == {"recomputed": 0, "in_process": 0, "gathered": 1}
    assert PartnerSettlement.objects.get().amount_settlement == 1_000


# --- gather -------------------------------------------------------------------------------------


def test_gather_groups_by_the_full_key(partner, contract, make):
    other_contract = make_contract("c-other")
    other_partner = make_partner("p-2", contract_id=contract.public_id)
    test_contract = make_contract("c-main", is_for_test=True)
    test_partner = make_partner("p-1", contract_id=test_contract.public_id, is_for_test=True)
    make(partner, amounts=amounts(100))
    make(partner, amounts=amounts(200))  # same key as above
    make(partner, contract=other_contract, amounts=amounts(300))
    make(partner, type="ORDER_CANCEL", amounts=amounts(40))
    make(partner, type="MANUAL", amounts=amounts(-50))
    make(partner, type="MANUAL", amounts=amounts(70))
    make(partner, currency="USD", amounts=amounts(5))
    make(partner, settlement_date=date(2026, 3, 11), amounts=amounts(6))
    make(other_partner, amounts=amounts(7))
    make(test_partner, amounts=amounts(8))

    assert gather.partner_settlements_gather() == 10

    rows = {
        (
            s.is_for_test,
            s.partner.public_id,
            s.settlement_date,
            s.settlement_type,
            s.contract.public_id if s.contract else None,
            s.settlement_currency,
        ): (s.transfer_count, s.amount_settlement)
        for s in PartnerSettlement.objects.select_related("partner", "contract")
    }
    assert rows == {
        (False, "p-1", D, "ORDER", "c-main", "KRW"): (2, 300),
        (False, "p-1", D, "ORDER", "c-other", "KRW"): (1, 300),
        (False, "p-1", D, "ORDER_CANCEL", "c-main", "KRW"): (1, 40),
        (False, "p-1", D, "MANUAL", None, "KRW"): (2, 20),
        (False, "p-1", D, "ORDER", "c-main", "USD"): (1, 5),
        (False, "p-1", date(2026, 3, 11), "ORDER", "c-main", "KRW"): (1, 6),
        (False, "p-2", D, "ORDER", "c-main", "KRW"): (1, 7),
        (True, "p-1", D, "ORDER", "c-main", "KRW"): (1, 8),
    }
    assert not Transfer.objects.filter(partner_settlement__isnull=True).exists()
    assert set(PartnerSettlement.objects.values_list("status", flat=True)) == {PREPARED}
    assert all(s.status_updated_at for s in PartnerSettlement.objects.all())


def test_totals_are_field_wise_sums_with_start_date_range(partner, make):
    make(
        partner,
        settlement_start_date=date(2026, 3, 2),
        amounts={
            "order": 10_000,
            "orderTaxFree": 1_000,
            "discount": 2_000,
            "discountShare": 1_000,
            "payment": 8_000,
            "paymentSupply": 6_364,
            "paymentVat": 636,
            "paymentTaxFree": 1_000,
            "platformFee": 1_000,
            "platformFeeVat": 100,
            "additionalFee": 500,
            "additionalFeeVat": 50,
            "settlement": 7_350,
            "settlementTaxFree": 900,
        },
    )
    make(
        partner,
        settlement_start_date=date(2026, 3, 5),
        amounts={
            "order": 5_000,
            "discount": 0,
            "payment": 5_000,
            "paymentSupply": 4_545,
            "paymentVat": 455,
            "platformFee": 500,
            "platformFeeVat": 50,
            "settlement": 4_450,
        },
    )
    make(partner, type="MANUAL", amounts={"settlement": -3_000, "settlementTaxFree": -10})
    make(partner, type="MANUAL", amounts={"settlement": 1_000, "settlementTaxFree": 30})
    make(
        partner,
        type="ORDER_CANCEL",
        settlement_start_date=date(2026, 3, 4),
        amounts={"order": 5_000, "payment": 5_000, "platformFee": 500, "settlement": 4_450},
    )

    gather.partner_settlements_gather(settlement_date=D)

    order = PartnerSettlement.objects.get(settlement_type="ORDER")
    assert {wire: getattr(order, f"amount_{col}") for wire, col in AMOUNT_FIELDS.items()} == {
        "order": 15_000,
        "orderTaxFree": 1_000,
        "discount": 2_000,
        "discountTaxFree": 0,
        "discountShare": 1_000,
        "discountShareTaxFree": 0,
        "payment": 13_000,
        "paymentSupply": 10_909,
        "paymentVat": 1_091,
        "paymentVatBurden": 0,
        "paymentTaxFree": 1_000,
        "platformFee": 1_500,
        "platformFeeVat": 150,
        "additionalFee": 500,
        "additionalFeeVat": 50,
        "settlement": 11_800,
        "settlementTaxFree": 900,
    }
    assert order.transfer_count == 2
    assert (order.settlement_start_date_from, order.settlement_start_date_until) == (
        date(2026, 3, 2),
        date(2026, 3, 5),
    )
    manual = PartnerSettlement.objects.get(settlement_type="MANUAL")
    assert (manual.amount_settlement, manual.amount_settlement_tax_free) == (-2_000, 20)
    assert manual.contract is None
    assert manual.settlement_start_date_from is None
    cancel = PartnerSettlement.objects.get(settlement_type="ORDER_CANCEL")
    assert (cancel.amount_order, cancel.amount_platform_fee, cancel.amount_settlement) == (
        5_000,
        500,
        4_450,
    )  # positive magnitudes


def test_gather_skips_transfers_that_are_not_settled(partner, make):
    make(partner, stored_status="IN_PROCESS", amounts=amounts(1))
    make(partner, stored_status="SCHEDULED", amounts=amounts(2))
    assert gather.partner_settlements_gather(today=D - timedelta(days=1)) == 0
    assert not PartnerSettlement.objects.exists()
    # On its settlement date an IN_PROCESS transfer is SETTLED (by the date, not rewritten);
    # the SCHEDULED one waits for the job to move it on (from a shared bucket, the first leaves).
    assert gather.partner_settlements_gather(today=D) == 1
    assert PartnerSettlement.objects.get().amount_settlement == 1


def test_gather_arguments_narrow_the_run(partner, contract, make):
    test_contract = make_contract("c-t", is_for_test=True)
    test_partner = make_partner("p-t", contract_id=test_contract.public_id, is_for_test=True)
    make(partner, amounts=amounts(1))
    make(partner, settlement_date=date(2026, 3, 11), amounts=amounts(2))
    make(test_partner, amounts=amounts(3))

    assert gather.partner_settlements_gather(settlement_date=D, is_for_test=False) == 1
    assert gather.partner_settlements_gather(is_for_test=True) == 1
    assert gather.partner_settlements_gather() == 1
    assert PartnerSettlement.objects.count() == 3


def test_second_gather_joins_the_prepared_settlement(partner, make):
    make(partner, settlement_start_date=date(2026, 3, 5), amounts=amounts(1_000))
    gather.partner_settlements_gather()
    settlement = PartnerSettlement.objects.get()
    make(partner, settlement_start_date=date(2026, 3, 1), amounts=amounts(500, platformFee=50))

    assert gather.partner_settlements_gather() == 1

    settlement.refresh_from_db()
    assert PartnerSettlement.objects.count() == 1
    assert (settlement.transfer_count, settlement.amount_settlement) == (2, 1_500)
    assert settlement.amount_platform_fee == 50
    assert settlement.settlement_start_date_from == date(2026, 3, 1)
    assert settlement.settlement_start_date_until == date(2026, 3, 5)


def test_second_gather_creates_a_new_settlement_when_the_existing_one_is_withheld(partner, make):
    make(partner, amounts=amounts(1_000))
    gather.partner_settlements_gather()
    withheld = PartnerSettlement.objects.get()
    ps_services.partner_settlement_set_status(settlement=withheld, status=WITHHELD)
    late = make(partner, amounts=amounts(300))

    gather.partner_settlements_gather()

    withheld.refresh_from_db()
    assert (withheld.status, withheld.transfer_count, withheld.amount_settlement) == (
        WITHHELD,
        1,
        1_000,
    )
    fresh = PartnerSettlement.objects.exclude(pk=withheld.pk).get()
    assert (fresh.status, fresh.transfer_count, fresh.amount_settlement) == (PREPARED, 1, 300)
    late.refresh_from_db()
    assert late.partner_settlement_id == fresh.pk


def test_gather_joins_the_oldest_prepared_settlement_when_there_are_two(partner, make):
    make(partner, amounts=amounts(1))
    gather.partner_settlements_gather()
    first = PartnerSettlement.objects.get()
    ps_services.partner_settlement_set_status(settlement=first, status=WITHHELD)
    make(partner, amounts=amounts(2))
    gather.partner_settlements_gather()
    ps_services.partner_settlement_set_status(settlement=first, status=PREPARED)  # released
    make(partner, amounts=amounts(4))

    gather.partner_settlements_gather()

    first.refresh_from_db()
    assert (first.transfer_count, first.amount_settlement) == (2, 5)
    assert PartnerSettlement.objects.count() == 2


def test_gather_is_idempotent(partner, make):
    make(partner, amounts=amounts(1_000))
    make(partner, type="MANUAL", amounts=amounts(-10))
    assert gather.partner_settlements_gather() == 2
    before = list(PartnerSettlement.objects.order_by("pk").values())

    assert gather.partner_settlements_gather() == 0

    assert list(PartnerSettlement.objects.order_by("pk").values()) == before


def test_gather_now_for_gathers_only_the_given_transfers(partner):
    manual = make_transfer(partner, type="MANUAL", amounts=amounts(700))
    other = make_transfer(partner, amounts=amounts(1))
    assert gather.gather_now_for([manual.pk]) == 1
    assert gather.gather_now_for([]) == 0
    manual.refresh_from_db()
    other.refresh_from_db()
    assert manual.partner_settlement.amount_settlement == 700
    assert other.partner_settlement_id is None


def test_settlement_changes_are_in_the_audit_history(partner, make):
    make(partner, amounts=amounts(1))
    gather.partner_settlements_gather()
    make(partner, amounts=amounts(2))
    gather.partner_settlements_gather()
    settlement = PartnerSettlement.objects.get()
    reasons = list(
        settlement.history.order_by("history_id").values_list(
            "history_type", "history_change_reason", "amount_settlement"
        )
    )
    assert reasons == [("+", "정산 내역 생성", 1), ("~", "정산 내역 집계", 3)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_gathers_never_double_assign(partner, contract, make):
    partners = [partner] + [
        make_partner(f"p-c{i}", contract_id=contract.public_id) for i in range(3)
    ]
    for p in partners:
        for n in range(5):
            make(p, amounts=amounts(100 + n))
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def run():
        try:
            barrier.wait()
            results.append(gather.partner_settlements_gather())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [0, 0, 0, 20]
    assert PartnerSettlement.objects.count() == 4
    for settlement in PartnerSettlement.objects.all():
        assert (settlement.transfer_count, settlement.amount_settlement) == (5, 510)


# --- open buckets -------------------------------------------------------------------------------


def test_open_bucket_stays_hidden_until_its_day_is_gathered(partner):
    first = make_transfer(partner, stored_status="IN_PROCESS", amounts=amounts(1_000), bucket=True)
    second = make_transfer(partner, stored_status="IN_PROCESS", amounts=amounts(234), bucket=True)
    manual = make_transfer(partner, type="MANUAL", stored_status="IN_PROCESS", bucket=True)
    bucket = PartnerSettlement.all_objects.get(pk=first.partner_settlement_id)
    assert second.partner_settlement_id == bucket.pk != manual.partner_settlement_id
    assert bucket.status == OPEN_BUCKET_STATUS
    assert not PartnerSettlement.objects.exists()  # API, admin and payouts never see buckets
    assert not partner.settlements.exists()

    assert daily.settle_due(today=D - timedelta(days=1))["gathered"] == 0
    assert PartnerSettlement.all_objects.filter(status=OPEN_BUCKET_STATUS).count() == 2

    assert daily.settle_due(today=D) == {"recomputed": 0, "in_process": 0, "gathered": 3}
    settlement = PartnerSettlement.objects.get(pk=bucket.pk)  # the bucket became the settlement
    assert (settlement.status, settlement.transfer_count, settlement.amount_settlement) == (
        PREPARED,
        2,
        1_234,
    )
    assert settlement.created_at > bucket.created_at
    assert PartnerSettlement.objects.get(settlement_type="MANUAL").transfer_count == 1
    assert not PartnerSettlement.all_objects.filter(status=OPEN_BUCKET_STATUS).exists()
    assert list(settlement.history.values_list("history_change_reason", flat=True)) == [
        "정산 내역 생성"
    ]


def test_open_buckets_are_one_per_key(partner, contract):
    other = make_contract("c-other")
    keys = [
        (False, partner.pk, D, "ORDER", "KRW", contract.pk),
        (False, partner.pk, D, "ORDER", "KRW", other.pk),
        (False, partner.pk, D, "MANUAL", "KRW", 0),
        (False, partner.pk, D, "ORDER", "USD", contract.pk),
    ]
    with transaction.atomic():
        found = buckets.open_buckets(keys)
        again = buckets.open_buckets(keys[:2])
    assert len(set(found.values())) == 4
    assert again == {key: found[key] for key in keys[:2]}
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerSettlement.all_objects.create(
            public_id="dup",
            partner=partner,
            settlement_date=D,
            settlement_type="MANUAL",
            status=OPEN_BUCKET_STATUS,
        )


def test_bucket_member_settled_before_the_others_is_gathered_on_its_own(partner):
    """An explicit settlement date before the start date: its bucket-mate is still SCHEDULED
    when it is SETTLED. It leaves the bucket and is gathered; the bucket waits."""
    early = make_transfer(
        partner, settlement_start_date=D - timedelta(days=2), amounts=amounts(5), bucket=True
    )
    waiting = make_transfer(partner, stored_status="SCHEDULED", amounts=amounts(7), bucket=True)
    bucket_pk = waiting.partner_settlement_id
    assert early.partner_settlement_id == bucket_pk

    assert gather.partner_settlements_gather(settlement_date=D) == 1

    early.refresh_from_db()
    settlement = PartnerSettlement.objects.get()
    assert (settlement.pk, settlement.transfer_count, settlement.amount_settlement) == (
        early.partner_settlement_id,
        1,
        5,
    )
    assert settlement.pk != bucket_pk
    assert PartnerSettlement.all_objects.get(pk=bucket_pk).status == OPEN_BUCKET_STATUS
    Transfer.objects.filter(pk=waiting.pk).update(stored_status=TransferStatus.SETTLED)
    assert gather.partner_settlements_gather(settlement_date=D) == 1
    settlement.refresh_from_db()
    assert (settlement.transfer_count, settlement.amount_settlement) == (2, 12)
    assert not PartnerSettlement.all_objects.filter(pk=bucket_pk).exists()


def test_an_emptied_open_bucket_is_dropped(partner):
    gone = make_transfer(partner, stored_status="IN_PROCESS", amounts=amounts(5), bucket=True)
    bucket_pk = gone.partner_settlement_id
    gone.delete()
    assert gather.partner_settlements_recompute([bucket_pk]) == 1
    assert not PartnerSettlement.all_objects.exists()

    make_transfer(partner, stored_status="IN_PROCESS", amounts=amounts(5), bucket=True).delete()
    assert gather.partner_settlements_gather() == 0  # its day: empty, so dropped
    assert not PartnerSettlement.all_objects.exists()


@pytest.mark.django_db(transaction=True)
def test_gather_waits_for_a_creator_still_adding_to_a_bucket(partner):
    """A creator holds the shared side of the settlement lock from choosing the bucket until it
    commits; a gather (exclusive side) waits, so it never flips a bucket without a member that
    commits a moment later (IN_PROCESS on its settlement date: SETTLED by the date)."""
    make_transfer(partner, amounts=amounts(100), bucket=True)  # SETTLED, committed
    inserted, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    gathered: list[int] = []

    def create():
        try:
            with transaction.atomic():
                late = Transfer(
                    public_id="late",
                    type="ORDER",
                    stored_status="IN_PROCESS",
                    partner=partner,
                    contract=partner.default_contract,
                    settlement_start_date=D,
                    settlement_date=D,
                    amount_settlement=1,
                )
                buckets.assign_open_buckets([late])
                late.save()
                inserted.set()
                release.wait(5)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def run_gather():
        try:
            gathered.append(gather.partner_settlements_gather(settlement_date=D))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    creator = threading.Thread(target=create)
    creator.start()
    assert inserted.wait(5)
    gatherer = threading.Thread(target=run_gather)
    gatherer.start()
    gatherer.join(0.5)
    assert gatherer.is_alive()  # waiting for the creator
    release.set()
    creator.join()
    gatherer.join()

    assert errors == []
    assert gathered == [2]  # the late one too: the gather waited for its commit
    late = Transfer.objects.get(public_id="late")
    settlement = PartnerSettlement.objects.get()
    assert late.partner_settlement_id == settlement.pk
    assert (settlement.transfer_count, settlement.amount_settlement) == (2, 101)


# --- recompute ----------------------------------------------------------------------------------


def test_recompute_after_a_member_is_deleted(partner, make):
    keep = make(partner, settlement_start_date=date(2026, 3, 3), amounts=amounts(100))
    gone = make(partner, settlement_start_date=date(2026, 3, 1), amounts=amounts(900))
    gather.partner_settlements_gather()
    settlement = PartnerSettlement.objects.get()
    gone.delete()

    assert gather.partner_settlements_recompute([settlement.pk]) == 0

    settlement.refresh_from_db()
    assert (settlement.transfer_count, settlement.amount_settlement) == (1, 100)
    assert settlement.settlement_start_date_from == date(2026, 3, 3)
    keep.delete()
    assert gather.partner_settlements_recompute([settlement.pk]) == 1
    assert not PartnerSettlement.objects.exists()


# --- manual status changes ----------------------------------------------------------------------


def _settlement(partner, status=PREPARED) -> PartnerSettlement:
    """A one-transfer settlement in `status`, on a date of its own."""
    day = date(2026, 4, 1 + PartnerSettlement.objects.count())
    make_transfer(partner, settlement_date=day, amounts=amounts(1))
    gather.partner_settlements_gather()
    settlement = PartnerSettlement.objects.get(settlement_date=day)
    PartnerSettlement.objects.filter(pk=settlement.pk).update(status=status)
    settlement.refresh_from_db()
    return settlement


ALLOWED = [(old, new) for old, targets in MANUAL_SETTLEMENT_TRANSITIONS.items() for new in targets]
REFUSED = [
    (PartnerSettlementStatus.PAID_OUT, PartnerSettlementStatus.PAYOUT_PREPARED),
    (PartnerSettlementStatus.CONFIRMED, PartnerSettlementStatus.PAYOUT_WITHHELD),
    (PartnerSettlementStatus.IN_PAYOUT, PartnerSettlementStatus.PAYOUT_EXCLUDED),
    (PartnerSettlementStatus.PAYOUT_FAILED, PartnerSettlementStatus.PAYOUT_WITHHELD),
    (PartnerSettlementStatus.PAYOUT_PREPARED, PartnerSettlementStatus.PAID_OUT),
    (PartnerSettlementStatus.PAYOUT_PREPARED, PartnerSettlementStatus.PAYOUT_PREPARED),
]


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_manual_transition_allowed(partner, old, new):
    settlement = _settlement(partner, old)
    changed = ps_services.partner_settlement_set_status(
        settlement=settlement, status=new, memo="재무팀 확인"
    )
    settlement.refresh_from_db()
    assert (settlement.status, settlement.memo) == (new, "재무팀 확인")
    assert settlement.status_updated_at == changed.status_updated_at
    assert settlement.history.first().history_type == "~"


@pytest.mark.parametrize(("old", "new"), REFUSED)
def test_manual_transition_refused(partner, old, new):
    settlement = _settlement(partner, old)
    with pytest.raises(DomainError) as exc:
        ps_services.partner_settlement_set_status(settlement=settlement, status=new)
    assert error_status(exc.value) == 400
    assert "바꿀 수 없습니다" in exc.value.message
    settlement.refresh_from_db()
    assert settlement.status == old


# --- admin --------------------------------------------------------------------------------------


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("finance", password="pw-12345678")
    client.force_login(user)
    return client


SETTLEMENTS_URL = "/admin/settlements/partnersettlement/"
TRANSFERS_URL = "/admin/settlements/transfer/"


def test_admin_lists_render_with_amounts_and_filters(staff, partner):
    make_transfer(
        partner, public_id="t-visible", payment_public_id="pay-1", amounts=amounts(12_345)
    )
    gather.partner_settlements_gather()
    page = staff.get(TRANSFERS_URL).content.decode()
    assert "t-visible" in page and "12,345" in page and "pay-1" in page
    assert "t-visible" in staff.get(TRANSFERS_URL, {"q": "pay-1"}).content.decode()
    assert "t-visible" not in staff.get(TRANSFERS_URL, {"type__exact": "MANUAL"}).content.decode()
    settlement = PartnerSettlement.objects.get()
    page = staff.get(SETTLEMENTS_URL).content.decode()
    assert settlement.public_id in page and "12,345" in page
    assert (
        settlement.public_id in staff.get(SETTLEMENTS_URL, {"partner_tag": "패션"}).content.decode()
    )
    assert (
        settlement.public_id
        not in staff.get(SETTLEMENTS_URL, {"partner_tag": "리빙"}).content.decode()
    )
    page = staff.get(f"{TRANSFERS_URL}{Transfer.objects.get().pk}/change/").content.decode()
    assert f"{SETTLEMENTS_URL}{settlement.pk}/change/" in page and settlement.public_id in page
    assert staff.get(f"{SETTLEMENTS_URL}{settlement.pk}/history/").status_code == 200
    waiting = make_transfer(
        partner, stored_status="IN_PROCESS", settlement_date=D.replace(day=20), bucket=True
    )
    bucket = PartnerSettlement.all_objects.get(pk=waiting.partner_settlement_id)
    page = staff.get(f"{TRANSFERS_URL}{waiting.pk}/change/").content.decode()
    assert "정산일 집계 전" in page and bucket.public_id not in page
    assert bucket.public_id not in staff.get(SETTLEMENTS_URL).content.decode()
    assert staff.get(f"{SETTLEMENTS_URL}{bucket.pk}/change/").status_code == 302  # "not found"
    PartnerSettlement.objects.filter(pk=settlement.pk).update(status="PAID_OUT")
    paid = staff.get(TRANSFERS_URL, {"status": "PAID_OUT"}).content.decode()
    assert "t-visible" in paid and "지급 완료" in paid and waiting.public_id not in paid
    settled = staff.get(TRANSFERS_URL, {"status": "SETTLED"}).content.decode()
    assert "t-visible" not in settled
    for url in (
        "/admin/settlements/payment/",
        "/admin/settlements/closedday/",
        "/admin/settlements/settlementparameter/",
    ):
        assert staff.get(url).status_code == 200


def test_admin_status_actions_report_counts_and_refusals(staff, partner):
    prepared = _settlement(partner)
    paid = _settlement(partner, PartnerSettlementStatus.PAID_OUT)

    # the actions ask for a confirmation and a reason first (test_admin_records.py)
    confirmed = {"confirm": "yes", "reason": "테스트"}
    response = staff.post(
        SETTLEMENTS_URL,
        {"action": "withhold_selected", ACTION_KEY: [prepared.pk, paid.pk], **confirmed},
        follow=True,
    )
    text = response.content.decode()
    assert "1건 지급 보류 처리했습니다." in text and "1건은 바꿀 수 없습니다." in text
    prepared.refresh_from_db()
    paid.refresh_from_db()
    assert (prepared.status, paid.status) == (WITHHELD, PartnerSettlementStatus.PAID_OUT)

    staff.post(
        SETTLEMENTS_URL, {"action": "release_selected", ACTION_KEY: [prepared.pk], **confirmed}
    )
    prepared.refresh_from_db()
    assert prepared.status == PREPARED
    staff.post(
        SETTLEMENTS_URL, {"action": "exclude_selected", ACTION_KEY: [prepared.pk], **confirmed}
    )
    prepared.refresh_from_db()
    assert prepared.status == PartnerSettlementStatus.PAYOUT_EXCLUDED


ACTION_KEY = "_selected_action"


@pytest.mark.parametrize("url", [SETTLEMENTS_URL, TRANSFERS_URL])
def test_admin_gather_now_needs_no_selection(staff, partner, url, time_machine):
    make_transfer(partner, stored_status="IN_PROCESS", settlement_date=D, amounts=amounts(10))
    today_is_d(time_machine)

    response = staff.post(url, {"action": "gather_now", "index": "0"}, follow=True)

    assert "정산 중 전환 0건, 정산 내역에 모은 정산건 1건" in response.content.decode()
    assert PartnerSettlement.objects.get().amount_settlement == 10


@pytest.mark.parametrize("bucket", [False, True])
def test_gathered_settlements_history_names_the_staff_user(staff, partner, bucket, time_machine):
    """Set-based history rows (core.history_sql) carry who did it, like a save() would."""
    make_transfer(partner, stored_status="IN_PROCESS", amounts=amounts(10), bucket=bucket)
    today_is_d(time_machine)
    staff.post(SETTLEMENTS_URL, {"action": "gather_now", "index": "0"})
    settlement = PartnerSettlement.objects.get()
    assert list(
        settlement.history.values_list(
            "history_type",
            "history_change_reason",
            "history_user__username",
            "history_api_secret",
            "amount_settlement",
            "status",
        )
    ) == [("+", "정산 내역 생성", "finance", "", 10, PREPARED)]


def test_gathered_settlements_history_names_the_api_secret(api_client, partner):
    response = api_client.post(
        "/platform/transfers/manual",
        {"partnerId": partner.public_id, "settlementAmount": 700, "settlementDate": "2026-03-10"},
        format="json",
    )
    assert response.status_code == 200, response.content
    settlement = PartnerSettlement.objects.get()
    assert list(
        settlement.history.values_list(
            "history_change_reason", "history_user", "history_api_secret", "amount_settlement"
        )
    ) == [("정산 내역 생성", None, "test integrator", 700)]


def test_admin_cannot_add_change_or_delete_money_rows(staff, partner):
    make_transfer(partner, amounts=amounts(1))
    gather.partner_settlements_gather()
    # one MANUAL transfer may be added, through its service (test_admin_records.py)
    assert "수기 정산건 등록" in staff.get(f"{TRANSFERS_URL}add/").content.decode()
    assert staff.get(f"{SETTLEMENTS_URL}add/").status_code == 403
    transfer = Transfer.objects.get()
    response = staff.post(f"{TRANSFERS_URL}{transfer.pk}/change/", {"status": "PAID_OUT"})
    assert response.status_code == 403
    transfer.refresh_from_db()
    assert transfer.stored_status == TransferStatus.SETTLED
    assert staff.get(f"{TRANSFERS_URL}{transfer.pk}/delete/").status_code == 403
