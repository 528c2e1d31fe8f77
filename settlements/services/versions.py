"""Which contract and policy versions a transfer is computed with: those in force at
max(now, settlement start 00:00 KST) (docs/versioning.md, "Which version a transfer uses"), as
calculation terms plus the SDK-shaped snapshot the transfer keeps of each.

`VersionCache` looks a version up once per (entity, start date) for a batch of 10^5 rows;
`resolve_versions` is the one-off lookup of a single recomputation. Both build `Versions` with
`entity_version` and `versions_of`, so a batch and a single call freeze the same snapshot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from core.versioning import services as versioning
from policies import selectors as policy_selectors
from policies import services as policy_services
from policies.models import Contract
from settlements.domain import calculation as calc
from settlements.domain import codec
from settlements.services.refusals import refusal


@dataclass
class Versions:
    terms: calc.SettlementTerms
    contract: dict[str, Any]  # SDK-shaped snapshot (PlatformContract)
    discount_policies: dict[str, dict]  # id -> snapshot (PlatformDiscountSharePolicy)
    fee_policies: dict[str, dict]  # id -> snapshot (PlatformAdditionalFeePolicy)
    contract_terms: dict[str, Any]  # the contract version's terms (its cycle dates the transfer)


@dataclass(frozen=True)
class EntityVersion:
    """One contract or policy version: its calculation terms, snapshot and raw terms."""

    calc_terms: Any
    snapshot: dict[str, Any]
    terms: dict[str, Any]


def version_moment(start: date) -> datetime:
    """The moment whose versions apply: max(now, start date 00:00 KST)."""
    start_at = timezone.make_aware(datetime.combine(start, time.min))
    return max(timezone.now(), start_at)


def _fee(terms: dict[str, Any]) -> calc.Fee:
    return calc.Fee(terms["fee_type"], rate=terms["fee_rate"], amount=terms["fee_amount"])


def entity_version(kind: versioning.Kind, entity: Any, at: datetime) -> EntityVersion:
    terms, applied = versioning.terms_at(kind, entity, at)
    if kind is policy_services.CONTRACT:
        return EntityVersion(
            calc.ContractTerms(
                _fee(terms), terms["platform_fee_vat_payer"], terms["subtract_payment_vat_amount"]
            ),
            policy_selectors.contract_snapshot(entity, terms, applied),
            terms,
        )
    if kind is policy_services.DISCOUNT_SHARE_POLICY:
        return EntityVersion(
            calc.DiscountSharePolicyTerms(terms["partner_share_rate"]),
            policy_selectors.discount_share_policy_snapshot(entity, terms, applied),
            terms,
        )
    return EntityVersion(
        calc.AdditionalFeePolicyTerms(_fee(terms), terms["vat_payer"]),
        policy_selectors.additional_fee_policy_snapshot(entity, terms, applied),
        terms,
    )


def versions_of(
    contract: EntityVersion, shares: dict[str, EntityVersion], fees: dict[str, EntityVersion]
) -> Versions:
    return Versions(
        terms=calc.SettlementTerms(
            contract=contract.calc_terms,
            discount_share_policies={pid: v.calc_terms for pid, v in shares.items()},
            additional_fee_policies={pid: v.calc_terms for pid, v in fees.items()},
        ),
        contract=contract.snapshot,
        discount_policies={pid: v.snapshot for pid, v in shares.items()},
        fee_policies={pid: v.snapshot for pid, v in fees.items()},
        contract_terms=dict(contract.terms),
    )


def usable_policies(kind: versioning.Kind, ids: set[str], *, is_for_test: bool) -> dict[str, Any]:
    """Policies by public id; archived ones count as missing (docs/versioning.md, "Archive")."""
    if not ids:
        return {}
    return {
        e.public_id: e
        for e in kind.model.objects.filter(
            public_id__in=ids, is_for_test=is_for_test, is_archived=False
        )
    }


def resolve_versions(
    contract: Contract, share_ids: set[str], fee_ids: set[str], *, at: datetime, is_for_test: bool
) -> Versions:
    """The contract and policy versions in force at `at`; archived or unknown policies are
    refused together, as the policies-not-found refusal of the calculation."""
    kinds = (policy_services.DISCOUNT_SHARE_POLICY, policy_services.ADDITIONAL_FEE_POLICY)
    found: list[dict[str, Any]] = []
    for kind, ids, error in zip(
        kinds,
        (share_ids, fee_ids),
        (calc.DiscountSharePoliciesNotFoundError, calc.AdditionalFeePoliciesNotFoundError),
        strict=True,
    ):
        entities = usable_policies(kind, ids, is_for_test=is_for_test)
        missing = sorted(ids - set(entities))
        if missing:
            raise refusal(error(missing))
        found.append(entities)
    return versions_of(
        entity_version(policy_services.CONTRACT, contract, at),
        {pid: entity_version(kinds[0], entity, at) for pid, entity in found[0].items()},
        {pid: entity_version(kinds[1], entity, at) for pid, entity in found[1].items()},
    )


@dataclass(frozen=True)
class VersionTexts:
    """JSON text of the parts many rows of a batch share (their snapshots embed them)."""

    contract: str = ""
    terms: str = ""


class VersionCache:
    """Versions in force at a start date, looked up once per (entity, date) and assembled as
    `resolve_versions` does. Start dates up to today all mean "now", so they share one key."""

    def __init__(self, *, today: date) -> None:
        self.today = today
        self._moments: dict[date | None, datetime] = {}
        self._entities: dict[tuple[str, int, date | None], EntityVersion] = {}
        self._versions: dict[tuple, tuple[Versions, dict, VersionTexts]] = {}

    def key(self, start: date) -> date | None:
        return start if start > self.today else None

    def _moment(self, key: date | None) -> datetime:
        if key not in self._moments:
            self._moments[key] = version_moment(key or self.today)
        return self._moments[key]

    def _entity(self, kind: versioning.Kind, entity: Any, key: date | None) -> EntityVersion:
        cache_key = (kind.label, entity.pk, key)
        found = self._entities.get(cache_key)
        if found is None:
            found = self._entities[cache_key] = entity_version(kind, entity, self._moment(key))
        return found

    def versions(
        self, contract: Contract, shares: dict[str, Any], fees: dict[str, Any], key: date | None
    ) -> tuple[Versions, dict, VersionTexts]:
        """`Versions`, its `codec.terms_to_json` and their JSON texts for one contract and
        policy set."""
        cache_key = (contract.pk, frozenset(shares), frozenset(fees), key)
        found = self._versions.get(cache_key)
        if found is None:
            versions = versions_of(
                self._entity(policy_services.CONTRACT, contract, key),
                {
                    pid: self._entity(policy_services.DISCOUNT_SHARE_POLICY, e, key)
                    for pid, e in shares.items()
                },
                {
                    pid: self._entity(policy_services.ADDITIONAL_FEE_POLICY, e, key)
                    for pid, e in fees.items()
                },
            )
            terms_json = codec.terms_to_json(versions.terms)
            texts = VersionTexts(
                contract=json.dumps(versions.contract), terms=json.dumps(terms_json)
            )
            found = self._versions[cache_key] = (versions, terms_json, texts)
        return found
