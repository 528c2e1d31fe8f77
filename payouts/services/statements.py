"""정산 내역서: the PDF of a succeeded payout, e-mailed to the partner's contact, with its status
on the payout (UNSENT → SEND_PREPARED → SENT / SEND_FAILED), a resend and a download
(docs/payouts.md#settlement-statements).

The payouts core calls `statement_after_success(payout_ids)` when payouts succeed (inside its
transaction is fine: the sends are enqueued after commit). The admin mounts
`statement_pdf_response(payout)` for the download and calls `statements_resend(payout_ids)` from
its action. `statement_send` is the django-q2 target (`SEND_TASK`); it sends each payout once even
when the broker hands a task out twice (row lock + status check).
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django_q.tasks import async_task

from payouts.domain.statement import (
    PayoutRow,
    SettlementRow,
    Statement,
    TransferRow,
    build_statement,
)
from payouts.models import Payout, PayoutStatus, SettlementStatementStatus, new_public_id
from settlements.models import PartnerSettlement, Transfer

logger = logging.getLogger(__name__)

#: the django-q2 target: one chunk of payout pks per task
SEND_TASK = "payouts.services.statements.statements_send"
#: payouts per task: 10,000 successes are 400 enqueues, each task a few seconds of rendering
SEND_CHUNK = 25
DEFAULT_TEMPLATE = "payouts/statement.html"
#: the transfers listed under each settlement; the rest are counted in its subtotal
DEFAULT_MAX_TRANSFER_LINES = 300

Status = SettlementStatementStatus


# --- Building -----------------------------------------------------------------------------------


def _transfer_row(t: Transfer) -> TransferRow:
    order_name = t.payment.order_name if t.payment_id and t.payment else ""
    return TransferRow(
        public_id=t.public_id,
        type=t.type,
        settlement_start_date=t.settlement_start_date,
        settlement_date=t.settlement_date,
        description=order_name or t.memo or t.payment_public_id or "",
        payment_amount=t.amount_payment,
        fee_amount=t.amount_platform_fee
        + t.amount_platform_fee_vat
        + t.amount_additional_fee
        + t.amount_additional_fee_vat,
        settlement_amount=t.amount_settlement,
        settlement_tax_free_amount=t.amount_settlement_tax_free,
    )


def _settlement_rows(payout: Payout, max_lines: int) -> list[SettlementRow]:
    settlements = list(
        PartnerSettlement.objects.filter(payout_links__payout=payout)
        .select_related("contract")
        .order_by("settlement_date", "id")
    )
    sums = {
        row["partner_settlement_id"]: row
        for row in Transfer.objects.filter(partner_settlement__in=settlements)
        .values("partner_settlement_id")
        .annotate(
            n=Count("id"),
            amount=Sum("amount_settlement"),
            tax_free=Sum("amount_settlement_tax_free"),
        )
        .order_by()
    }
    rows = []
    for s in settlements:
        total = sums.get(s.pk, {"n": 0, "amount": 0, "tax_free": 0})
        transfers = (
            Transfer.objects.filter(partner_settlement=s)
            .select_related("payment")
            .order_by("settlement_start_date", "settlement_date", "id")[:max_lines]
        )
        rows.append(
            SettlementRow(
                public_id=s.public_id,
                type=s.settlement_type,
                settlement_date=s.settlement_date,
                contract_name=s.contract.name if s.contract_id else "",
                period_from=s.settlement_start_date_from,
                period_until=s.settlement_start_date_until,
                settlement_amount=s.amount_settlement,
                settlement_tax_free_amount=s.amount_settlement_tax_free,
                transfer_count=total["n"],
                transfer_sum=total["amount"] or 0,
                transfer_tax_free_sum=total["tax_free"] or 0,
                transfers=[_transfer_row(t) for t in transfers],
            )
        )
    return rows


def statement_build(payout: Payout) -> Statement:
    """The statement of a payout, from its snapshot, its settlements and their transfers. What
    does not add up is logged (and kept in `Statement.discrepancies`), never printed."""
    partner = payout.partner
    row = PayoutRow(
        public_id=payout.public_id,
        bulk_payout_name=payout.bulk_payout.name,
        currency=payout.currency,
        amount=payout.amount,
        supply_amount=payout.supply_amount,
        vat_amount=payout.vat_amount,
        tax_free_amount=payout.tax_free_amount,
        settlement_amount=payout.settlement_amount,
        settlement_tax_free_amount=payout.settlement_tax_free_amount,
        income_tax_amount=payout.income_tax_amount,
        local_income_tax_amount=payout.local_income_tax_amount,
        deduct_wht=payout.deduct_wht,
        partner_name=payout.partner_name or partner.name,
        partner_type=payout.partner_type or partner.partner_type,
        taxation_type=payout.partner_taxation_type,
        company_name=partner.company_name,
        representative_name=partner.representative_name,
        business_registration_number=partner.business_registration_number,
        birthdate=partner.birthdate,
        bank=payout.account_bank,
        masked_account_number=payout.masked_account_number,
        account_holder=payout.account_holder,
        paid_at=payout.status_updated_at if payout.status == PayoutStatus.SUCCEEDED else None,
    )
    max_lines = getattr(settings, "STATEMENT_MAX_TRANSFER_LINES", DEFAULT_MAX_TRANSFER_LINES)
    statement = build_statement(
        row,
        _settlement_rows(payout, max_lines),
        statement_id=payout.settlement_statement_id or "",
    )
    if statement.discrepancies:
        logger.warning(
            "statement of payout %s does not add up: %s",
            payout.public_id,
            "; ".join(statement.discrepancies),
        )
    return statement


@lru_cache(maxsize=4)
def _logo_data_uri(path: str, mtime: float) -> str:
    mime = mimetypes.guess_type(path)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(Path(path).read_bytes()).decode()}"


def company_logo_uri() -> str:
    """STATEMENT_COMPANY_LOGO as a data URI (the same in the PDF and an HTML preview), "" when
    unset or missing."""
    path = getattr(settings, "STATEMENT_COMPANY_LOGO", "") or ""
    if not path:
        return ""
    file = Path(path)
    if not file.is_file():
        logger.warning("STATEMENT_COMPANY_LOGO %s is not a file", path)
        return ""
    return _logo_data_uri(str(file.resolve()), file.stat().st_mtime)


def statement_context(payout: Payout, statement: Statement | None = None) -> dict:
    """What the statement template reads (documented in docs/payouts.md#settlement-statements)."""
    return {
        "statement": statement or statement_build(payout),
        "payout": payout,
        "company_name": getattr(settings, "STATEMENT_COMPANY_NAME", "") or "",
        "company_logo": company_logo_uri(),
        "issued_at": timezone.localtime(),
    }


def statement_html(payout: Payout, statement: Statement | None = None) -> str:
    template = getattr(settings, "STATEMENT_TEMPLATE", "") or DEFAULT_TEMPLATE
    return render_to_string(template, statement_context(payout, statement))


_renderer = threading.local()


def _font_config():
    """One WeasyPrint FontConfiguration per thread, kept: a new one per document (the default)
    loads fontconfig's set again, about 15 % of a statement's CPU (bench/statements.py). Per
    thread because WeasyPrint does not promise thread safety."""
    config = getattr(_renderer, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _renderer.font_config = FontConfiguration()
    return config


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported on first use: a web process that never renders skips it

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=_font_config())


def statement_pdf(payout: Payout) -> bytes:
    return render_pdf(statement_html(payout))


def statement_filename(payout: Payout) -> str:
    """정산내역서_<partner>_<date>_<payout id>.pdf (no path separators)."""
    day = timezone.localtime(payout.status_updated_at).strftime("%Y%m%d")
    name = "".join(c for c in payout.partner_name if c not in '/\\:*?"<>|').strip() or "partner"
    return f"정산내역서_{name}_{day}_{payout.public_id}.pdf"


def statement_pdf_response(payout: Payout, *, as_attachment: bool = True) -> HttpResponse:
    """The download for the admin: the PDF with a Korean filename (RFC 6266 filename*)."""
    response = HttpResponse(statement_pdf(payout), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment, statement_filename(payout)
    )
    return response


# --- Sending ------------------------------------------------------------------------------------


def _enqueue(payout_pks: Sequence[int]) -> None:
    pks = list(payout_pks)
    if not pks:
        return

    def send() -> None:
        # One transaction for the tasks: with the ORM broker each is an INSERT, committed one
        # by one otherwise (400 commits for a bulk payout of 10,000).
        with transaction.atomic():
            for i in range(0, len(pks), SEND_CHUNK):
                async_task(SEND_TASK, pks[i : i + SEND_CHUNK], task_name=f"statements-{pks[i]}")

    transaction.on_commit(send)


def statement_after_success(payout_ids: Iterable[int]) -> int:
    """Payouts that have just SUCCEEDED (pks): those whose statement is UNSENT become
    SEND_PREPARED and are e-mailed in the background after commit. Idempotent: calling it twice
    for a payout enqueues nothing the second time. Returns the number prepared."""
    ids = list(payout_ids)
    if not ids:
        return 0
    chosen = list(
        Payout.objects.filter(
            pk__in=ids, status=PayoutStatus.SUCCEEDED, settlement_statement_status=Status.UNSENT
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    prepared = _prepare(chosen, from_statuses=(Status.UNSENT,))
    _enqueue(prepared)
    return len(prepared)


def _prepare(pks: Sequence[int], *, from_statuses: Sequence[str]) -> list[int]:
    """-> SEND_PREPARED, with a statement id for those that have none yet."""
    if not pks:
        return []
    now = timezone.now()
    Payout.objects.filter(pk__in=pks, settlement_statement_status__in=from_statuses).update(
        settlement_statement_status=Status.SEND_PREPARED, updated_at=now
    )
    _number(pks)
    return list(
        Payout.objects.filter(pk__in=pks, settlement_statement_status=Status.SEND_PREPARED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _number(pks: Sequence[int]) -> None:
    """A statement id for each of `pks` that has none. On PostgreSQL one UPDATE joined to the
    new ids (unnest): Django's bulk_update writes a CASE over every row, which for a bulk payout
    of 10,000 was a third of its statement step (bench/bulk_payout.py)."""
    if connection.vendor != "postgresql":
        unnumbered = list(
            Payout.objects.filter(pk__in=pks, settlement_statement_id__isnull=True).only("pk")
        )
        for payout in unnumbered:
            payout.settlement_statement_id = new_public_id()
        Payout.objects.bulk_update(unnumbered, ["settlement_statement_id"], batch_size=1_000)
        return
    table = connection.ops.quote_name(Payout._meta.db_table)
    column = connection.ops.quote_name(Payout._meta.get_field("settlement_statement_id").column)
    key = connection.ops.quote_name(Payout._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = v.sid "
            "FROM unnest(%s::bigint[], %s::text[]) AS v(pk, sid) "
            f"WHERE {table}.{key} = v.pk AND {table}.{column} IS NULL",
            [list(pks), [new_public_id() for _ in pks]],
        )


def statements_resend(payout_ids: Iterable[int]) -> int:
    """The admin's resend: succeeded payouts, whatever their statement status, go back to
    SEND_PREPARED and are e-mailed again in the background. Returns how many; payouts not
    SUCCEEDED are left alone."""
    pks = list(
        Payout.objects.filter(pk__in=list(payout_ids), status=PayoutStatus.SUCCEEDED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    prepared = _prepare(pks, from_statuses=tuple(Status.values))
    _enqueue(prepared)
    return len(prepared)


def statement_message(payout: Payout, pdf: bytes) -> EmailMessage:
    company = getattr(settings, "STATEMENT_COMPANY_NAME", "") or ""
    day = timezone.localtime(payout.status_updated_at).strftime("%Y-%m-%d")
    prefix = f"[{company}] " if company else ""
    amount = (
        f"{payout.amount:,}원"
        if payout.currency == "KRW"
        else f"{payout.amount:,} {payout.currency}"
    )
    body = (
        f"{payout.partner.contact_name or payout.partner_name}님, 안녕하세요.\n\n"
        f"{day}에 지급된 정산금의 정산 내역서를 첨부합니다.\n\n"
        f"지급금액: {amount}\n"
        f"지급 아이디: {payout.public_id}\n\n"
        f"{company}\n"
    )
    message = EmailMessage(
        subject=f"{prefix}정산 내역서 ({day}) - {payout.partner_name}",
        body=body,
        from_email=getattr(settings, "STATEMENT_FROM_EMAIL", "") or settings.DEFAULT_FROM_EMAIL,
        to=[payout.partner.contact_email],
    )
    message.attach(statement_filename(payout), pdf, "application/pdf")
    return message


def statement_send(payout_pk: int) -> str | None:
    """Render and e-mail one prepared statement; returns the status it set (SENT or SEND_FAILED),
    None when the statement was not SEND_PREPARED (already sent by another run, or reset).

    Only a SEND_PREPARED statement is sent, under the payout's row lock, so a task handed out
    twice sends once. The backend raising (or no contact address) gives SEND_FAILED."""
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update(of=("self",))
            .select_related("partner", "bulk_payout")
            .filter(pk=payout_pk)
            .first()
        )
        if payout is None or payout.settlement_statement_status != Status.SEND_PREPARED:
            return None
        status = Status.SENT
        try:
            if not payout.partner.contact_email:
                raise ValueError("partner has no contact e-mail")
            statement_message(payout, statement_pdf(payout)).send(fail_silently=False)
        except Exception:
            logger.exception("settlement statement of payout %s not sent", payout.public_id)
            status = Status.SEND_FAILED
        now = timezone.now()
        issued = {"settlement_statement_issued_at": now} if status == Status.SENT else {}
        Payout.objects.filter(pk=payout_pk).update(
            settlement_statement_status=status, updated_at=now, **issued
        )
        return status


def statements_send(payout_pks: Sequence[int]) -> dict[str, int]:
    """The django-q2 target: each payout on its own (one failure does not stop the others)."""
    counts: dict[str, int] = {}
    for pk in payout_pks:
        status = statement_send(pk) or "SKIPPED"
        counts[status] = counts.get(status, 0) + 1
    return counts
