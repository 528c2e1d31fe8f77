"""The refusals of the pure modules (calculation, dates) as core.errors domain errors: the same
code and facts, with the entities they name as references (the API adds their graphqlIds)."""

from __future__ import annotations

from typing import Any

from core.errors import DomainError, Kind, Ref, Refs
from settlements.domain import calculation as calc
from settlements.domain import dates

#: which entity a refusal's `ids` are
_ENTITY_OF_IDS = {
    "PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND": "discount_share_policy",
    "PLATFORM_ADDITIONAL_FEE_POLICIES_NOT_FOUND": "additional_fee_policy",
}
#: which entity a refusal's `id` is
_ENTITY_OF_ID = {
    calc.DiscountSharePolicyIdDuplicatedError: "discount_share_policy",
    calc.AdditionalFixedAmountFeeCurrencyMismatchedError: "additional_fee_policy",
}


def refusal(
    exc: calc.CalculationError | dates.SettlementDateEarlierThanStartDateError,
    *,
    contract_id: str | None = None,
) -> DomainError:
    """`contract_id`: the contract of the transfer, named by a fixed-amount fee refusal."""
    details: dict[str, Any] = {
        key: value
        for key, value in vars(exc).items()
        if not key.startswith("_") and key not in ("args", "requested_quantity")
    }
    entity = _ENTITY_OF_IDS.get(exc.error_type)
    if entity and "ids" in details:
        details["ids"] = Refs.of(entity, details["ids"])
    if "discount_share_policy_id" in details:
        details["discount_share_policy_id"] = Ref(
            "discount_share_policy", details["discount_share_policy_id"]
        )
    entity = _ENTITY_OF_ID.get(type(exc))
    if entity:
        details["id"] = Ref(entity, details["id"])
    if isinstance(exc, calc.ContractFixedAmountFeeCurrencyMismatchedError):
        details["id"] = Ref("contract", contract_id or "")
    return DomainError(
        exc.error_type,
        str(exc),
        kind=Kind(exc.refusal),
        field=getattr(exc, "field", None),
        **details,
    )
