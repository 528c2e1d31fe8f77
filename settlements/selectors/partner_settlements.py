"""Partner settlements as lists show them: the filter the API, the admin and exports share, and
the counts by status (computed without the status criterion, docs/api.md, "Counts")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet

from payouts.selectors import bulk_payout_settlement_ids, payout_settlement_ids
from settlements.models import PartnerSettlement
from settlements.selectors.partners import tagged


@dataclass(frozen=True)
class PartnerSettlementFilter:
    settlement_dates: tuple[date, ...] = ()
    contract_ids: tuple[str, ...] = ()
    partner_tags: tuple[str, ...] = ()
    settlement_currencies: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    partner_ids: tuple[str, ...] = ()
    settlement_types: tuple[str, ...] = ()
    partner_settlement_id: str | None = None
    payout_id: str | None = None
    bulk_payout_id: str | None = None


def partner_settlements(*, is_for_test: bool, f: PartnerSettlementFilter) -> QuerySet:
    """Every criterion except `statuses` (see `with_statuses`), so counts can ignore it."""
    qs = PartnerSettlement.objects.filter(is_for_test=is_for_test)
    simple = {
        "settlement_date__in": f.settlement_dates,
        "contract__public_id__in": f.contract_ids,
        "settlement_currency__in": f.settlement_currencies,
        "partner__public_id__in": f.partner_ids,
        "settlement_type__in": f.settlement_types,
    }
    qs = qs.filter(**{lookup: values for lookup, values in simple.items() if values})
    if f.partner_tags:
        qs = qs.filter(partner_id__in=tagged(f.partner_tags))
    if f.partner_settlement_id is not None:
        qs = qs.filter(public_id=f.partner_settlement_id)
    if f.bulk_payout_id is not None:
        qs = qs.filter(pk__in=bulk_payout_settlement_ids(f.bulk_payout_id, is_for_test=is_for_test))
    if f.payout_id is not None:
        qs = qs.filter(pk__in=payout_settlement_ids(f.payout_id, is_for_test=is_for_test))
    return qs


def with_statuses(qs: QuerySet, f: PartnerSettlementFilter) -> QuerySet:
    return qs.filter(status__in=f.statuses) if f.statuses else qs


def status_counts(qs: QuerySet) -> dict[str, int]:
    return dict(
        qs.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
