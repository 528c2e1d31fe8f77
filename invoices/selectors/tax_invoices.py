"""The search of tax invoices: `GET /b2b/tax-invoices`, its sheet, the admin's reads
(docs/invoices.md#search-and-sheet).

`InvoiceSearch` is the validated filter and sort (invoices.inputs.reads builds it from the SDK's
GetB2bTaxInvoicesBodyFilter and B2bTaxInvoiceSortInput). `tax_invoices(search, is_for_test=...)`
answers the queryset, sorted, deleted invoices left out; each list then reads one page with
`select_related` (`SUMMARY_RELATED`), one query per page.

Rules:
* The primary filter is one of: a date filter (the default: registered — `created_at` — in the
  last month up to today, KST), an id, a bulk id, an NTS approval number, a document key, a list
  of ids, a payout id. A key-type primary filter searches every date.
* A date range `{from?, until?}` is inclusive on both days (KST); `until` defaults to today,
  `from` to one month before `until`. Several ranges are OR-ed.
* `partnerBrn` is the other party: the supplier of REVERSE invoices, the recipient of NORMAL ones.
* `counterpartyId` matches either party's counterparty; with `includeBrnMatch` also the invoices
  whose supplier or recipient BRN is that counterparty's BRN (drafted before it was linked).
* Sorting: STATUS_UPDATED_AT DESC unless asked; empty timestamps last in both orders; then the
  newest row first for equal values, so pages are stable.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from invoices.domain.statuses import IssuanceType
from invoices.models import Counterparty, TaxInvoice

DATE_TYPES = ("REGISTER", "WRITE", "ISSUE")
SORT_FIELDS = {
    "WRITE_DATE": "write_date",
    "ISSUANCE_DUE_DATE": "issuance_due_date",
    "TOTAL_AMOUNT": "total_amount",
    "TOTAL_SUPPLY_AMOUNT": "total_supply_amount",
    "TOTAL_TAX_AMOUNT": "total_tax_amount",
    "REQUESTED_AT": "requested_at",
    "ISSUED_AT": "issued_at",
    "NTS_SENT_AT": "nts_sent_at",
    "STATUS_UPDATED_AT": "status_updated_at",
}
SORT_ORDERS = ("DESC", "ASC")
#: what B2bTaxInvoiceSummary and the sheet read besides the invoice row
SUMMARY_RELATED = ("bulk", "payout", "supplier_counterparty", "recipient_counterparty")


@dataclass(frozen=True)
class DateRange:
    from_: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class InvoiceSearch:
    # primary filter: at most one of the key fields; none means the date filter
    date_type: str = "REGISTER"
    date_ranges: tuple[DateRange, ...] = ()
    tax_invoice_id: str | None = None
    bulk_tax_invoice_id: str | None = None
    nts_approval_number: str | None = None
    supplier_document_key: str | None = None
    recipient_document_key: str | None = None
    tax_invoice_ids: tuple[str, ...] | None = None
    payout_id: str | None = None
    # secondary filters
    supplier_brn: str | None = None
    partner_brn: str | None = None
    statuses: tuple[str, ...] = ()
    taxation_types: tuple[str, ...] = ()
    document_modification_types: tuple[str, ...] = ()
    is_delayed: bool | None = None
    issuance_types: tuple[str, ...] = ()
    purpose_types: tuple[str, ...] = ()
    counterparty_id: str | None = None
    include_brn_match: bool = False
    # sort
    sort_by: str = "STATUS_UPDATED_AT"
    sort_order: str = "DESC"

    @property
    def has_key_filter(self) -> bool:
        return any(
            value is not None
            for value in (
                self.tax_invoice_id,
                self.bulk_tax_invoice_id,
                self.nts_approval_number,
                self.supplier_document_key,
                self.recipient_document_key,
                self.tax_invoice_ids,
                self.payout_id,
            )
        )


def months_before(day: date, months: int = 1) -> date:
    """The same day `months` earlier, the month's last day when it has fewer (03-31 -> 02-28)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def resolved_range(r: DateRange, today: date | None = None) -> tuple[date, date]:
    """(from, until), both inclusive, defaults applied."""
    until = r.until or today or timezone.localdate()
    return (r.from_ or months_before(until), until)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _date_q(search: InvoiceSearch) -> Q:
    ranges = search.date_ranges or (DateRange(),)
    q = Q(pk__in=[])
    for r in ranges:
        start, end = resolved_range(r)
        if search.date_type == "WRITE":
            q |= Q(write_date__gte=start, write_date__lte=end)
        else:
            field = "issued_at" if search.date_type == "ISSUE" else "created_at"
            q |= Q(
                **{
                    f"{field}__gte": _day_start(start),
                    f"{field}__lt": _day_start(end + timedelta(days=1)),
                }
            )
    return q


def _primary(qs: QuerySet, s: InvoiceSearch) -> QuerySet:
    if not s.has_key_filter:
        return qs.filter(_date_q(s))
    exact = {
        "public_id": s.tax_invoice_id,
        "bulk__public_id": s.bulk_tax_invoice_id,
        "nts_approval_number": s.nts_approval_number,
        "supplier_document_key": s.supplier_document_key,
        "recipient_document_key": s.recipient_document_key,
        "payout__public_id": s.payout_id,
    }
    qs = qs.filter(**{k: v for k, v in exact.items() if v is not None})
    if s.tax_invoice_ids is not None:
        qs = qs.filter(public_id__in=list(s.tax_invoice_ids))
    return qs


def _counterparty_q(s: InvoiceSearch, is_for_test: bool) -> Q:
    cp = s.counterparty_id
    q = Q(supplier_counterparty__public_id=cp) | Q(recipient_counterparty__public_id=cp)
    if s.include_brn_match:
        brns = Counterparty.objects.filter(is_for_test=is_for_test, public_id=cp).values("brn")
        q |= Q(supplier_brn__in=brns) | Q(recipient_brn__in=brns)
    return q


def order_by(s: InvoiceSearch) -> list:
    field = F(SORT_FIELDS.get(s.sort_by, "status_updated_at"))
    if s.sort_order == "ASC":
        return [field.asc(nulls_last=True), F("id").asc()]
    return [field.desc(nulls_last=True), F("id").desc()]


def tax_invoices(search: InvoiceSearch, *, is_for_test: bool) -> QuerySet[TaxInvoice]:
    """The invoices `search` finds in this mode, sorted; deleted ones never."""
    s = search
    qs = TaxInvoice.objects.filter(is_for_test=is_for_test, deleted_at__isnull=True)
    qs = _primary(qs, s)
    simple = {
        "status__in": s.statuses,
        "taxation_type__in": s.taxation_types,
        "document_modification_type__in": s.document_modification_types,
        "issuance_type__in": s.issuance_types,
        "purpose_type__in": s.purpose_types,
    }
    qs = qs.filter(**{k: list(v) for k, v in simple.items() if v})
    if s.supplier_brn:
        qs = qs.filter(supplier_brn=s.supplier_brn)
    if s.partner_brn:
        qs = qs.filter(
            Q(issuance_type=IssuanceType.REVERSE, supplier_brn=s.partner_brn)
            | Q(issuance_type=IssuanceType.NORMAL, recipient_brn=s.partner_brn)
        )
    if s.is_delayed is not None:
        qs = qs.filter(is_delayed=True) if s.is_delayed else qs.exclude(is_delayed=True)
    if s.counterparty_id:
        qs = qs.filter(_counterparty_q(s, is_for_test))
    return qs.order_by(*order_by(s))
