"""What the settlement record admins share: "정산 내역 생성(지금)", the partner-tag filter, the
totals of the filtered rows above money lists, badge colours, and the warning when money would go
to a closed, suspended or unverified account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Count, Sum
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter

from core.admin.display import (
    DANGER,
    INFO,
    NEUTRAL,
    PRIMARY,
    SUCCESS,
    WARNING,
    truncated,
    won,
    won_text,
)
from partners.models import AccountStatus, BusinessStatus, PartnerTag, PartnerType
from settlements.models import PartnerSettlementStatus, TransferStatus, TransferType
from settlements.selectors.home import signed_amount
from settlements.services.daily import settle_due

GATHER_ACTION = "gather_now"

TRANSFER_TYPE_TONES = {
    TransferType.ORDER: INFO,
    TransferType.ORDER_CANCEL: WARNING,
    TransferType.MANUAL: PRIMARY,
}
TRANSFER_STATUS_TONES = {
    TransferStatus.SCHEDULED: NEUTRAL,
    TransferStatus.IN_PROCESS: INFO,
    TransferStatus.SETTLED: PRIMARY,
    TransferStatus.PAYOUT_CONFIRMED: PRIMARY,
    TransferStatus.IN_PAYOUT: WARNING,
    TransferStatus.PAID_OUT: SUCCESS,
}
SETTLEMENT_STATUS_TONES = {
    PartnerSettlementStatus.PAYOUT_PREPARED: INFO,
    PartnerSettlementStatus.PAYOUT_WITHHELD: WARNING,
    PartnerSettlementStatus.PAYOUT_EXCLUDED: NEUTRAL,
    PartnerSettlementStatus.CONFIRMED: PRIMARY,
    PartnerSettlementStatus.PAYOUT_SCHEDULED: PRIMARY,
    PartnerSettlementStatus.IN_PAYOUT: PRIMARY,
    PartnerSettlementStatus.PAID_OUT: SUCCESS,
    PartnerSettlementStatus.PAYOUT_FAILED: DANGER,
    PartnerSettlementStatus.CANCELLED: NEUTRAL,
}


def amount_text(amount: int, currency: str = "KRW") -> str:
    """Plain text for titles and messages: 12,000원, or 1,500 USD."""
    return won_text(amount) if currency == "KRW" else f"{amount:,} {currency}"


# --- money to a closed, suspended or unverified account ---------------------------------------


@dataclass(frozen=True)
class PartnerWarning:
    short: str  # the list marker
    message: str  # the detail page's sentence
    danger: bool


def partner_warnings(partner) -> list[PartnerWarning]:
    """Why money for this partner should not simply be paid out: a business closed (폐업) or
    suspended (휴업), or an account whose holder is not verified."""
    out: list[PartnerWarning] = []
    if partner.partner_type == PartnerType.BUSINESS and partner.business_status in (
        BusinessStatus.CLOSED,
        BusinessStatus.SUSPENDED,
    ):
        label = BusinessStatus(partner.business_status).label
        out.append(
            PartnerWarning(
                str(label),
                f"{label}한 사업자입니다 (사업자 상태: {label}). 이 파트너에게 지급하기 전에 "
                "사업자 상태를 확인하세요.",
                danger=True,
            )
        )
    if partner.account_status != AccountStatus.VERIFIED:
        label = AccountStatus(partner.account_status).label
        detail = (
            f" — {partner.account_verification_message}"
            if (partner.account_verification_message)
            else ""
        )
        out.append(
            PartnerWarning(
                "계좌 미인증",
                f"계좌가 인증되지 않았습니다 (계좌 인증: {label}{detail}). 예금주 확인 전에는 "
                "잘못된 계좌로 지급될 수 있습니다.",
                danger=partner.account_status == AccountStatus.VERIFY_FAILED,
            )
        )
    return out


def partner_cell(partner) -> str:
    """The partner's name on one line, its id muted, and a marker when money to it is at risk."""
    markers = format_html_join(
        "",
        ' <span class="money-marker{}" title="{}">⚠ {}</span>',
        ((" danger" if w.danger else "", w.message, w.short) for w in partner_warnings(partner)),
    )
    return format_html(
        '{}<br><span class="muted nowrap">{}</span>{}',
        truncated(partner.name, "12rem"),
        partner.public_id,
        markers,
    )


def partner_export(obj) -> str:
    partner = obj.partner
    warnings = ", ".join(w.short for w in partner_warnings(partner))
    text = f"{partner.name} ({partner.public_id})"
    return f"{text} [{warnings}]" if warnings else text


# --- list tools ---------------------------------------------------------------------------------


class SettleNowMixin:
    """ "정산 내역 생성(지금)" runs the hourly job at once. It needs no selection: Django refuses
    an action without selected rows, so the POST is marked "select across" for this action."""

    @admin.action(description=_("정산 내역 생성(지금)"), permissions=["change"])
    def gather_now(self, request, queryset):
        result = settle_due()
        self.message_user(
            request,
            f"정산 중 전환 {result['in_process']}건, "
            f"정산 내역에 모은 정산건 {result['gathered']}건",
            messages.SUCCESS,
        )

    def changelist_view(self, request, extra_context=None):
        if (
            request.method == "POST"
            and request.POST.get("action") == GATHER_ACTION
            and not request.POST.getlist(ACTION_CHECKBOX_NAME)
        ):
            post = request.POST.copy()
            post.setlist(ACTION_CHECKBOX_NAME, ["0"])
            post["select_across"] = "1"
            request.POST = post
        return super().changelist_view(request, extra_context)


class PartnerTagFilter(DropdownFilter):
    title = _("파트너 태그")
    parameter_name = "partner_tag"

    def lookups(self, request, model_admin):
        tags = PartnerTag.objects.values_list("tag", flat=True).distinct().order_by("tag")[:100]
        return [(t, t) for t in tags]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                partner_id__in=PartnerTag.objects.filter(tag=self.value()).values("partner_id")
            )
        return queryset


class ListTotalsMixin:
    """Count and sums of the filtered rows (the list's whole queryset, not the page), per
    currency, above the list (templates/admin/settlements/list_totals.html). ORDER_CANCEL rows
    hold positive magnitudes of what they reverse, so they subtract (as on the dashboard)."""

    #: (amount field, label) summed over the filtered rows
    list_totals: Sequence[tuple[str, str]] = ()
    totals_currency_field = "settlement_currency"
    #: the field whose ORDER_CANCEL value makes a row's amounts subtract (None: plain sums)
    totals_type_field: str | None = None
    list_before_template = "admin/settlements/list_totals.html"

    def totals_of(self, queryset) -> list[dict]:
        kind = self.totals_type_field
        sums = {
            field: Sum(signed_amount(field, kind) if kind else field)
            for field, _label in self.list_totals
        }
        rows = (
            queryset.order_by()
            .values(self.totals_currency_field)
            .annotate(row_count=Count("pk"), **sums)
            .order_by(self.totals_currency_field)
        )
        out = []
        for row in rows:
            currency = row[self.totals_currency_field] or "KRW"
            out.append(
                {
                    "currency": currency,
                    "count": row["row_count"],
                    "sums": [
                        {
                            "field": field,
                            "label": label,
                            "amount": row[field] or 0,
                            "html": won(row[field] or 0, currency=currency),
                        }
                        for field, label in self.list_totals
                    ],
                }
            )
        return out

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and context.get("cl") is not None:
            context["list_totals"] = self.totals_of(context["cl"].queryset)
        return response
