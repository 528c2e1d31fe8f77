"""The one way a payout selects partner settlements, shared by complete-payout, the bulk-payout
preview and bulk-payout creation: the same checks in the same order, the same refusals
(docs/payouts.md#selection).

1. exactly one of ids or filter;
2. ids: something selected (PLATFORM_NO_SELECTED_PARTNER_SETTLEMENTS), no id twice
   (PLATFORM_DUPLICATED_PARTNER_SETTLEMENT_IDS);
3. (the caller's own check, e.g. the bulk payout id, through `before_load`);
4. ids: every id known (PLATFORM_PARTNER_SETTLEMENTS_NOT_FOUND), every settlement payable
   (PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS); filter: the payable settlements it matches, at
   least one (PLATFORM_NO_SELECTED_PARTNER_SETTLEMENTS);
5. per partner × currency the net S and its tax-free part T; a negative S refuses everything
   (PLATFORM_NEGATIVE_PAYOUT_AMOUNT_PARTNERS, on the wire PLATFORM_CURRENCY_NOT_SUPPORTED).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.errors import Invalid, Kind, invalid
from partners.models import Partner
from settlements.models import (
    PAYABLE_SETTLEMENT_STATUSES,
    PartnerSettlement,
    TransferType,
)
from settlements.selectors.partner_settlements import PartnerSettlementFilter, partner_settlements
from settlements.services.partner_settlements import load_for_update, settlements_refusal


@dataclass(frozen=True)
class Selection:
    """What to pay: `partner_settlement_ids` (in order) or `filter` (the partner-settlement list
    filter; its statuses, if any, are narrowed to the payable ones). Exactly one of the two."""

    is_for_test: bool
    partner_settlement_ids: tuple[str, ...] | None = None
    filter: PartnerSettlementFilter | None = None

    @classmethod
    def of_ids(cls, ids: Sequence[str], *, is_for_test: bool) -> Selection:
        return cls(is_for_test=is_for_test, partner_settlement_ids=tuple(ids))

    @classmethod
    def of_filter(cls, f: PartnerSettlementFilter, *, is_for_test: bool) -> Selection:
        return cls(is_for_test=is_for_test, filter=f)


@dataclass
class PayoutGroup:
    """One future payout: a partner, a currency, its settlements and their net."""

    partner: Partner
    currency: str
    settlements: list[PartnerSettlement] = field(default_factory=list)
    net_settlement: int = 0  # S
    net_settlement_tax_free: int = 0  # T


def check_ids(ids: Sequence[str]) -> None:
    if not ids:
        raise Invalid("PLATFORM_NO_SELECTED_PARTNER_SETTLEMENTS", "지급할 정산 내역을 선택하세요.")
    if len(set(ids)) != len(ids):
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        raise Invalid(
            "PLATFORM_DUPLICATED_PARTNER_SETTLEMENT_IDS",
            f"정산 내역 아이디가 중복됩니다: {', '.join(duplicated)}",
        )


def _by_ids(ids: list[str], is_for_test: bool, lock: bool) -> list[PartnerSettlement]:
    if lock:
        settlements = load_for_update(ids, is_for_test)
    else:
        rows = {
            s.public_id: s
            for s in PartnerSettlement.objects.filter(is_for_test=is_for_test, public_id__in=ids)
        }
        missing = [i for i in ids if i not in rows]
        if missing:
            raise settlements_refusal(
                "PLATFORM_PARTNER_SETTLEMENTS_NOT_FOUND",
                "정산 내역을 찾을 수 없습니다",
                Kind.NOT_FOUND,
                missing,
            )
        settlements = [rows[i] for i in ids]
    non_payable = [s.public_id for s in settlements if s.status not in PAYABLE_SETTLEMENT_STATUSES]
    if non_payable:
        raise settlements_refusal(
            "PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS",
            "지급할 수 없는 상태의 정산 내역입니다",
            Kind.INVALID,
            non_payable,
        )
    return settlements


def _by_filter(
    f: PartnerSettlementFilter, is_for_test: bool, lock: bool
) -> list[PartnerSettlement]:
    statuses = [
        s for s in (f.statuses or PAYABLE_SETTLEMENT_STATUSES) if s in PAYABLE_SETTLEMENT_STATUSES
    ]
    qs = partner_settlements(is_for_test=is_for_test, f=f).filter(status__in=statuses)
    if lock:
        qs = qs.select_for_update()
    settlements = list(qs.order_by("id"))
    if not settlements:
        raise Invalid(
            "PLATFORM_NO_SELECTED_PARTNER_SETTLEMENTS",
            "조건에 맞는 지급 가능한 정산 내역이 없습니다.",
        )
    return settlements


def net_sign(settlement: PartnerSettlement) -> int:
    """ORDER_CANCEL amounts are positive and subtracted (docs/payouts.md#net-settlement)."""
    return -1 if settlement.settlement_type == TransferType.ORDER_CANCEL else 1


def group_by_partner(settlements: Sequence[PartnerSettlement]) -> list[PayoutGroup]:
    """Per partner × currency, in order of first appearance; refuses a negative net."""
    partners = Partner.objects.in_bulk({s.partner_id for s in settlements})
    groups: dict[tuple[int, str], PayoutGroup] = {}
    for s in settlements:
        key = (s.partner_id, s.settlement_currency)
        group = groups.get(key)
        if group is None:
            group = groups[key] = PayoutGroup(partner=partners[s.partner_id], currency=key[1])
        sign = net_sign(s)
        group.settlements.append(s)
        group.net_settlement += sign * s.amount_settlement
        group.net_settlement_tax_free += sign * s.amount_settlement_tax_free
    negative = sorted(
        (g for g in groups.values() if g.net_settlement < 0),
        key=lambda g: (g.partner.pk, g.currency),
    )
    if negative:
        detail = ", ".join(
            f"{g.partner.public_id} {g.currency} {g.net_settlement}" for g in negative
        )
        # PortOne's API answers this under another type; core.api.errors.WIRE_TYPES maps it.
        raise Invalid(
            "PLATFORM_NEGATIVE_PAYOUT_AMOUNT_PARTNERS",
            f"지급 금액의 총합이 음수인 파트너가 있습니다 (상계 후 지급 불가): {detail}",
        )
    return list(groups.values())


def select_payable(
    selection: Selection,
    *,
    lock: bool = True,
    before_load: Callable[[], None] | None = None,
) -> list[PayoutGroup]:
    """The checks of the module docstring, in order; `lock` (inside a transaction, after
    `lock_partner_settlements()`) takes the selected rows FOR UPDATE."""
    ids = selection.partner_settlement_ids
    if (ids is None) == (selection.filter is None):
        raise invalid("partnerSettlementIds와 filter 중 정확히 하나를 지정하세요.")
    if ids is not None:
        check_ids(list(ids))
    if before_load is not None:
        before_load()
    if ids is not None:
        settlements = _by_ids(list(ids), selection.is_for_test, lock)
    else:
        settlements = _by_filter(selection.filter, selection.is_for_test, lock)
    return group_by_partner(settlements)
