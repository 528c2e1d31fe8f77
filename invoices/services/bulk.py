"""Bulk reverse issuance (일괄 역발행 요청) from payouts or an uploaded sheet
(docs/invoices.md#bulk-requests-from-payouts).

From payouts (`bulk_from_payouts`, source PLATFORM): one REVERSE, TAXABLE invoice per eligible
payout — supplier = the partner's NTS-connected counterparty, recipient = our own company, one
item of `supplyCostAmount = payout.supply_amount`, `taxAmount = payout.vat_amount`; write date =
today (KST); purpose 청구 (INVOICE) for a payout not yet paid, 영수 (RECEIPT) for a SUCCEEDED one.
Eligible: a BUSINESS partner of taxation NORMAL or SIMPLE_TAX_INVOICE_ISSUER (none counts as
NORMAL), `vat_amount > 0`, the payout not CANCELLED/STOPPED, and no live invoice yet
(`tax_invoice_status` NONE or a refused / cancelled / failed one). Every other payout is skipped
and counted by reason (`selection["skipped"]`); a selection with nothing eligible is refused.

From a sheet (`bulk_from_sheet`, source SHEET): the rows invoices/files/bulk_sheet.py checked.

The work (`_build`) is set-based and runs in ONE transaction for the whole bulk, by chunks of
CHUNK payouts: the chunk's payouts read under lock (re-checked: one taken meanwhile is skipped),
invoices written by COPY on PostgreSQL (bulk_create elsewhere) directly as REQUESTED, their two
history rows each (DRAFT, REQUEST, as `transitions.apply` writes them one by one) likewise, the
payouts' `tax_invoice_id/status` set by one UPDATE, one `TaxInvoice.Requested` webhook emission
and `notifications.queue_requests` per chunk (the invoices' link fields are written with them,
so the request messages are the only rows it adds). A failure rolls the whole bulk back and
marks it FAILED with the error: there is never a half-built bulk, and running it again (`run`)
on a bulk that is no longer REQUEST_PENDING does nothing.

Small selections run inline in the caller's transaction; more than INVOICE_BULK_INLINE_MAX
(1,000) payouts are built by the django-q2 task `invoices.tasks.run_bulk` (the bulk waits as
REQUEST_PENDING meanwhile, the payouts to build in `selection["payoutPks"]`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_q.tasks import async_task

from core import pgcopy
from core.errors import Invalid, NotFound
from core.outbound.services import emit
from invoices.domain import documents
from invoices.domain.statuses import (
    Action,
    BulkSourceType,
    BulkStatus,
    IssuanceType,
    NtsConnectionStatus,
    PurposeType,
    Status,
    TaxationType,
)
from invoices.models import (
    BulkTaxInvoice,
    Counterparty,
    OwnCompany,
    TaxInvoice,
    TaxInvoiceEvent,
    new_public_id,
)
from invoices.services import notifications, own_company, transitions

logger = logging.getLogger(__name__)

RUN_TASK = "invoices.tasks.run_bulk"
CHUNK = 5_000
ITEM_NAME = "플랫폼 정산 대금"

#: the payout's tax_invoice_status from which a (new) invoice may be requested
REQUESTABLE = frozenset(
    {
        "NONE",
        Status.REQUEST_REFUSED,
        Status.REQUEST_CANCELLED,
        Status.ISSUANCE_CANCELLED,
        Status.DRAFT_FAILED,
        Status.REQUEST_FAILED,
        Status.ISSUE_FAILED,
    }
)
VAT_TAXATION_TYPES = frozenset({"NORMAL", "SIMPLE_TAX_INVOICE_ISSUER", None, ""})
CLOSED_PAYOUT_STATUSES = frozenset({"CANCELLED", "STOPPED"})

#: why a payout got no invoice -> what the page and the answer say
SKIP_REASONS = {
    "NOT_BUSINESS": "사업자 파트너가 아님",
    "NOT_TAX_INVOICE_ISSUER": "세금계산서 발행 과세유형이 아님 (간이·면세)",
    "NO_VAT": "부가세가 없음",
    "PAYOUT_CLOSED": "취소·중단된 지급",
    "HAS_INVOICE": "이미 세금계산서가 있음",
    "NOT_CONNECTED": "국세청 연동된 거래처가 없음",
}


def inline_max() -> int:
    """Selections of more payouts than this are built in the background (the setting)."""
    return max(0, settings.INVOICE_BULK_INLINE_MAX)


# --- what one invoice is made of ----------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    """One checked row of an uploaded sheet (invoices/files/bulk_sheet.py)."""

    row: int  # as the spreadsheet shows it
    counterparty_pk: int
    write_date: date
    supply_amount: int
    tax_amount: int
    item_name: str = ITEM_NAME
    remark: str = ""
    purpose_type: str = PurposeType.INVOICE
    payout_pk: int | None = None


@dataclass(frozen=True)
class _Line:
    counterparty: Counterparty
    write_date: date
    supply_amount: int
    tax_amount: int
    item_name: str
    remarks: tuple[str, ...]
    purpose_type: str
    payout_pk: int | None = None


def _clean(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Empty values dropped, and a contact without e-mail (the SDK's contact needs one)."""
    out = {k: v for k, v in snapshot.items() if v not in (None, "")}
    contact = {k: v for k, v in (out.get("contact") or {}).items() if v not in (None, "")}
    if contact.get("email"):
        out["contact"] = contact
    else:
        out.pop("contact", None)
    return out


def supplier_snapshot(cp: Counterparty) -> dict[str, Any]:
    return _clean(
        {
            "brn": cp.brn,
            "counterpartyId": cp.public_id,
            "taxRegistrationId": cp.tax_registration_id,
            "name": cp.company_name,
            "representativeName": cp.representative_name,
            "address": cp.address,
            "businessType": cp.business_type,
            "businessClass": cp.business_class,
            "contact": {
                "email": cp.contact_email,
                "name": cp.contact_name,
                "phoneNumber": cp.contact_phone,
            },
        }
    )


def recipient_snapshot(company: OwnCompany) -> dict[str, Any]:
    return _clean(
        {
            "brn": company.brn,
            "taxRegistrationId": company.tax_registration_id,
            "name": company.company_name,
            "representativeName": company.representative_name,
            "address": company.address,
            "businessType": company.business_type,
            "businessClass": company.business_class,
            "contact": {
                "email": company.contact_email,
                "name": company.contact_name,
                "department": company.contact_department,
                "phoneNumber": company.contact_phone,
            },
        }
    )


def _calendar():
    from settlements.services.rules import calendar

    return calendar()


def today_kst(now: datetime | None = None) -> date:
    return documents.kst_date(now or timezone.now())


# --- the selection ------------------------------------------------------------------------------


def _selected(
    *,
    payout_ids: Sequence[str] | None,
    bulk_payout_public_id: str | None,
    filter,
    is_for_test: bool,
):
    """(payouts queryset, the bulk payout or None, what was asked — for `selection`)."""
    from payouts.models import Payout
    from payouts.selectors import bulk_payout_get, payouts, with_statuses

    given = [x is not None for x in (payout_ids, bulk_payout_public_id, filter)]
    if sum(given) != 1:
        raise Invalid(
            "INVALID_REQUEST",
            "bulkPayoutId, payoutIds, payoutFilter 중 정확히 하나를 지정해야 합니다.",
        )
    if bulk_payout_public_id is not None:
        bulk_payout = bulk_payout_get(bulk_payout_public_id, is_for_test=is_for_test)
        qs = Payout.objects.filter(bulk_payout=bulk_payout)
        return qs, bulk_payout, {"bulkPayoutId": bulk_payout_public_id}
    if payout_ids is not None:
        ids = list(dict.fromkeys(payout_ids))
        if not ids:
            raise Invalid("INVALID_REQUEST", "payoutIds: 지급 아이디가 하나 이상 필요합니다.")
        qs = Payout.objects.filter(is_for_test=is_for_test, public_id__in=ids)
        found = set(qs.values_list("public_id", flat=True))
        missing = [i for i in ids if i not in found]
        if missing:
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            raise NotFound(
                "PLATFORM_PAYOUT_NOT_FOUND",
                f"지급을 찾을 수 없습니다 ({len(missing):,}건): {shown}",
            )
        return qs, None, {"payoutIds": len(ids)}
    qs = with_statuses(payouts(is_for_test=is_for_test, f=filter), filter.statuses)
    return qs, None, {"payoutFilter": True}


def classify(rows: Iterable[tuple], connected: set[int]) -> tuple[list[int], Counter]:
    """(eligible payout pks, skipped counts by reason) of payout rows (pk, partner_id,
    partner_type, partner_taxation_type, vat_amount, status, tax_invoice_status)."""
    eligible: list[int] = []
    skipped: Counter = Counter()
    for pk, partner_pk, kind, taxation, vat, status, invoice_status in rows:
        if kind != "BUSINESS":
            skipped["NOT_BUSINESS"] += 1
        elif taxation not in VAT_TAXATION_TYPES:
            skipped["NOT_TAX_INVOICE_ISSUER"] += 1
        elif vat <= 0:
            skipped["NO_VAT"] += 1
        elif status in CLOSED_PAYOUT_STATUSES:
            skipped["PAYOUT_CLOSED"] += 1
        elif invoice_status not in REQUESTABLE:
            skipped["HAS_INVOICE"] += 1
        elif partner_pk not in connected:
            skipped["NOT_CONNECTED"] += 1
        else:
            eligible.append(pk)
    return eligible, skipped


_PAYOUT_COLUMNS = (
    "pk",
    "partner_id",
    "partner_type",
    "partner_taxation_type",
    "vat_amount",
    "status",
    "tax_invoice_status",
)


#: what `supplier_snapshot` and the invoice read of a counterparty: the other two dozen columns
#: were five times the read's time at 100,000 invoices
SNAPSHOT_FIELDS = (
    "public_id",
    "brn",
    "tax_registration_id",
    "company_name",
    "representative_name",
    "address",
    "business_type",
    "business_class",
    "contact_email",
    "contact_name",
    "contact_phone",
    "partner_id",
)


def _connected_partners(partner_pks: Iterable[int]) -> dict[int, Counterparty]:
    """partner pk -> its NTS-connected, live counterparty (the snapshot's fields only)."""
    pks = list(set(partner_pks))
    out: dict[int, Counterparty] = {}
    for start in range(0, len(pks), CHUNK):
        for cp in Counterparty.objects.filter(
            partner_id__in=pks[start : start + CHUNK],
            deleted_at__isnull=True,
            nts_connection_status=NtsConnectionStatus.CONNECTED,
        ).only(*SNAPSHOT_FIELDS):
            out[cp.partner_id] = cp
    return out


def _connected_partner_ids(partner_pks: Iterable[int]) -> set[int]:
    """`_connected_partners` without building the counterparties (the request only counts)."""
    pks = list(set(partner_pks))
    out: set[int] = set()
    for start in range(0, len(pks), CHUNK):
        out.update(
            Counterparty.objects.filter(
                partner_id__in=pks[start : start + CHUNK],
                deleted_at__isnull=True,
                nts_connection_status=NtsConnectionStatus.CONNECTED,
            ).values_list("partner_id", flat=True)
        )
    return out


def skipped_text(skipped: dict[str, int]) -> str:
    return ", ".join(f"{SKIP_REASONS.get(k, k)} {v:,}건" for k, v in skipped.items() if v)


def bulk_from_payouts(
    *,
    payout_ids: Sequence[str] | None = None,
    bulk_payout_public_id: str | None = None,
    filter=None,
    is_for_test: bool,
    actor: str,
    name: str | None = None,
) -> BulkTaxInvoice:
    """일괄 역발행 요청 from payouts: exactly one of `payout_ids` (public ids),
    `bulk_payout_public_id` and `filter` (a payouts.selectors.PayoutFilter, its `statuses`
    included). Creates the BulkTaxInvoice (PLATFORM) and builds it now (INVOICE_BULK_INLINE_MAX
    payouts or fewer) or in the background. Refuses (400) when no payout is eligible, naming why
    each was skipped."""
    own_company.configured_own_company()  # refused now rather than in the background
    qs, bulk_payout, asked = _selected(
        payout_ids=payout_ids,
        bulk_payout_public_id=bulk_payout_public_id,
        filter=filter,
        is_for_test=is_for_test,
    )
    rows = list(qs.order_by("id").values_list(*_PAYOUT_COLUMNS))
    connected = _connected_partner_ids(r[1] for r in rows)
    eligible, skipped = classify(rows, connected)
    if not rows:
        raise Invalid("INVALID_REQUEST", "선택한 지급이 없습니다.")
    if not eligible:
        raise Invalid(
            "INVALID_REQUEST",
            f"세금계산서를 요청할 수 있는 지급이 없습니다: {skipped_text(skipped)}",
        )
    now = timezone.now()
    bulk = BulkTaxInvoice.objects.create(
        is_for_test=is_for_test,
        name=name or None,
        status=BulkStatus.REQUEST_PENDING,
        status_updated_at=now,
        source_type=BulkSourceType.PLATFORM,
        issuance_type=IssuanceType.REVERSE,
        bulk_payout=bulk_payout,
        selection={
            **asked,
            "payoutPks": eligible,
            "selected": len(rows),
            "skipped": dict(skipped),
        },
        creator_name=actor[:150],
    )
    if len(eligible) > inline_max():
        bulk_pk = bulk.pk
        transaction.on_commit(
            lambda: async_task(RUN_TASK, bulk_pk, task_name=f"bulk-tax-invoice-{bulk_pk}")
        )
        return bulk
    run(bulk.pk, actor=actor)
    bulk.refresh_from_db()
    return bulk


# --- building -------------------------------------------------------------------------------


def run(bulk_pk: int, *, actor: str | None = None) -> int:
    """Build and request the invoices of a REQUEST_PENDING bulk (the background task, or inline).
    Returns the invoices made; 0 when the bulk is not waiting (done, failed, or another worker
    has it). On any error the bulk's invoices are rolled back and it is marked FAILED."""
    try:
        with transaction.atomic():
            bulk = (
                BulkTaxInvoice.objects.select_for_update(skip_locked=True)
                .filter(pk=bulk_pk, status=BulkStatus.REQUEST_PENDING)
                .first()
            )
            if bulk is None:
                return 0
            pks = list((bulk.selection or {}).get("payoutPks") or [])
            made, skipped = _build_from_payouts(bulk, pks, actor=actor or _actor(bulk))
            _finish(bulk, made, skipped)
            return made
    except Exception as exc:
        logger.exception("bulk tax invoice %s failed", bulk_pk)
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        now = timezone.now()
        BulkTaxInvoice.objects.filter(pk=bulk_pk, status=BulkStatus.REQUEST_PENDING).update(
            status=BulkStatus.FAILED, status_updated_at=now, error=message[:500], updated_at=now
        )
        return 0


def resume_stale(*, older_than_seconds: int = 120) -> int:
    """Run the bulks still REQUEST_PENDING a while after they were made: their task was lost (a
    worker killed mid-run rolls its transaction back, so nothing of it stays). Safe beside a
    running task: `run` skips a bulk another worker holds. Returns the invoices made."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pks = BulkTaxInvoice.objects.filter(
        status=BulkStatus.REQUEST_PENDING, created_at__lte=cutoff
    ).values_list("pk", flat=True)
    return sum(run(pk) for pk in list(pks))


def _actor(bulk: BulkTaxInvoice) -> str:
    return bulk.creator_name or "system"


def _finish(bulk: BulkTaxInvoice, made: int, skipped: Counter) -> None:
    """The totals of what was made; COMPLETED (every invoice requested)."""
    from django.db.models import Count, Sum

    totals = TaxInvoice.objects.filter(bulk=bulk).aggregate(
        n=Count("id"), amount=Sum("total_amount")
    )
    now = timezone.now()
    selection = dict(bulk.selection or {})
    if skipped:
        merged = Counter(selection.get("skipped") or {})
        merged.update(skipped)
        selection["skipped"] = dict(merged)
    selection.pop("payoutPks", None)
    selection["made"] = made
    bulk.selection = selection
    bulk.total_invoice_count = totals["n"] or 0
    bulk.total_amount = totals["amount"] or 0
    bulk.status = BulkStatus.COMPLETED if made else BulkStatus.FAILED
    if not made:
        bulk.error = f"세금계산서를 요청할 수 있는 지급이 없습니다: {skipped_text(skipped)}"[:500]
    bulk.status_updated_at = now
    bulk.requested_at = now
    bulk.save()


def _build_from_payouts(
    bulk: BulkTaxInvoice, payout_pks: list[int], *, actor: str
) -> tuple[int, Counter]:
    from payouts.models import Payout

    company = own_company.configured_own_company()
    context = _Context(bulk, company, actor)
    made = 0
    skipped: Counter = Counter()
    for start in range(0, len(payout_pks), CHUNK):
        chunk = payout_pks[start : start + CHUNK]
        rows = list(
            Payout.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("id")
            .values_list(*_PAYOUT_COLUMNS, "supply_amount", "public_id")
        )
        connected = _connected_partners(r[1] for r in rows)
        eligible, skip = classify((r[:7] for r in rows), set(connected))
        skipped.update(skip)
        skipped["GONE"] += len(chunk) - len(rows)
        keep = set(eligible)
        lines = [
            _Line(
                counterparty=connected[r[1]],
                write_date=context.today,
                supply_amount=r[7],
                tax_amount=r[4],
                item_name=ITEM_NAME,
                remarks=(f"지급 {r[8]}",),
                purpose_type=(PurposeType.RECEIPT if r[5] == "SUCCEEDED" else PurposeType.INVOICE),
                payout_pk=r[0],
            )
            for r in rows
            if r[0] in keep
        ]
        made += context.write(lines)
    if not skipped["GONE"]:
        del skipped["GONE"]
    return made, +skipped


class _Context:
    """What every invoice of a bulk shares: the recipient, the stamps, the writers."""

    def __init__(self, bulk: BulkTaxInvoice, company: OwnCompany, actor: str) -> None:
        self.bulk = bulk
        self.actor = actor[:200]
        self.now = timezone.now()
        self.today = today_kst(self.now)
        self.calendar = _calendar()
        self.recipient = recipient_snapshot(company)
        self.recipient_text = json.dumps(self.recipient)
        self.supplier_texts: dict[int, str] = {}
        self.suppliers: dict[int, dict] = {}
        self.due_dates: dict[date, date] = {}

    def _due(self, write_date: date) -> date:
        if write_date not in self.due_dates:
            self.due_dates[write_date] = documents.issuance_due_date(write_date, self.calendar)
        return self.due_dates[write_date]

    def _supplier(self, cp: Counterparty) -> dict:
        if cp.pk not in self.suppliers:
            self.suppliers[cp.pk] = supplier_snapshot(cp)
            self.supplier_texts[cp.pk] = json.dumps(self.suppliers[cp.pk])
        return self.suppliers[cp.pk]

    def invoice(self, line: _Line) -> TaxInvoice:
        public_id = new_public_id()
        supplier = self._supplier(line.counterparty)
        total = line.supply_amount + line.tax_amount
        invoice = TaxInvoice(
            public_id=public_id,
            is_for_test=self.bulk.is_for_test,
            status=Status.REQUESTED,
            status_updated_at=self.now,
            issuance_type=IssuanceType.REVERSE,
            taxation_type=TaxationType.TAXABLE,
            purpose_type=line.purpose_type,
            write_date=line.write_date,
            issuance_due_date=self._due(line.write_date),
            total_supply_amount=line.supply_amount,
            total_tax_amount=line.tax_amount,
            total_amount=total,
            remarks=list(line.remarks),
            items=[
                {
                    "purchaseDate": line.write_date.isoformat(),
                    "name": line.item_name,
                    "supplyCostAmount": line.supply_amount,
                    "taxAmount": line.tax_amount,
                }
            ],
            additional_contacts=[],
            supplier=supplier,
            recipient=self.recipient,
            supplier_brn=supplier["brn"],
            supplier_name=supplier["name"],
            supplier_representative_name=supplier["representativeName"],
            supplier_email=(supplier.get("contact") or {}).get("email", ""),
            supplier_counterparty=line.counterparty,
            recipient_brn=self.recipient["brn"],
            recipient_name=self.recipient["name"],
            recipient_representative_name=self.recipient["representativeName"],
            supplier_document_key=documents.document_key(public_id, "SUPPLIER"),
            recipient_document_key=documents.document_key(public_id, "RECIPIENT"),
            bulk=self.bulk,
            payout_id=line.payout_pk,
            drafted_at=self.now,
            requested_at=self.now,
        )
        # the link of its request, sent in this transaction: written by the COPY itself
        return notifications.with_link_fields(invoice, self.now)

    def _events(self, invoices: Sequence[TaxInvoice]) -> list[TaxInvoiceEvent]:
        out = []
        for inv in invoices:
            out.append(
                TaxInvoiceEvent(
                    invoice_id=inv.pk,
                    at=self.now,
                    action=Action.DRAFT,
                    from_status="",
                    to_status=Status.DRAFTED,
                    actor=self.actor,
                    memo="",
                    details={"bulkTaxInvoiceId": self.bulk.public_id},
                )
            )
            out.append(
                TaxInvoiceEvent(
                    invoice_id=inv.pk,
                    at=self.now,
                    action=Action.REQUEST,
                    from_status=Status.DRAFTED,
                    to_status=Status.REQUESTED,
                    actor=self.actor,
                    memo="",
                    details={},
                )
            )
        return out

    def write(self, lines: Sequence[_Line]) -> int:
        """One chunk: invoices, their history, payouts, webhook events, request e-mails."""
        if not lines:
            return 0
        invoices = [self.invoice(line) for line in lines]
        if pgcopy.is_available():
            pgcopy.copy_objects(TaxInvoice, invoices, json_texts=self._json_texts)
            pgcopy.copy_objects(TaxInvoiceEvent, self._events(invoices))
        else:
            TaxInvoice.objects.bulk_create(invoices, batch_size=500)
            TaxInvoiceEvent.objects.bulk_create(self._events(invoices), batch_size=500)
        _link_payouts(invoices, self.now)
        emit(
            transitions.event_type_for(Action.REQUEST, Status.REQUESTED),
            [transitions.event_data(inv) for inv in invoices],
            is_for_test=self.bulk.is_for_test,
        )
        notifications.queue_requests(invoices)
        return len(invoices)

    def _json_texts(self, inv: TaxInvoice) -> dict[str, str]:
        return {
            "supplier": self.supplier_texts[inv.supplier_counterparty_id],
            "recipient": self.recipient_text,
        }


def _link_payouts(invoices: Sequence[TaxInvoice], now: datetime) -> None:
    """payout.tax_invoice_id / tax_invoice_status of each invoice's payout (what
    transitions.link_payout does for one): one UPDATE on PostgreSQL."""
    from payouts.models import Payout

    pairs = [(inv.payout_id, inv.public_id) for inv in invoices if inv.payout_id is not None]
    if not pairs:
        return
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        table = quote(Payout._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS p SET tax_invoice_id = v.tid, tax_invoice_status = %s, "
                "updated_at = %s FROM unnest(%s::bigint[], %s::text[]) AS v(id, tid) "
                "WHERE p.id = v.id",
                [Status.REQUESTED.value, now, [p for p, _ in pairs], [t for _, t in pairs]],
            )
        return
    for payout_pk, public_id in pairs:
        Payout.objects.filter(pk=payout_pk).update(
            tax_invoice_id=public_id, tax_invoice_status=Status.REQUESTED, updated_at=now
        )


# --- from a sheet -------------------------------------------------------------------------------


def connected_counterparties(
    *, brns: Iterable[str], partner_ids: Iterable[str], is_for_test: bool
) -> tuple[dict[str, Counterparty], dict[str, Counterparty]]:
    """(by BRN, by partner id) the live NTS-connected counterparties a sheet names; of several
    sharing a BRN, the oldest."""
    by_brn: dict[str, Counterparty] = {}
    by_partner: dict[str, Counterparty] = {}
    alive = Counterparty.objects.filter(
        is_for_test=is_for_test,
        deleted_at__isnull=True,
        nts_connection_status=NtsConnectionStatus.CONNECTED,
    )
    brns, partner_ids = list(set(brns)), list(set(partner_ids))
    for start in range(0, len(brns), CHUNK):
        for cp in alive.filter(brn__in=brns[start : start + CHUNK]).order_by("-id"):
            by_brn[cp.brn] = cp
    for start in range(0, len(partner_ids), CHUNK):
        for cp in alive.filter(
            partner__public_id__in=partner_ids[start : start + CHUNK]
        ).select_related("partner"):
            by_partner[cp.partner.public_id] = cp
    return by_brn, by_partner


def bulk_from_sheet(
    rows: Sequence[SheetRow], *, is_for_test: bool, actor: str, name: str | None = None
) -> BulkTaxInvoice:
    """일괄 역발행 요청 from checked sheet rows (source SHEET), all in the caller's transaction:
    every row becomes a REQUESTED invoice, or none does."""
    if not rows:
        raise Invalid("INVALID_REQUEST", "요청할 행이 없습니다.")
    company = own_company.configured_own_company()
    cps = {
        cp.pk: cp
        for cp in Counterparty.objects.filter(
            pk__in={r.counterparty_pk for r in rows},
            deleted_at__isnull=True,
            nts_connection_status=NtsConnectionStatus.CONNECTED,
        )
    }
    for r in rows:
        if r.counterparty_pk not in cps:
            raise Invalid(
                "B2B_COUNTERPARTY_NTS_NOT_CONNECTED",
                f"{r.row}행: 공급자 거래처가 국세청에 연동되어 있지 않습니다.",
            )
    with transaction.atomic():
        now = timezone.now()
        bulk = BulkTaxInvoice.objects.create(
            is_for_test=is_for_test,
            name=name or None,
            status=BulkStatus.REQUEST_PENDING,
            status_updated_at=now,
            source_type=BulkSourceType.SHEET,
            issuance_type=IssuanceType.REVERSE,
            selection={"rows": len(rows)},
            creator_name=actor[:150],
        )
        context = _Context(bulk, company, actor)
        made = 0
        for start in range(0, len(rows), CHUNK):
            made += context.write(
                [
                    _Line(
                        counterparty=cps[r.counterparty_pk],
                        write_date=r.write_date,
                        supply_amount=r.supply_amount,
                        tax_amount=r.tax_amount,
                        item_name=r.item_name or ITEM_NAME,
                        remarks=(r.remark,) if r.remark else (),
                        purpose_type=r.purpose_type,
                    )
                    for r in rows[start : start + CHUNK]
                ]
            )
        _finish(bulk, made, Counter())
    return bulk


def bulk_invoices(bulk: BulkTaxInvoice) -> QuerySet[TaxInvoice]:
    return TaxInvoice.objects.filter(bulk=bulk)
