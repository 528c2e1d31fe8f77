"""Test data built through the services, so factories create versions like real writes do."""

from itertools import count
from typing import Any

from core.versioning import services as versioning
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


def make_partner(
    public_id: str | None = None,
    *,
    contract_id: str,
    is_for_test: bool = False,
    partner_type: str = "BUSINESS",
    **terms: Any,
):
    from partners.services import partners as partner_services

    base = {
        "name": "테스트 파트너",
        "memo": None,
        "tags": [],
        "user_defined_properties": {},
        "contact_name": "담당자",
        "contact_email": "partner@example.com",
        "contact_phone": None,
        "bank": "KOOKMIN",
        "account_currency": "KRW",
        "account_number": "1101234560",
        "account_holder": "홍길동",
        "partner_type": partner_type,
    }
    if partner_type == "BUSINESS":
        base.update(
            company_name="테스트 상사",
            business_registration_number="1208147521",
            representative_name="대표",
            taxation_type="NORMAL",
        )
    base.update(terms)
    return partner_services.partners_create(
        is_for_test=is_for_test,
        items=[
            {"id": public_id or f"partner-{next(_seq)}", "contract_id": contract_id, "terms": base}
        ],
    )[0]


def make_transfer(
    partner,
    *,
    type: str = "ORDER",
    stored_status: str = "SETTLED",
    settlement_date=None,
    settlement_start_date=None,
    currency: str = "KRW",
    contract=None,
    amounts: dict[str, int] | None = None,
    public_id: str | None = None,
    original=None,
    bucket: bool = False,
    **fields: Any,
):
    """A Transfer row written directly (the transfer services are tested elsewhere).

    ORDER/ORDER_CANCEL default to the partner's default contract and a start date 3 days before
    the settlement date; MANUAL has neither. `amounts` uses wire names (`{"settlement": 900}`).
    `bucket`: in the open bucket of its key, as a transfer created before its settlement date is
    (settlements.services.buckets.assign_open_buckets); otherwise without a partner settlement.
    """
    from datetime import date, timedelta

    from settlements.models import AMOUNT_FIELDS, Transfer, TransferType

    settlement_date = settlement_date or date(2026, 3, 10)
    if type != TransferType.MANUAL:
        contract = contract or partner.default_contract
        settlement_start_date = settlement_start_date or settlement_date - timedelta(days=3)
    transfer = Transfer(
        public_id=public_id or f"transfer-{next(_seq)}",
        is_for_test=partner.is_for_test,
        type=type,
        stored_status=stored_status,
        partner=partner,
        contract=contract,
        settlement_start_date=settlement_start_date,
        settlement_date=settlement_date,
        settlement_currency=currency,
        original=original,
        snapshot={},
        **fields,
    )
    for wire, column in AMOUNT_FIELDS.items():
        setattr(transfer, f"amount_{column}", int((amounts or {}).get(wire, 0)))
    if bucket:
        from django.db import transaction

        from settlements.services.buckets import assign_open_buckets

        with transaction.atomic():
            assign_open_buckets([transfer], settled_too=True)
            transfer.save()
    else:
        transfer.save()
    return transfer
