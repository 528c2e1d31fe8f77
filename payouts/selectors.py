"""Payout reads shared by the API, the admin and the partner-settlement filters: bulk payouts,
payouts, account transfers and bulk account transfers with the SDK's list filters, and counts by
status computed without the status criterion (docs/api.md, "Counts").

Time ranges are half-open: `from` ≤ t < `until`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet, Sum

from core.errors import NotFound
from payouts.models import (
    AccountTransfer,
    AccountTransferStatus,
    BulkAccountTransfer,
    BulkPayout,
    Payout,
    PayoutSettlement,
    PayoutStatus,
)
from settlements.models import PartnerSettlement
from settlements.selectors.partners import tagged

BULK_PAYOUT_MARKER = "bulkPayout:"
BULK_PAYOUT_ID_MAX_LENGTH = 100 - len(BULK_PAYOUT_MARKER)


def bulk_payout_marker(bulk_payout_id: str) -> str:
    return f"{BULK_PAYOUT_MARKER}{bulk_payout_id}"


def bulk_payout_settlement_ids(bulk_payout_id: str, *, is_for_test: bool) -> QuerySet:
    """pks of the settlements a bulk payout took: through its payouts' links, and (for
    completions recorded before payouts had models) the settlements' audit history."""
    linked = PayoutSettlement.objects.filter(
        payout__bulk_payout__is_for_test=is_for_test,
        payout__bulk_payout__public_id=bulk_payout_id,
    ).values("partner_settlement_id")
    marked = PartnerSettlement.history.filter(
        is_for_test=is_for_test, history_change_reason=bulk_payout_marker(bulk_payout_id)
    ).values("id")
    return (
        PartnerSettlement.objects.filter(Q(pk__in=linked) | Q(pk__in=marked))
        .values("id")
        .distinct()
    )


def payout_settlement_ids(payout_id: str, *, is_for_test: bool) -> QuerySet:
    """pks of the settlements of one payout (the partner-settlement `payoutId` keyword)."""
    return PayoutSettlement.objects.filter(
        payout__is_for_test=is_for_test, payout__public_id=payout_id
    ).values("partner_settlement_id")


@dataclass(frozen=True)
class TimeRange:
    from_: datetime | None = None
    until: datetime | None = None

    def q(self, field: str) -> Q:
        q = Q()
        if self.from_ is not None:
            q &= Q(**{f"{field}__gte": self.from_})
        if self.until is not None:
            q &= Q(**{f"{field}__lt": self.until})
        return q


def _ranges(qs: QuerySet, **ranges: TimeRange | None) -> QuerySet:
    for field, r in ranges.items():
        if r is not None:
            qs = qs.filter(r.q(field))
    return qs


def status_counts(qs: QuerySet) -> dict[str, int]:
    return dict(
        qs.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )


def with_statuses(qs: QuerySet, statuses: tuple[str, ...]) -> QuerySet:
    return qs.filter(status__in=statuses) if statuses else qs


# --- bulk payouts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkPayoutFilter:
    statuses: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    timestamp_range: TimeRange | None = None
    status_updated_timestamp_range: TimeRange | None = None
    bulk_payout_id: str | None = None


def bulk_payouts(*, is_for_test: bool, f: BulkPayoutFilter) -> QuerySet:
    """Every criterion except `statuses` (with_statuses), newest first."""
    qs = BulkPayout.objects.filter(is_for_test=is_for_test)
    if f.methods:
        qs = qs.filter(method__in=f.methods)
    if f.bulk_payout_id is not None:
        qs = qs.filter(public_id=f.bulk_payout_id)
    return _ranges(
        qs, created_at=f.timestamp_range, status_updated_at=f.status_updated_timestamp_range
    )


def bulk_payout_get(public_id: str, *, is_for_test: bool) -> BulkPayout:
    bulk = BulkPayout.objects.filter(is_for_test=is_for_test, public_id=public_id).first()
    if bulk is None:
        raise NotFound(
            "PLATFORM_BULK_PAYOUT_NOT_FOUND", f"일괄 지급을 찾을 수 없습니다: {public_id}"
        )
    return bulk


def payout_stats(payouts: QuerySet) -> dict[str, dict[str, int]]:
    """{"count": {status: n}, "amount": {status: Σ amount}} for every payout status (0 when
    none): a bulk payout's `payoutStats`."""
    rows = payouts.order_by().values("status").annotate(n=Count("id"), total=Sum("amount"))
    count = dict.fromkeys(PayoutStatus.values, 0)
    amount = dict.fromkeys(PayoutStatus.values, 0)
    for row in rows:
        count[row["status"]] = row["n"]
        amount[row["status"]] = int(row["total"] or 0)
    return {"count": count, "amount": amount}


def bulk_payout_stats(bulk: BulkPayout) -> dict[str, dict[str, int]]:
    return payout_stats(bulk.payouts.all())


# --- payouts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayoutFilter:
    statuses: tuple[str, ...] = ()
    partner_ids: tuple[str, ...] = ()
    payout_account_banks: tuple[str, ...] = ()
    partner_tags: tuple[str, ...] = ()
    payout_currencies: tuple[str, ...] = ()
    payout_ids: tuple[str, ...] = ()
    tax_invoice_statuses: tuple[str, ...] = ()
    partner_types: tuple[str, ...] = ()
    partner_taxation_types: tuple[str, ...] = ()
    settlement_statement_statuses: tuple[str, ...] = ()
    # criteria
    timestamp_range: TimeRange | None = None
    status_updated_timestamp_range: TimeRange | None = None
    scheduled_timestamp_range: TimeRange | None = None
    settlement_statement_issued_timestamp_range: TimeRange | None = None
    payout_id: str | None = None
    bulk_payout_id: str | None = None
    tax_invoice_id: str | None = None
    settlement_statement_id: str | None = None


def payouts(*, is_for_test: bool, f: PayoutFilter) -> QuerySet:
    """Every criterion except `statuses` (with_statuses), newest first. partnerTypes and
    partnerTaxationTypes match the partner as it was at the payout's creation (snapshot)."""
    qs = Payout.objects.filter(is_for_test=is_for_test)
    simple = {
        "partner__public_id__in": f.partner_ids,
        "account_bank__in": f.payout_account_banks,
        "currency__in": f.payout_currencies,
        "public_id__in": f.payout_ids,
        "tax_invoice_status__in": f.tax_invoice_statuses,
        "partner_type__in": f.partner_types,
        "partner_taxation_type__in": f.partner_taxation_types,
        "settlement_statement_status__in": f.settlement_statement_statuses,
    }
    qs = qs.filter(**{lookup: values for lookup, values in simple.items() if values})
    exact = {
        "public_id": f.payout_id,
        "bulk_payout__public_id": f.bulk_payout_id,
        "tax_invoice_id": f.tax_invoice_id,
        "settlement_statement_id": f.settlement_statement_id,
    }
    qs = qs.filter(**{lookup: value for lookup, value in exact.items() if value is not None})
    if f.partner_tags:
        qs = qs.filter(partner_id__in=tagged(f.partner_tags))
    return _ranges(
        qs,
        created_at=f.timestamp_range,
        status_updated_at=f.status_updated_timestamp_range,
        scheduled_at=f.scheduled_timestamp_range,
        settlement_statement_issued_at=f.settlement_statement_issued_timestamp_range,
    )


def payout_get(public_id: str, *, is_for_test: bool) -> Payout:
    payout = Payout.objects.filter(is_for_test=is_for_test, public_id=public_id).first()
    if payout is None:
        raise NotFound("PLATFORM_PAYOUT_NOT_FOUND", f"지급을 찾을 수 없습니다: {public_id}")
    return payout


def payout_settlements(payout: Payout) -> QuerySet:
    """The partner settlements behind a payout (its statement, the admin's detail)."""
    return PartnerSettlement.objects.filter(payout_links__payout=payout).order_by(
        "settlement_date", "id"
    )


# --- account transfers --------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountTransferFilter:
    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    account_transfer_ids: tuple[str, ...] = ()
    trade_timestamp_range: TimeRange | None = None
    created_timestamp_range: TimeRange | None = None
    status_updated_timestamp_range: TimeRange | None = None
    scheduled_timestamp_range: TimeRange | None = None
    account_transfer_id: str | None = None
    bank_account_id: str | None = None
    bulk_account_transfer_id: str | None = None
    payout_id: str | None = None
    depositor_name: str | None = None
    deposit_account_holder: str | None = None
    deposit_memo: str | None = None
    withdrawal_memo: str | None = None


def account_transfers(*, is_for_test: bool, f: AccountTransferFilter) -> QuerySet:
    """Every criterion except `statuses` (with_statuses). Text criteria match a part of the
    text (icontains)."""
    qs = AccountTransfer.objects.filter(is_for_test=is_for_test)
    if f.types:
        qs = qs.filter(type__in=f.types)
    if f.account_transfer_ids:
        qs = qs.filter(public_id__in=f.account_transfer_ids)
    exact = {
        "public_id": f.account_transfer_id,
        "account__public_id": f.bank_account_id,
        "bulk_account_transfer__public_id": f.bulk_account_transfer_id,
        "payout__public_id": f.payout_id,
    }
    qs = qs.filter(**{lookup: value for lookup, value in exact.items() if value is not None})
    texts = {
        "depositor_name__icontains": f.depositor_name,
        "deposit_account_holder__icontains": f.deposit_account_holder,
        "deposit_memo__icontains": f.deposit_memo,
        "withdrawal_memo__icontains": f.withdrawal_memo,
    }
    qs = qs.filter(**{lookup: value for lookup, value in texts.items() if value})
    return _ranges(
        qs,
        traded_at=f.trade_timestamp_range,
        created_at=f.created_timestamp_range,
        status_updated_at=f.status_updated_timestamp_range,
        scheduled_at=f.scheduled_timestamp_range,
    )


def ledger_rows(*, is_for_test: bool) -> QuerySet:
    """The ledger as the admin shows it: the movements that touched the balance, oldest first,
    each with its balance after (deposits, succeeded withdrawals and fees)."""
    return (
        AccountTransfer.objects.filter(is_for_test=is_for_test, balance_after__isnull=False)
        .select_related("partner", "payout", "bulk_payout")
        .order_by("traded_at", "id")
    )


# --- bulk account transfers ---------------------------------------------------------------------


@dataclass(frozen=True)
class BulkAccountTransferFilter:
    statuses: tuple[str, ...] = ()
    timestamp_range: TimeRange | None = None
    status_updated_timestamp_range: TimeRange | None = None
    bulk_account_transfer_id: str | None = None


def bulk_account_transfers(*, is_for_test: bool, f: BulkAccountTransferFilter) -> QuerySet:
    qs = BulkAccountTransfer.objects.filter(is_for_test=is_for_test).select_related("account")
    if f.bulk_account_transfer_id is not None:
        qs = qs.filter(public_id=f.bulk_account_transfer_id)
    return _ranges(
        qs, created_at=f.timestamp_range, status_updated_at=f.status_updated_timestamp_range
    )


def bulk_account_transfer_stats(batch: BulkAccountTransfer) -> dict[str, dict[str, int]]:
    """{"count"|"amount": {account-transfer status: n or Σ}} of its withdrawals."""
    rows = (
        batch.transfers.filter(is_fee=False)
        .order_by()
        .values("status")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    count = dict.fromkeys(AccountTransferStatus.values, 0)
    amount = dict.fromkeys(AccountTransferStatus.values, 0)
    for row in rows:
        count[row["status"]] = row["n"]
        amount[row["status"]] = int(row["total"] or 0)
    return {"count": count, "amount": amount}
