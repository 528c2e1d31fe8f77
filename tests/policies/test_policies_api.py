"""Discount-share and additional-fee policies through portone-server-sdk 0.21.0."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from portone_server_sdk import errors
from portone_server_sdk.platform import (
    PlatformFeeInput,
    PlatformFixedAmountFee,
    PlatformFixedRateFee,
    UpdatePlatformAdditionalFeePolicyBody,
    UpdatePlatformDiscountSharePolicyBody,
)
from portone_server_sdk.platform.policy import (
    PlatformAdditionalFeePolicyFilterInput,
    PlatformAdditionalFeePolicyFilterInputKeyword,
    PlatformDiscountSharePolicyFilterInput,
    PlatformDiscountSharePolicyFilterInputKeyword,
)

from core.wire import graphql_id
from policies.models import AdditionalFeePolicy, DiscountSharePolicy
from tests.factories import make_additional_fee_policy, make_discount_share_policy

pytestmark = pytest.mark.django_db(transaction=True)


def future(days: int = 3) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


# --- discount share policies -------------------------------------------------------------------


def test_discount_share_policy_lifecycle(portone):
    policy = portone.platform.policy
    created = policy.create_platform_discount_share_policy(
        id="dsp", name="쿠폰 반반", partner_share_rate=50_000, memo="설날 쿠폰"
    ).discount_share_policy
    assert created.id == "dsp"
    assert created.graphql_id == graphql_id("discount_share_policy", "dsp")
    assert created.partner_share_rate == 50_000
    assert created.memo == "설날 쿠폰"
    assert created.is_archived is False

    assert policy.get_platform_discount_share_policy(id="dsp").name == "쿠폰 반반"

    updated = policy.update_platform_discount_share_policy(
        id="dsp", partner_share_rate=30_000
    ).discount_share_policy
    assert updated.partner_share_rate == 30_000
    assert updated.name == "쿠폰 반반"
    assert DiscountSharePolicy.objects.get(public_id="dsp").versions.count() == 2

    assert policy.archive_platform_discount_share_policy(id="dsp").discount_share_policy.is_archived
    with pytest.raises(errors.PlatformArchivedDiscountSharePolicyError):
        policy.update_platform_discount_share_policy(id="dsp", name="x")
    assert not policy.recover_platform_discount_share_policy(
        id="dsp"
    ).discount_share_policy.is_archived

    with pytest.raises(errors.PlatformDiscountSharePolicyAlreadyExistsError):
        policy.create_platform_discount_share_policy(id="dsp", name="x", partner_share_rate=1)
    with pytest.raises(errors.PlatformDiscountSharePolicyNotFoundError):
        policy.get_platform_discount_share_policy(id="nope")


def test_discount_share_rate_bounds(portone):
    with pytest.raises(errors.InvalidRequestError) as exc:
        portone.platform.policy.create_platform_discount_share_policy(
            name="x", partner_share_rate=100_001
        )
    assert "partnerShareRate" in exc.value.message
    assert DiscountSharePolicy.objects.count() == 0


def test_discount_share_list_filter_and_options(portone):
    make_discount_share_policy("d-1", name="봄 쿠폰", partner_share_rate=10_000)
    make_discount_share_policy("d-2", name="여름 쿠폰", partner_share_rate=50_000)
    make_discount_share_policy("d-3", name="가을 쿠폰", partner_share_rate=50_000)
    archived = make_discount_share_policy("d-4", partner_share_rate=70_000)
    archived.is_archived = True
    archived.save()
    policy, platform = portone.platform.policy, portone.platform

    def ids(**kw):
        response = policy.get_platform_discount_share_policies(
            filter=PlatformDiscountSharePolicyFilterInput(**kw)
        )
        return {p.id for p in response.items}

    assert ids() == {"d-1", "d-2", "d-3"}
    assert ids(partner_share_rates=[50_000]) == {"d-2", "d-3"}
    assert ids(is_archived=True) == {"d-4"}
    assert ids(keyword=PlatformDiscountSharePolicyFilterInputKeyword(name="여름")) == {"d-2"}

    options = platform.get_platform_discount_share_policy_filter_options()
    assert options.partner_share_rates == [10_000, 50_000]
    archived_options = platform.get_platform_discount_share_policy_filter_options(is_archived=True)
    assert archived_options.partner_share_rates == [70_000]


def test_discount_share_schedule_family(portone):
    make_discount_share_policy("ds", partner_share_rate=10_000)
    platform = portone.platform
    when = future()
    scheduled = platform.schedule_discount_share_policy(
        id="ds",
        update=UpdatePlatformDiscountSharePolicyBody(partner_share_rate=20_000),
        applied_at=when,
    ).scheduled_discount_share_policy
    assert scheduled.partner_share_rate == 20_000
    assert datetime.fromisoformat(scheduled.applied_at) == datetime.fromisoformat(when)
    with pytest.raises(errors.PlatformDiscountSharePolicyScheduleAlreadyExistsError):
        platform.schedule_discount_share_policy(
            id="ds", update=UpdatePlatformDiscountSharePolicyBody(name="x"), applied_at=when
        )
    with pytest.raises(errors.PlatformCannotArchiveScheduledDiscountSharePolicyError):
        portone.platform.policy.archive_platform_discount_share_policy(id="ds")
    assert platform.get_platform_discount_share_policy_schedule(id="ds").partner_share_rate == (
        20_000
    )
    rescheduled = platform.reschedule_discount_share_policy(
        id="ds",
        update=UpdatePlatformDiscountSharePolicyBody(partner_share_rate=25_000),
        applied_at=future(5),
    ).scheduled_discount_share_policy
    assert rescheduled.partner_share_rate == 25_000
    platform.cancel_platform_discount_share_policy_schedule(id="ds")
    with pytest.raises(errors.PlatformDiscountSharePolicyNotFoundError):
        platform.get_platform_discount_share_policy_schedule(id="ds")


# --- additional fee policies -------------------------------------------------------------------


def test_additional_fee_policy_lifecycle(portone):
    policy = portone.platform.policy
    created = policy.create_platform_additional_fee_policy(
        id="afp", name="풀필먼트", fee=PlatformFeeInput(fixed_amount=1_500), vat_payer="MERCHANT"
    ).additional_fee_policy
    assert created.graphql_id == graphql_id("additional_fee_policy", "afp")
    assert created.fee == PlatformFixedAmountFee(amount=1_500)
    assert created.vat_payer == "MERCHANT"
    assert created.memo is None

    updated = policy.update_platform_additional_fee_policy(
        id="afp", fee=PlatformFeeInput(fixed_rate=2_000), memo="정률로 변경"
    ).additional_fee_policy
    assert updated.fee == PlatformFixedRateFee(rate=2_000)
    assert updated.memo == "정률로 변경"
    stored = AdditionalFeePolicy.objects.get(public_id="afp")
    assert (stored.fee_type, stored.fee_rate, stored.fee_amount) == ("FIXED_RATE", 2_000, None)

    assert policy.get_platform_additional_fee_policy(id="afp").fee == PlatformFixedRateFee(
        rate=2_000
    )
    assert policy.archive_platform_additional_fee_policy(id="afp").additional_fee_policy.is_archived
    with pytest.raises(errors.PlatformArchivedAdditionalFeePolicyError):
        policy.update_platform_additional_fee_policy(id="afp", name="x")
    assert not policy.recover_platform_additional_fee_policy(
        id="afp"
    ).additional_fee_policy.is_archived
    with pytest.raises(errors.PlatformAdditionalFeePolicyAlreadyExistsError):
        policy.create_platform_additional_fee_policy(
            id="afp", name="x", fee=PlatformFeeInput(fixed_amount=1), vat_payer="PARTNER"
        )
    with pytest.raises(errors.PlatformAdditionalFeePolicyNotFoundError):
        policy.get_platform_additional_fee_policy(id="nope")


def test_additional_fee_invalid_fee_writes_nothing(portone):
    with pytest.raises(errors.InvalidRequestError) as exc:
        portone.platform.policy.create_platform_additional_fee_policy(
            name="x", fee=PlatformFeeInput(fixed_rate=-5), vat_payer="PARTNER"
        )
    assert "fee.fixedRate" in exc.value.message
    assert AdditionalFeePolicy.objects.count() == 0


def test_additional_fee_list_filter(portone):
    make_additional_fee_policy("f-1", name="배송 대행", fee_amount=3_000)
    make_additional_fee_policy(
        "f-2",
        name="광고",
        fee_type="FIXED_RATE",
        fee_rate=2_000,
        fee_amount=None,
        vat_payer="MERCHANT",
    )
    policy = portone.platform.policy

    def ids(**kw):
        response = policy.get_platform_additional_fee_policies(
            filter=PlatformAdditionalFeePolicyFilterInput(**kw)
        )
        return {p.id for p in response.items}

    assert ids() == {"f-1", "f-2"}
    assert ids(vat_payers=["MERCHANT"]) == {"f-2"}
    assert ids(keyword=PlatformAdditionalFeePolicyFilterInputKeyword(fee="3000")) == {"f-1"}
    assert ids(keyword=PlatformAdditionalFeePolicyFilterInputKeyword(name="광고")) == {"f-2"}
    assert ids(keyword=PlatformAdditionalFeePolicyFilterInputKeyword(id="f-1")) == {"f-1"}
    assert policy.get_platform_additional_fee_policies(test=True).items == []


def test_additional_fee_schedule_family(portone):
    make_additional_fee_policy("af", fee_amount=1_000)
    platform = portone.platform
    scheduled = platform.schedule_additional_fee_policy(
        id="af",
        update=UpdatePlatformAdditionalFeePolicyBody(fee=PlatformFeeInput(fixed_amount=2_000)),
        applied_at=future(),
    ).scheduled_additional_fee_policy
    assert scheduled.fee == PlatformFixedAmountFee(amount=2_000)
    with pytest.raises(errors.PlatformAdditionalFeePolicyScheduleAlreadyExistsError):
        platform.schedule_additional_fee_policy(
            id="af", update=UpdatePlatformAdditionalFeePolicyBody(name="x"), applied_at=future()
        )
    with pytest.raises(errors.PlatformCannotArchiveScheduledAdditionalFeePolicyError):
        portone.platform.policy.archive_platform_additional_fee_policy(id="af")
    assert platform.get_platform_additional_fee_policy_schedule(id="af").fee == (
        PlatformFixedAmountFee(amount=2_000)
    )
    rescheduled = platform.reschedule_additional_fee_policy(
        id="af",
        update=UpdatePlatformAdditionalFeePolicyBody(vat_payer="MERCHANT"),
        applied_at=future(9),
    ).scheduled_additional_fee_policy
    assert rescheduled.vat_payer == "MERCHANT"
    assert rescheduled.fee == PlatformFixedAmountFee(amount=1_000)
    platform.cancel_platform_additional_fee_policy_schedule(id="af")
    with pytest.raises(errors.PlatformAdditionalFeePolicyNotFoundError):
        platform.cancel_platform_additional_fee_policy_schedule(id="af")
