"""The partner's page behind the e-mailed link of a reverse-issuance request
(docs/invoices.md#the-partner-page): `/tax-invoices/r/<token>/`.

No account, no password: the signed link, then the supplier's business registration number
(`brn`). Until that number is typed the page shows nothing of the invoice; a wrong one answers
403 with the form again and changes nothing; a tampered or unknown link 404; an expired or
superseded one 410. With the right number (remembered in the session for this link) the page
shows the invoice in the NTS layout and lets the partner approve (issue), refuse with a reason,
or cancel the issuance before it is transmitted; below, the partner's recent payouts, its
settlement statements (signed downloads) and its other invoices.

Plain forms with Django's CSRF token, no JavaScript (the CSP allows none without a nonce).
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from invoices.domain.statuses import LABELS, Action, IssuanceType, Status, allowed
from invoices.models import TaxInvoice
from invoices.services import links, tax_invoices
from payouts.models import Payout, PayoutStatus
from payouts.services import statements

logger = logging.getLogger(__name__)

SESSION_KEY = "invoice_links"
DOCUMENT_TEMPLATE = "invoices/_document.html"
RECENT = 20
REASON_MAX = 500
#: the history as the partner reads it
ACTION_LABELS = {
    Action.DRAFT: "작성",
    Action.UPDATE_DRAFT: "수정",
    Action.REQUEST: "역발행 요청",
    Action.RESEND_REQUEST: "요청 재발송",
    Action.ISSUE: "발행",
    Action.REFUSE: "발행 거부",
    Action.CANCEL_REQUEST: "요청 취소",
    Action.CANCEL_ISSUANCE: "발행 취소",
    Action.SEND_TO_NTS: "국세청 전송 시작",
    Action.NTS_PROGRESS: "국세청 전송",
    Action.DELETE: "삭제",
}


# --- the link and the number ---------------------------------------------------------------------


def _refused(request: HttpRequest, refusal: links.LinkRefused) -> HttpResponse:
    if refusal.reason is links.Refusal.TAMPERED:
        title = _("링크를 찾을 수 없습니다")
        message = _(
            "주소가 잘못되었거나 더 이상 없는 세금계산서입니다. "
            "받은 메일의 링크를 다시 확인해 주세요."
        )
    elif refusal.reason is links.Refusal.SUPERSEDED:
        title = _("새 링크가 발송되었습니다")
        message = _(
            "이 요청은 다시 발송되어 예전 링크는 더 이상 쓸 수 없습니다. "
            "가장 최근에 받은 메일의 링크를 열어 주세요."
        )
    else:
        title = _("링크가 만료되었습니다")
        message = _("유효 기간이 지난 링크입니다. 요청한 회사에 다시 발송을 요청해 주세요.")
    return render(
        request,
        "invoices/portal/error.html",
        {"title": title, "message": message},
        status=refusal.status,
    )


def _verified_brn(request: HttpRequest, invoice: TaxInvoice) -> str | None:
    """The number this browser typed for this link, when it is (still) the right one."""
    entry = request.session.get(SESSION_KEY, {}).get(str(invoice.pk))
    if not isinstance(entry, dict) or entry.get("v") != invoice.link_version:
        return None
    brn = entry.get("brn")
    return brn if links.check_brn(invoice, brn) else None


def _remember(request: HttpRequest, invoice: TaxInvoice, brn: str) -> None:
    known = dict(request.session.get(SESSION_KEY, {}))
    known[str(invoice.pk)] = {"v": invoice.link_version, "brn": brn}
    request.session[SESSION_KEY] = known
    request.session.cycle_key()


def _brn_form(
    request: HttpRequest, token: str, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "invoices/portal/brn.html",
        {"token": token, "error": error, "action": reverse("invoice_pages:link", args=[token])},
        status=status,
    )


def _page_url(token: str) -> str:
    return reverse("invoice_pages:link", args=[token])


@require_http_methods(["GET", "POST"])
def link_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invoice = links.verify(token)
    except links.LinkRefused as refusal:
        return _refused(request, refusal)
    if request.method == "POST":
        return _check_number(request, token, invoice)
    if _verified_brn(request, invoice) is None:
        return _brn_form(request, token)
    return _invoice_page(request, token, invoice)


def _check_number(request: HttpRequest, token: str, invoice: TaxInvoice) -> HttpResponse:
    if links.is_locked(invoice):
        return _brn_form(
            request,
            token,
            error=_("잘못된 번호를 너무 많이 입력했습니다. 한 시간 뒤에 다시 시도해 주세요."),
            status=429,
        )
    typed = request.POST.get("brn", "")
    if not links.check_brn(invoice, typed):
        links.record_wrong_brn(invoice)
        if not links.digits(typed):
            error = _("사업자등록번호를 입력해 주세요.")
        else:
            error = _(
                "사업자등록번호가 일치하지 않습니다. 공급자(귀사)의 번호 10자리를 입력해 주세요."
            )
        return _brn_form(request, token, error=error, status=403)
    brn = links.digits(typed)
    _remember(request, invoice, brn)
    if invoice.opened_at is None:
        TaxInvoice.objects.filter(pk=invoice.pk, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )
    return HttpResponseRedirect(_page_url(token), status=303)


# --- the page ----------------------------------------------------------------------------------


def _has_document_template() -> bool:
    try:
        get_template(DOCUMENT_TEMPLATE)
    except TemplateDoesNotExist:
        return False
    return True


def _partner_of(invoice: TaxInvoice):
    counterparty = invoice.supplier_counterparty
    return counterparty.partner if counterparty is not None else None


def _invoice_page(request: HttpRequest, token: str, invoice: TaxInvoice) -> HttpResponse:
    partner = _partner_of(invoice)
    payouts: list[Payout] = []
    statement_rows: list[dict] = []
    if partner is not None:
        payouts = list(
            Payout.objects.filter(partner=partner, is_for_test=invoice.is_for_test)
            .select_related("bulk_payout")
            .order_by("-status_updated_at", "-id")[:RECENT]
        )
        statement_rows = [
            {
                "payout": p,
                "url": reverse(
                    "invoice_pages:link_statement",
                    args=[token, links.statement_token(invoice, p.pk)],
                ),
            }
            for p in payouts
            if p.status == PayoutStatus.SUCCEEDED
        ]
    others = list(
        TaxInvoice.objects.filter(
            supplier_brn=invoice.supplier_brn,
            is_for_test=invoice.is_for_test,
            deleted_at__isnull=True,
        )
        .exclude(pk=invoice.pk)
        .order_by("-write_date", "-id")[:RECENT]
    )
    status = Status(invoice.status)
    is_reverse = invoice.issuance_type == IssuanceType.REVERSE
    context = {
        "token": token,
        "invoice": invoice,
        "status_label": LABELS.get(status, invoice.status),
        "is_issued": invoice.issued_at is not None and status != Status.ISSUANCE_CANCELLED,
        "can_approve": is_reverse and allowed(Action.ISSUE, status),
        "can_refuse": is_reverse and allowed(Action.REFUSE, status),
        "can_cancel": is_reverse and allowed(Action.CANCEL_ISSUANCE, status),
        "has_document": _has_document_template(),
        "events": [
            (
                event.at,
                ACTION_LABELS.get(event.action, event.action),
                LABELS.get(event.to_status, event.to_status),
            )
            for event in invoice.events.order_by("at", "id")
        ],
        "partner": partner,
        "payouts": payouts,
        "statements": statement_rows,
        "other_invoices": [(o, LABELS.get(Status(o.status), o.status)) for o in others],
        "reason_max": REASON_MAX,
        "supplier": invoice.supplier or {},
        "recipient": invoice.recipient or {},
    }
    return render(request, "invoices/portal/invoice.html", context)


# --- what the partner does ---------------------------------------------------------------------


def _act(request: HttpRequest, token: str, run) -> HttpResponse:
    """Common to the three buttons: the link, the number, then `run(invoice, actor)`; a refusal
    of the service (wrong status, …) is a message on the page, never an error page."""
    try:
        invoice = links.verify(token)
    except links.LinkRefused as refusal:
        return _refused(request, refusal)
    brn = _verified_brn(request, invoice)
    if brn is None:
        return _brn_form(
            request,
            token,
            error=_("사업자등록번호를 먼저 입력해 주세요."),
            status=403,
        )
    try:
        done = run(invoice, f"partner:{brn}")
    except DomainError as exc:
        messages.error(request, _friendly(exc))
    except Exception:  # never an error page for the partner; the team sees the log
        logger.exception("partner action on invoice %s failed", invoice.pk)
        messages.error(request, _("처리하지 못했습니다. 잠시 후 다시 시도해 주세요."))
    else:
        if done:
            messages.success(request, done)
    return HttpResponseRedirect(_page_url(token), status=303)


def _friendly(exc: DomainError) -> str:
    code = getattr(exc, "code", "")
    if code in ("B2B_TAX_INVOICE_NOT_REQUESTED_STATUS", "B2B_TAX_INVOICE_NOT_DRAFTED_STATUS"):
        return _("이미 처리된 요청입니다. 현재 상태를 확인해 주세요.")
    if code == "B2B_TAX_INVOICE_NOT_ISSUED_STATUS":
        return _("국세청에 전송되었거나 발행 상태가 아니어서 발행을 취소할 수 없습니다.")
    return exc.message or _("처리할 수 없는 요청입니다.")


def _reason(request: HttpRequest) -> str:
    return " ".join((request.POST.get("reason") or "").split())[:REASON_MAX]


@require_POST
def approve(request: HttpRequest, token: str) -> HttpResponse:
    def run(invoice: TaxInvoice, actor: str) -> str:
        tax_invoices.issue(invoice, actor=actor)
        return _("발행했습니다. 국세청 전송은 다음 영업일에 자동으로 진행됩니다.")

    return _act(request, token, run)


@require_POST
def refuse(request: HttpRequest, token: str) -> HttpResponse:
    reason = _reason(request)

    def run(invoice: TaxInvoice, actor: str) -> str:
        if not reason:
            messages.error(request, _("거부 사유를 입력해 주세요."))
            return ""
        tax_invoices.refuse(invoice, actor=actor, memo=reason)
        return _("발행 요청을 거부했습니다.")

    return _act(request, token, run)


@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    reason = _reason(request)

    def run(invoice: TaxInvoice, actor: str) -> str:
        if not reason:
            messages.error(request, _("취소 사유를 입력해 주세요."))
            return ""
        tax_invoices.cancel_issuance(invoice, actor=actor, memo=reason)
        return _("발행을 취소했습니다.")

    return _act(request, token, run)


def statement(request: HttpRequest, token: str, ref: str) -> HttpResponse:
    """The PDF of one of the partner's settlement statements (a signed, short-lived reference
    made for this link on its page)."""
    try:
        invoice = links.verify(token)
    except links.LinkRefused as refusal:
        return _refused(request, refusal)
    if _verified_brn(request, invoice) is None:  # the reference alone is not enough
        return _brn_form(
            request, token, error=_("사업자등록번호를 먼저 입력해 주세요."), status=403
        )
    payout_pk = links.statement_payout_pk(invoice, ref)
    partner = _partner_of(invoice)
    payout = None
    if payout_pk is not None and partner is not None:
        payout = (
            Payout.objects.filter(
                pk=payout_pk,
                partner=partner,
                is_for_test=invoice.is_for_test,
                status=PayoutStatus.SUCCEEDED,
            )
            .select_related("partner", "bulk_payout")
            .first()
        )
    if payout is None:
        return render(
            request,
            "invoices/portal/error.html",
            {
                "title": _("내려받을 수 없습니다"),
                "message": _(
                    "내려받기 링크가 만료되었습니다. 세금계산서 페이지를 다시 열어 주세요."
                ),
                "back": _page_url(token),
            },
            status=410,
        )
    try:
        return statements.statement_pdf_response(payout)
    except Exception:
        logger.exception("statement of payout %s not rendered", payout.public_id)
        return render(
            request,
            "invoices/portal/error.html",
            {
                "title": _("정산 내역서를 만들지 못했습니다"),
                "message": _("잠시 후 다시 시도해 주세요."),
                "back": _page_url(token),
            },
            status=503,
        )


urlpatterns = [
    path("r/<str:token>/", link_page, name="link"),
    path("r/<str:token>/approve", approve, name="link_approve"),
    path("r/<str:token>/refuse", refuse, name="link_refuse"),
    path("r/<str:token>/cancel", cancel, name="link_cancel"),
    path("r/<str:token>/statements/<str:ref>/", statement, name="link_statement"),
]
