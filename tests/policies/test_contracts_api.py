"""Every contract operation of portone-server-sdk 0.21.0, against the live server."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from portone_server_sdk import errors
from portone_server_sdk.common import PageInput
from portone_server_sdk.platform import (
    MonthDay,
    PlatformFeeInput,
    PlatformFixedAmountFee,
    PlatformFixedRateFee,
    PlatformSettlementCycleInput,
    PlatformSettlementCycleMethodDailyInput,
    PlatformSettlementCycleMethodInput,
    PlatformSettlementCycleMethodManualDates,
    PlatformSettlementCycleMethodManualDatesInput,
    PlatformSettlementCycleMethodMonthly,
    PlatformSettlementCycleMethodMonthlyInput,
    PlatformSettlementCycleMethodWeekly,
    PlatformSettlementCycleMethodWeeklyInput,
    UpdatePlatformContractBody,
)
from portone_server_sdk.platform.policy import (
    PlatformContractFilterInput,
    PlatformContractFilterInputKeyword,
)

from core.wire import graphql_id
from policies.models import Contract, ContractVersion
from tests.factories import make_contract

pytestmark = pytest.mark.django_db(transaction=True)


def monthly_cycle(*days: int, lag: int = 3, policy: str = "HOLIDAY_BEFORE"):
    return PlatformSettlementCycleInput(
        lag_days=lag,
        date_policy=policy,
        method=PlatformSettlementCycleMethodInput(
            monthly=PlatformSettlementCycleMethodMonthlyInput(days_of_month=list(days))
        ),
    )


def create(portone, **kwargs):
    defaults = dict(
        name="기본 계약",
        platform_fee=PlatformFeeInput(fixed_rate=3_500),
        settlement_cycle=monthly_cycle(10, 31),
        platform_fee_vat_payer="PARTNER",
        subtract_payment_vat_amount=False,
    )
    defaults.update(kwargs)
    return portone.platform.policy.create_platform_contract(**defaults).contract


def test_create_with_client_id_returns_every_field(portone):
    contract = create(portone, id="c-1", memo="메모")

    assert contract.id == "c-1"
    assert contract.graphql_id == graphql_id("contract", "c-1")
    assert contract.platform_fee == PlatformFixedRateFee(rate=3_500)
    assert contract.settlement_cycle.lag_days == 3
    assert contract.settlement_cycle.date_policy == "HOLIDAY_BEFORE"
    assert contract.settlement_cycle.method == PlatformSettlementCycleMethodMonthly(
        days_of_month=[10, 31]
    )
    assert contract.platform_fee_vat_payer == "PARTNER"
    assert contract.subtract_payment_vat_amount is False
    assert contract.is_archived is False
    assert contract.is_for_test is False
    assert contract.memo == "메모"
    stored = Contract.objects.get(public_id="c-1")
    assert stored.fee_rate == 3_500
    assert stored.versions.count() == 1


def test_create_generates_sortable_id_and_omits_absent_memo(portone):
    contract = create(portone)
    assert len(contract.id) == 26  # ULID
    assert contract.memo is None


def test_every_cycle_method_round_trips(portone):
    weekly = create(
        portone,
        settlement_cycle=PlatformSettlementCycleInput(
            lag_days=4,
            date_policy="HOLIDAY_AFTER",
            method=PlatformSettlementCycleMethodInput(
                weekly=PlatformSettlementCycleMethodWeeklyInput(days_of_week=["THU", "MON", "THU"])
            ),
        ),
    )
    assert weekly.settlement_cycle.method == PlatformSettlementCycleMethodWeekly(
        days_of_week=["MON", "THU"]
    )
    manual = create(
        portone,
        platform_fee=PlatformFeeInput(fixed_amount=500),
        settlement_cycle=PlatformSettlementCycleInput(
            lag_days=1,
            date_policy="CALENDAR_DAY",
            method=PlatformSettlementCycleMethodInput(
                manual_dates=PlatformSettlementCycleMethodManualDatesInput(
                    dates=[MonthDay(month=7, day=10), MonthDay(month=1, day=10)]
                )
            ),
        ),
    )
    assert manual.platform_fee == PlatformFixedAmountFee(amount=500)
    assert manual.settlement_cycle.method == PlatformSettlementCycleMethodManualDates(
        dates=[MonthDay(month=1, day=10), MonthDay(month=7, day=10)]
    )
    daily = create(
        portone,
        settlement_cycle=PlatformSettlementCycleInput(
            lag_days=10,
            date_policy="CALENDAR_DAY",
            method=PlatformSettlementCycleMethodInput(
                daily=PlatformSettlementCycleMethodDailyInput()
            ),
        ),
    )
    assert daily.settlement_cycle.method.__class__.__name__ == "PlatformSettlementCycleMethodDaily"
    assert daily.settlement_cycle.lag_days == 10


def test_duplicate_id_conflicts_and_writes_nothing(portone):
    create(portone, id="dup")
    with pytest.raises(errors.PlatformContractAlreadyExistsError):
        create(portone, id="dup", name="다른 이름")
    assert Contract.objects.get(public_id="dup").name == "기본 계약"
    assert ContractVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"settlement_cycle": monthly_cycle(31, lag=0)}, "settlementCycle.lagDays"),
        ({"settlement_cycle": monthly_cycle(31, lag=11)}, "settlementCycle.lagDays"),
        ({"settlement_cycle": monthly_cycle(32)}, "daysOfMonth"),
        ({"settlement_cycle": monthly_cycle()}, "daysOfMonth"),
        ({"platform_fee": PlatformFeeInput(fixed_rate=100_001)}, "platformFee.fixedRate"),
        ({"platform_fee": PlatformFeeInput(fixed_amount=-1)}, "platformFee.fixedAmount"),
        ({"platform_fee": PlatformFeeInput()}, "platformFee"),
        ({"platform_fee_vat_payer": "NOBODY"}, "platformFeeVatPayer"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(portone, kwargs, field):
    with pytest.raises(errors.InvalidRequestError) as exc:
        create(portone, **kwargs)
    assert field in exc.value.message
    assert Contract.objects.count() == 0


def test_manual_date_that_no_year_has_is_rejected(portone):
    with pytest.raises(errors.InvalidRequestError) as exc:
        create(
            portone,
            settlement_cycle=PlatformSettlementCycleInput(
                lag_days=1,
                date_policy="CALENDAR_DAY",
                method=PlatformSettlementCycleMethodInput(
                    manual_dates=PlatformSettlementCycleMethodManualDatesInput(
                        dates=[MonthDay(month=2, day=30)]
                    )
                ),
            ),
        )
    assert "day" in exc.value.message


def test_get_and_unknown_id(portone):
    create(portone, id="known")
    assert portone.platform.policy.get_platform_contract(id="known").name == "기본 계약"
    with pytest.raises(errors.PlatformContractNotFoundError):
        portone.platform.policy.get_platform_contract(id="unknown")


def test_list_filters_and_pages(portone):
    make_contract("a-1", name="월말 계약", platform_fee_vat_payer="MERCHANT")
    make_contract(
        "a-2",
        name="주간 계약",
        cycle_method="WEEKLY",
        days_of_week=["THU"],
        days_of_month=[],
        date_policy="HOLIDAY_AFTER",
    )
    archived = make_contract("a-3", name="보관 계약")
    archived.is_archived = True
    archived.save()
    make_contract("t-1", is_for_test=True)
    policy = portone.platform.policy

    everything = policy.get_platform_contracts()
    assert {c.id for c in everything.items} == {"a-1", "a-2"}
    assert everything.page.total_count == 2

    def ids(**filter_kwargs):
        response = policy.get_platform_contracts(
            filter=PlatformContractFilterInput(**filter_kwargs)
        )
        return {c.id for c in response.items}

    assert ids(platform_fee_payers=["MERCHANT"]) == {"a-1"}
    assert ids(cycle_types=["WEEKLY"]) == {"a-2"}
    assert ids(date_policies=["HOLIDAY_BEFORE"]) == {"a-1"}
    assert ids(is_archived=True) == {"a-3"}
    assert ids(keyword=PlatformContractFilterInputKeyword(name="주간")) == {"a-2"}
    assert ids(keyword=PlatformContractFilterInputKeyword(id="a-")) == {"a-1", "a-2"}

    first = policy.get_platform_contracts(page=PageInput(number=0, size=1))
    second = policy.get_platform_contracts(page=PageInput(number=1, size=1))
    assert first.page.total_count == 2 and first.page.size == 1
    assert {first.items[0].id, second.items[0].id} == {"a-1", "a-2"}

    assert [c.id for c in policy.get_platform_contracts(test=True).items] == ["t-1"]


def test_update_creates_a_new_version_and_keeps_the_old(portone):
    create(portone, id="v")
    before = Contract.objects.get(public_id="v").applied_at
    updated = portone.platform.policy.update_platform_contract(
        id="v", platform_fee=PlatformFeeInput(fixed_rate=5_000), name="새 이름"
    ).contract
    assert updated.platform_fee == PlatformFixedRateFee(rate=5_000)
    assert updated.name == "새 이름"
    assert updated.settlement_cycle.method == PlatformSettlementCycleMethodMonthly(
        days_of_month=[10, 31]
    )
    versions = list(ContractVersion.objects.filter(entity__public_id="v").order_by("applied_at"))
    assert [v.terms["fee_rate"] for v in versions] == [3_500, 5_000]
    assert versions[0].applied_at == before


def test_archive_recover_and_archived_rules(portone):
    create(portone, id="arch")
    policy = portone.platform.policy
    assert policy.archive_platform_contract(id="arch").contract.is_archived is True
    with pytest.raises(errors.PlatformArchivedContractError):
        policy.update_platform_contract(id="arch", name="x")
    with pytest.raises(errors.PlatformArchivedContractError):
        portone.platform.schedule_contract(
            id="arch",
            update=UpdatePlatformContractBody(name="x"),
            applied_at=(timezone.now() + timedelta(days=1)).isoformat(),
        )
    assert policy.recover_platform_contract(id="arch").contract.is_archived is False
    assert policy.update_platform_contract(id="arch", name="x").contract.name == "x"
    with pytest.raises(errors.PlatformContractNotFoundError):
        policy.archive_platform_contract(id="missing")
    with pytest.raises(errors.PlatformContractNotFoundError):
        policy.recover_platform_contract(id="missing")


def test_schedule_family(portone):
    create(portone, id="s")
    platform = portone.platform
    when = (timezone.now() + timedelta(days=7)).replace(microsecond=0)

    scheduled = platform.schedule_contract(
        id="s",
        update=UpdatePlatformContractBody(platform_fee=PlatformFeeInput(fixed_rate=7_000)),
        applied_at=when.isoformat(),
    ).scheduled_contract
    assert scheduled.platform_fee == PlatformFixedRateFee(rate=7_000)
    assert scheduled.name == "기본 계약"
    assert datetime.fromisoformat(scheduled.applied_at) == when
    assert scheduled.applied_at.endswith("Z")
    # The contract in force is unchanged until then.
    assert platform.policy.get_platform_contract(id="s").platform_fee == PlatformFixedRateFee(
        rate=3_500
    )

    with pytest.raises(errors.PlatformContractScheduleAlreadyExistsError):
        platform.schedule_contract(
            id="s", update=UpdatePlatformContractBody(name="x"), applied_at=when.isoformat()
        )
    with pytest.raises(errors.PlatformCannotArchiveScheduledContractError):
        platform.policy.archive_platform_contract(id="s")

    got = platform.get_platform_contract_schedule(id="s")
    assert got.platform_fee == PlatformFixedRateFee(rate=7_000)

    later = when + timedelta(days=1)
    rescheduled = platform.reschedule_contract(
        id="s", update=UpdatePlatformContractBody(name="예약 이름"), applied_at=later.isoformat()
    ).scheduled_contract
    assert rescheduled.name == "예약 이름"
    assert rescheduled.platform_fee == PlatformFixedRateFee(rate=3_500)

    assert platform.cancel_platform_contract_schedule(id="s") is not None
    with pytest.raises(errors.PlatformContractNotFoundError):
        platform.get_platform_contract_schedule(id="s")
    with pytest.raises(errors.PlatformContractNotFoundError):
        platform.cancel_platform_contract_schedule(id="s")


def test_schedule_in_the_past_is_invalid(portone):
    create(portone, id="p")
    with pytest.raises(errors.InvalidRequestError) as exc:
        portone.platform.schedule_contract(
            id="p",
            update=UpdatePlatformContractBody(name="x"),
            applied_at=(timezone.now() - timedelta(minutes=1)).isoformat(),
        )
    assert "appliedAt" in exc.value.message


def test_test_and_live_are_separate_namespaces(portone):
    create(portone, id="same", name="운영")
    create(portone, id="same", name="테스트", test=True)
    policy = portone.platform.policy
    assert policy.get_platform_contract(id="same").name == "운영"
    assert policy.get_platform_contract(id="same", test=True).name == "테스트"
    assert policy.get_platform_contract(id="same", test=True).is_for_test is True
    create(portone, id="only-test", test=True)
    with pytest.raises(errors.PlatformContractNotFoundError):
        policy.get_platform_contract(id="only-test")
