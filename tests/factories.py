"""Test data built through the services, so factories create versions like real writes do."""

from itertools import count
from typing import Any

from core import versioning
from policies import services
from policies.models import CycleMethod, DatePolicy, FeeType, Payer

_seq = count(1)


def contract_terms(**overrides: Any) -> dict[str, Any]:
    terms = {
        "name": "기본 계약",
        "memo": None,
        "fee_type": FeeType.FIXED_RATE,
        "fee_rate": 10_000,
        "fee_amount": None,
        "lag_days": 3,
        "date_policy": DatePolicy.HOLIDAY_BEFORE,
        "cycle_method": CycleMethod.MONTHLY,
        "days_of_week": [],
        "days_of_month": [31],
        "manual_dates": [],
        "platform_fee_vat_payer": Payer.PARTNER,
        "subtract_payment_vat_amount": False,
    }
    terms.update(overrides)
    return terms


def make_contract(public_id: str | None = None, is_for_test: bool = False, **overrides: Any):
    return versioning.entity_create(
        services.CONTRACT,
        public_id=public_id or f"contract-{next(_seq)}",
        is_for_test=is_for_test,
        terms=contract_terms(**overrides),
    )


def make_discount_share_policy(public_id: str | None = None, is_for_test: bool = False, **kw):
    terms = {"name": "쿠폰 분담", "memo": None, "partner_share_rate": 50_000, **kw}
    return versioning.entity_create(
        services.DISCOUNT_SHARE_POLICY,
        public_id=public_id or f"dsp-{next(_seq)}",
        is_for_test=is_for_test,
        terms=terms,
    )


def make_additional_fee_policy(public_id: str | None = None, is_for_test: bool = False, **kw):
    terms = {
        "name": "풀필먼트",
        "memo": None,
        "fee_type": FeeType.FIXED_AMOUNT,
        "fee_rate": None,
        "fee_amount": 1_000,
        "vat_payer": Payer.PARTNER,
        **kw,
    }
    return versioning.entity_create(
        services.ADDITIONAL_FEE_POLICY,
        public_id=public_id or f"afp-{next(_seq)}",
        is_for_test=is_for_test,
        terms=terms,
    )
