"""Demo contracts and policies for `make run` (ids start with `demo-`)."""

from core.versioning import services as versioning
from policies import services
from policies.models import Contract, CycleMethod, DatePolicy, FeeType, Payer


def load() -> int:
    if Contract.objects.filter(public_id="demo-standard").exists():
        return 0
    contracts = [
        (
            "demo-standard",
            "기본 계약 (수수료 10.8%, 월말 정산)",
            10_800,
            CycleMethod.MONTHLY,
            {"days_of_month": [31]},
            DatePolicy.HOLIDAY_BEFORE,
            3,
        ),
        (
            "demo-weekly",
            "주간 정산 (수수료 5%, 매주 목요일)",
            5_000,
            CycleMethod.WEEKLY,
            {"days_of_week": ["THU"]},
            DatePolicy.HOLIDAY_AFTER,
            4,
        ),
        (
            "demo-daily",
            "일 정산 (수수료 3.5%)",
            3_500,
            CycleMethod.DAILY,
            {},
            DatePolicy.HOLIDAY_AFTER,
            1,
        ),
    ]
    for public_id, name, rate, method, days, policy, lag in contracts:
        versioning.entity_create(
            services.CONTRACT,
            public_id=public_id,
            is_for_test=False,
            terms={
                "name": name,
                "memo": None,
                "fee_type": FeeType.FIXED_RATE,
                "fee_rate": rate,
                "fee_amount": None,
                "lag_days": lag,
                "date_policy": policy,
                "cycle_method": method,
                "days_of_week": days.get("days_of_week", []),
                "days_of_month": days.get("days_of_month", []),
                "manual_dates": [],
                "platform_fee_vat_payer": Payer.PARTNER,
                "subtract_payment_vat_amount": False,
            },
        )
    for public_id, name, rate in (
        ("demo-coupon-half", "쿠폰 50% 분담", 50_000),
        ("demo-coupon-none", "플랫폼 부담 쿠폰", 0),
    ):
        versioning.entity_create(
            services.DISCOUNT_SHARE_POLICY,
            public_id=public_id,
            is_for_test=False,
            terms={"name": name, "memo": None, "partner_share_rate": rate},
        )
    for public_id, name, fee in (
        ("demo-fulfilment", "풀필먼트 수수료", ("FIXED_AMOUNT", 1_500)),
        ("demo-marketing", "광고 채널 수수료 2%", ("FIXED_RATE", 2_000)),
    ):
        versioning.entity_create(
            services.ADDITIONAL_FEE_POLICY,
            public_id=public_id,
            is_for_test=False,
            terms={
                "name": name,
                "memo": None,
                "fee_type": fee[0],
                "fee_rate": fee[1] if fee[0] == "FIXED_RATE" else None,
                "fee_amount": fee[1] if fee[0] == "FIXED_AMOUNT" else None,
                "vat_payer": Payer.PARTNER,
            },
        )
    return 7
