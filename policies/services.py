"""Writes for contracts, policies and the platform setting.

The generic lifecycle (versions, schedules, archive) lives in core.versioning; this module names
the kinds and owns the platform setting. No HTTP here and no wire format: policies.api and
policies.admin call these with model field names (policies.inputs converts the API's).
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from core.versioning.services import Kind, promote_due
from policies.models import (
    AdditionalFeePolicy,
    AdditionalFeePolicyVersion,
    Contract,
    ContractVersion,
    DiscountSharePolicy,
    DiscountSharePolicyVersion,
    PlatformSetting,
)

CONTRACT = Kind(
    model=Contract,
    version_model=ContractVersion,
    label="계약",
    not_found="PLATFORM_CONTRACT_NOT_FOUND",
    already_exists="PLATFORM_CONTRACT_ALREADY_EXISTS",
    archived="PLATFORM_ARCHIVED_CONTRACT",
    cannot_archive_scheduled="PLATFORM_CANNOT_ARCHIVE_SCHEDULED_CONTRACT",
    schedule_already_exists="PLATFORM_CONTRACT_SCHEDULE_ALREADY_EXISTS",
)
DISCOUNT_SHARE_POLICY = Kind(
    model=DiscountSharePolicy,
    version_model=DiscountSharePolicyVersion,
    label="할인 분담 정책",
    not_found="PLATFORM_DISCOUNT_SHARE_POLICY_NOT_FOUND",
    already_exists="PLATFORM_DISCOUNT_SHARE_POLICY_ALREADY_EXISTS",
    archived="PLATFORM_ARCHIVED_DISCOUNT_SHARE_POLICY",
    cannot_archive_scheduled="PLATFORM_CANNOT_ARCHIVE_SCHEDULED_DISCOUNT_SHARE_POLICY",
    schedule_already_exists="PLATFORM_DISCOUNT_SHARE_POLICY_SCHEDULE_ALREADY_EXISTS",
)
ADDITIONAL_FEE_POLICY = Kind(
    model=AdditionalFeePolicy,
    version_model=AdditionalFeePolicyVersion,
    label="추가 수수료 정책",
    not_found="PLATFORM_ADDITIONAL_FEE_POLICY_NOT_FOUND",
    already_exists="PLATFORM_ADDITIONAL_FEE_POLICY_ALREADY_EXISTS",
    archived="PLATFORM_ARCHIVED_ADDITIONAL_FEE_POLICY",
    cannot_archive_scheduled="PLATFORM_CANNOT_ARCHIVE_SCHEDULED_ADDITIONAL_FEE_POLICY",
    schedule_already_exists="PLATFORM_ADDITIONAL_FEE_POLICY_SCHEDULE_ALREADY_EXISTS",
)

KINDS = (CONTRACT, DISCOUNT_SHARE_POLICY, ADDITIONAL_FEE_POLICY)


def promote_all_due() -> int:
    """Apply the scheduled versions whose time has come (policies.tasks runs it every minute)."""
    return sum(promote_due(kind) for kind in KINDS)


def setting_get(*, is_for_test: bool) -> PlatformSetting:
    return PlatformSetting.for_mode(is_for_test=is_for_test)


@transaction.atomic
def setting_update(*, is_for_test: bool, changes: Mapping[str, Any]) -> PlatformSetting:
    """`changes`: PlatformSetting field names -> new values (only the fields to change)."""
    setting = PlatformSetting.for_mode(is_for_test=is_for_test)
    setting = PlatformSetting.objects.select_for_update().get(pk=setting.pk)
    for name, value in changes.items():
        setattr(setting, name, value)
    if changes:
        setting.save()
    return setting
