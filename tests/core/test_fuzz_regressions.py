"""Inputs that answered 500, found by fuzzing the API (test_fuzz_api.py and hand-written hostile
variants of valid bodies), each sent again exactly through the API test client: the answer must
be a 4xx in the PortOne shape {type, message}.
"""

from __future__ import annotations

import pytest

from tests.factories import make_contract, make_partner

# A lone UTF-16 surrogate, as JSON allows it to be written (`"\ud800"`): Python's json module
# decodes it to a str that cannot be encoded to UTF-8 again.
LONE_SURROGATE = r'"\ud800"'

CONTRACT = (
    '{"name": "계약", "platformFee": {"fixedRate": 1000}, "settlementCycle": {"lagDays": 3, '
    '"datePolicy": "HOLIDAY_BEFORE", "method": {"daily": {}}}, '
    f'"platformFeeVatPayer": {LONE_SURROGATE}, "subtractPaymentVatAmount": false, "memo": "x"}}'
)
PARTNER = (
    '{"id": "p-new", "name": "가나다 상점", "contact": {"name": "이담당", '
    '"email": "owner@example.com"}, "account": {'
    f'"bank": {LONE_SURROGATE}, "currency": "KRW", "number": "110-123-456789", '
    '"holder": "주식회사 가나다"}, "defaultContractId": "c-1", "tags": ["패션"], '
    '"type": {"whtPayer": {"birthdate": "1990-01-02"}}}'
)
ADDITIONAL_FEE_POLICY = (
    f'{{"name": "풀", "fee": {{"fixedAmount": 100}}, "vatPayer": {LONE_SURROGATE}, "memo": "x"}}'
)
BULK_PAYOUT = (
    '{"payoutAccountId": "x", "name": "n", '
    f'"method": {LONE_SURROGATE}, "partnerSettlementIds": ["ps"]}}'
)

SURROGATE_CASES = [
    ("post", "/platform/contracts", CONTRACT),
    ("patch", "/platform/contracts/c-1", CONTRACT),
    (
        "post",
        "/platform/contracts/c-1/schedule",
        f'{{"update": {CONTRACT}, "appliedAt": "2030-01-01T00:00:00Z"}}',
    ),
    ("post", "/platform/partners", PARTNER),
    ("post", "/platform/partners/batch", f'{{"partners": [{PARTNER}]}}'),
    ("post", "/platform/additional-fee-policies", ADDITIONAL_FEE_POLICY),
    ("post", "/platform/bulk-payouts", BULK_PAYOUT),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), SURROGATE_CASES, ids=[f"{m} {p}" for m, p, _ in SURROGATE_CASES]
)
def test_a_lone_surrogate_in_an_enum_value_is_refused(api_client, method, path, body):
    """Was 500, now refused at the core edge (core.api.views checks parsed JSON), not per app:
    DRF's ChoiceField echoes the value in its message ('"\\ud800"은 올바른 선택이
    아닙니다'), and JSONRenderer raises UnicodeEncodeError encoding that message."""
    make_partner("p-1", contract_id=make_contract("c-1").public_id)
    api_client.raise_request_exception = False

    response = getattr(api_client, method)(path, body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()["type"] == "INVALID_REQUEST"
    assert isinstance(response.json()["message"], str)
