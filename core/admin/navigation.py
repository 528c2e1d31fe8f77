"""The admin's sidebar, by task rather than by Django app (UNFOLD["SIDEBAR"]["navigation"]).

Every entry names a URL and the permission that shows it. An entry whose URL does not exist
(a page of an app that is not installed, or not built yet) is left out rather than breaking the
page, so the sidebar can list what later work adds. Core names URLs only: it imports no app.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Entry:
    title: str
    icon: str
    url: str  # URL name
    permission: str | None = None  # "app.codename"; None: any staff user
    query: str = ""  # e.g. "status__exact=PAYOUT_PREPARED"


def _cl(app: str, model: str) -> str:
    return f"admin:{app}_{model}_changelist"


SECTIONS: tuple[tuple[str, tuple[Entry, ...]], ...] = (
    (
        _("대시보드"),
        (
            Entry(_("홈"), "home", "admin:index"),
            Entry(
                _("정산 대시보드"),
                "monitoring",
                "settlements-dashboard",
                "settlements.view_transfer",
            ),
        ),
    ),
    (
        pgettext_lazy("plural", "파트너"),
        (
            Entry(
                pgettext_lazy("plural", "파트너"),
                "storefront",
                _cl("partners", "partner"),
                "partners.view_partner",
            ),
            Entry(
                _("파트너 등록"),
                "person_add",
                "admin:partners_partner_add",
                "partners.add_partner",
            ),
            Entry(
                _("파트너 일괄 등록·수정"),
                "upload_file",
                "admin:partners_partner_import",
                "partners.add_partner",
            ),
            Entry(
                pgettext_lazy("plural", "사용자 정의 속성"),
                "tune",
                _cl("partners", "userdefinedproperty"),
                "partners.view_userdefinedproperty",
            ),
            Entry(
                _("계좌 확인 기록"),
                "verified_user",
                _cl("partners", "accountverification"),
                "partners.view_accountverification",
            ),
            Entry(
                _("사업자 확인 기록"),
                "domain_verification",
                _cl("partners", "companyverification"),
                "partners.view_companyverification",
            ),
        ),
    ),
    (
        _("정책"),
        (
            Entry(
                pgettext_lazy("plural", "계약"),
                "handshake",
                _cl("policies", "contract"),
                "policies.view_contract",
            ),
            Entry(
                pgettext_lazy("plural", "할인 분담 정책"),
                "percent",
                _cl("policies", "discountsharepolicy"),
                "policies.view_discountsharepolicy",
            ),
            Entry(
                pgettext_lazy("plural", "추가 수수료 정책"),
                "add_card",
                _cl("policies", "additionalfeepolicy"),
                "policies.view_additionalfeepolicy",
            ),
            Entry(
                pgettext_lazy("plural", "플랫폼 설정"),
                "settings",
                _cl("policies", "platformsetting"),
                "policies.view_platformsetting",
            ),
        ),
    ),
    (
        _("정산"),
        (
            Entry(
                pgettext_lazy("plural", "정산건"),
                "receipt_long",
                _cl("settlements", "transfer"),
                "settlements.view_transfer",
            ),
            Entry(
                pgettext_lazy("plural", "정산 내역"),
                "summarize",
                _cl("settlements", "partnersettlement"),
                "settlements.view_partnersettlement",
            ),
            Entry(
                _("수기 정산 등록"),
                "edit_note",
                "admin:settlements_transfer_add",
                "settlements.add_transfer",
            ),
            Entry(
                _("수기 정산 일괄 등록"),
                "upload_file",
                "settlements-manual-upload",
                "settlements.add_transfer",
            ),
            Entry(
                _("주문 정산 파일 등록"),
                "shopping_cart",
                "settlements_order_upload",
                "settlements.add_transfer",
            ),
            Entry(
                _("결제 정보 파일 등록"),
                "credit_card",
                "settlements_payment_upload",
                "settlements.add_payment",
            ),
            Entry(
                pgettext_lazy("plural", "결제"),
                "payments",
                _cl("settlements", "payment"),
                "settlements.view_payment",
            ),
            Entry(
                _("휴무일"),
                "event_busy",
                _cl("settlements", "closedday"),
                "settlements.view_closedday",
            ),
            Entry(
                pgettext_lazy("plural", "정산 파라미터"),
                "data_object",
                _cl("settlements", "settlementparameter"),
                "settlements.view_settlementparameter",
            ),
        ),
    ),
    (
        _("지급"),
        (
            Entry(
                _("지급 예정 정산 내역"),
                "schedule_send",
                _cl("settlements", "partnersettlement"),
                "settlements.view_partnersettlement",
                "status__exact=PAYOUT_PREPARED",
            ),
            Entry(
                _("지급 보류 정산 내역"),
                "pause_circle",
                _cl("settlements", "partnersettlement"),
                "settlements.view_partnersettlement",
                "status__exact=PAYOUT_WITHHELD",
            ),
            Entry(
                _("일괄 지급"),
                "send_money",
                _cl("payouts", "bulkpayout"),
                "payouts.view_bulkpayout",
            ),
            Entry(_("지급"), "payments", _cl("payouts", "payout"), "payouts.view_payout"),
            Entry(
                _("일괄 지급 만들기"),
                "add_card",
                "admin:payouts_bulkpayout_create",
                "payouts.add_bulkpayout",
            ),
            Entry(
                _("지급 계좌·원장"),
                "account_balance",
                _cl("payouts", "accounttransfer"),
                "payouts.view_accounttransfer",
            ),
            Entry(
                _("입금 등록"),
                "savings",
                "admin:payouts_accounttransfer_deposit",
                "payouts.add_accounttransfer",
            ),
        ),
    ),
    (
        _("세금계산서"),
        (
            Entry(
                _("국세청 연동 파트너"),
                "link",
                _cl("partners", "partner"),
                "partners.view_partner",
                "member_company_connection_status__exact=CONNECTED",
            ),
            Entry(
                _("세금계산서"),
                "request_quote",
                _cl("invoices", "taxinvoice"),
                "invoices.view_taxinvoice",
            ),
            Entry(
                _("일괄 세금계산서"),
                "library_books",
                _cl("invoices", "bulktaxinvoice"),
                "invoices.view_bulktaxinvoice",
            ),
            Entry(
                pgettext_lazy("plural", "거래처"),
                "business",
                _cl("invoices", "counterparty"),
                "invoices.view_counterparty",
            ),
            Entry(
                _("자사 정보"),
                "apartment",
                _cl("invoices", "owncompany"),
                "invoices.view_owncompany",
            ),
        ),
    ),
    (
        _("시스템"),
        (
            Entry(
                pgettext_lazy("plural", "API 시크릿"),
                "key",
                _cl("core", "apisecret"),
                "core.view_apisecret",
            ),
            Entry(
                pgettext_lazy("plural", "멱등 키"),
                "fingerprint",
                _cl("core", "idempotencykey"),
                "core.view_idempotencykey",
            ),
            Entry(
                pgettext_lazy("plural", "웹훅 엔드포인트"),
                "webhook",
                _cl("core", "webhookendpoint"),
                "core.view_webhookendpoint",
            ),
            Entry(
                _("웹훅 전송 내역"),
                "outbox",
                _cl("core", "webhookmessage"),
                "core.view_webhookmessage",
            ),
            Entry(
                _("예약 작업"), "schedule", _cl("django_q", "schedule"), "django_q.view_schedule"
            ),
            Entry(_("대기 중인 작업"), "pending", _cl("django_q", "ormq"), "django_q.view_ormq"),
            Entry(
                _("성공한 작업"), "task_alt", _cl("django_q", "success"), "django_q.view_success"
            ),
            Entry(_("실패한 작업"), "error", _cl("django_q", "failure"), "django_q.view_failure"),
            Entry(_("사용자"), "person", _cl("auth", "user"), "auth.view_user"),
            Entry(_("그룹"), "group", _cl("auth", "group"), "auth.view_group"),
        ),
    ),
)


def _link(entry: Entry) -> str | None:
    try:
        url = reverse(entry.url)
    except NoReverseMatch:
        return None
    return f"{url}?{entry.query}" if entry.query else url


def links(request) -> list[tuple[str, list[dict]]]:
    """The sections and entries this user may open: (title, [{title, icon, link}])."""
    out = []
    for title, entries in SECTIONS:
        items = []
        for entry in entries:
            if entry.permission and not request.user.has_perm(entry.permission):
                continue
            link = _link(entry)
            if link is None:
                continue
            items.append({"title": entry.title, "icon": entry.icon, "link": link})
        if items:
            out.append((title, items))
    return out


def _is_active(request, link: str) -> bool:
    path, _sep, query = link.partition("?")
    if path == reverse("admin:index"):
        return request.path == path
    if not request.path.startswith(path):
        return False
    return not query or query in request.META.get("QUERY_STRING", "")


def sidebar(request) -> list[dict]:
    """UNFOLD["SIDEBAR"]["navigation"]: unfold's group/item dicts."""
    return [
        {
            "title": title,
            "separator": True,
            "collapsible": False,
            "items": [{**item, "active": _is_active(request, item["link"])} for item in items],
        }
        for title, items in links(request)
    ]


def stylesheet(request) -> str:
    """UNFOLD["STYLES"]: our few rules on top of unfold's compiled CSS (money columns, badges)."""
    return static("core/admin.css")
