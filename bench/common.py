"""What the benchmarks set up alike: a contract's terms and a partner's (test namespace)."""

from __future__ import annotations

from typing import Any

from partners.services.partners import PartnerChange
from policies.models import CycleMethod, DatePolicy, FeeType, Payer


def contract_terms(**overrides: Any) -> dict[str, Any]:
    """A 10 % contract, PARTNER bears the fee's VAT, daily D+3 (HOLIDAY_BEFORE)."""
    return {
        "name": "벤치마크 계약",
        "memo": None,
        "fee_type": FeeType.FIXED_RATE,
        "fee_rate": 10_000,
        "fee_amount": None,
        "lag_days": 3,
        "date_policy": DatePolicy.HOLIDAY_BEFORE,
        "cycle_method": CycleMethod.DAILY,
        "days_of_week": [],
        "days_of_month": [],
        "manual_dates": [],
        "platform_fee_vat_payer": Payer.PARTNER,
        "subtract_payment_vat_amount": False,
        **overrides,
    }


def partner_change(public_id: str, contract_id: str, **overrides: Any) -> PartnerChange:
    """An individual (NON_WHT_PAYER) partner with a KRW account."""
    terms = {
        "name": f"벤치 파트너 {public_id}",
        "memo": None,
        "tags": [],
        "user_defined_properties": {},
        "contact_name": "담당자",
        "contact_email": "bench@example.com",
        "contact_phone": None,
        "bank": "KOOKMIN",
        "account_currency": "KRW",
        "account_number": "11012345678905",
        "account_holder": "홍길동",
        "partner_type": "NON_WHT_PAYER",
        **overrides,
    }
    return PartnerChange(id=public_id, contract_id=contract_id, terms=terms)
