"""Partner settlements (정산 내역) in the back office: the list with its totals, the detail page
with its transfers, and status changes (지급 보류 / 보류 해제 / 지급 제외) as buttons, each
confirmed with a reason that the history keeps (docs/statuses.md#partner-settlements).

Status changes go through settlements.services.partner_settlements.partner_settlement_set_status,
only along MANUAL_SETTLEMENT_TRANSITIONS; the list's bulk actions ask for the same confirmation
and reason on an intermediate page before anything changes.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    RangeDateFilter,
)

from core.admin.base import HistoryAdmin
from core.admin.display import badge, money, truncated, won
from core.admin.exports import Column
from core.errors import DomainError
from settlements.admin.common import (
    GATHER_ACTION,
    SETTLEMENT_STATUS_TONES,
    TRANSFER_TYPE_TONES,
    ListTotalsMixin,
    PartnerTagFilter,
    SettleNowMixin,
    amount_text,
    partner_cell,
    partner_export,
    partner_warnings,
)
from settlements.admin.forms import StatusChangeForm
from settlements.models import (
    MANUAL_SETTLEMENT_TRANSITIONS,
    PartnerSettlement,
    PartnerSettlementStatus,
)
from settlements.selectors.home import signed_amount
from settlements.services.partner_settlements import partner_settlement_set_status

S = PartnerSettlementStatus
#: the amount columns a settlement sums from its transfers, as the detail page compares them
AMOUNTS = (
    ("amount_order", "주문금액"),
    ("amount_discount", "할인금액"),
    ("amount_discount_share", "할인 분담금액"),
    ("amount_payment", "결제금액"),
    ("amount_platform_fee", "중개수수료"),
    ("amount_platform_fee_vat", "중개수수료 부가세"),
    ("amount_additional_fee", "추가 수수료"),
    ("amount_additional_fee_vat", "추가 수수료 부가세"),
    ("amount_payment_vat_burden", "결제 부가세 부담금액"),
    ("amount_settlement", "정산금액"),
    ("amount_settlement_tax_free", "정산 면세금액"),
)
#: transfers listed on the detail page; the rest are one click away in the transfer list
SHOWN_TRANSFERS = 200
#: settlements listed on a bulk status change's confirmation (all selected ones change)
CONFIRM_ROWS = 100
#: settlements read at a time while a bulk status change applies
APPLY_CHUNK = 500


def transition_label(current: str, target: str) -> str:
    """The button's words for a manual transition from `current` to `target`."""
    if target == S.PAYOUT_WITHHELD:
        return "지급 보류"
    if target == S.PAYOUT_EXCLUDED:
        return "지급 제외"
    if current == S.PAYOUT_WITHHELD:
        return "보류 해제"
    if current == S.PAYOUT_EXCLUDED:
        return "지급 제외 취소"
    return "다시 지급 예정으로"


def allowed_targets(status: str) -> tuple[str, ...]:
    return MANUAL_SETTLEMENT_TRANSITIONS.get(status, ())


def _fees(obj) -> int:
    return (
        obj.amount_platform_fee
        + obj.amount_platform_fee_vat
        + obj.amount_additional_fee
        + obj.amount_additional_fee_vat
    )


class PartnerSettlementAdmin(ListTotalsMixin, SettleNowMixin, HistoryAdmin):
    list_display = (
        "public_id_cell",
        "partner_cell",
        "settlement_date_text",
        "type_badge",
        "transfer_count",
        "fee_cell",
        "amount_settlement_money",
        "status_badge",
    )
    list_display_links = ("public_id_cell",)
    list_filter = (
        ("settlement_date", RangeDateFilter),
        ("partner", AutocompleteSelectFilter),
        ("contract", AutocompleteSelectFilter),
        ("status", ChoicesDropdownFilter),
        ("settlement_type", ChoicesDropdownFilter),
        PartnerTagFilter,
        "settlement_currency",
        "is_for_test",
    )
    search_fields = ("public_id", "partner__public_id", "partner__name")
    list_select_related = ("partner", "contract")
    list_per_page = 50
    actions = ["withhold_selected", "release_selected", "exclude_selected", GATHER_ACTION]
    totals_type_field = "settlement_type"
    list_totals = (
        ("amount_settlement", "정산금액"),
        ("amount_order", "주문금액"),
        ("amount_platform_fee", "중개수수료"),
        ("amount_platform_fee_vat", "수수료 부가세"),
        ("amount_additional_fee", "추가 수수료"),
        ("amount_discount_share", "할인 분담금액"),
        ("amount_settlement_tax_free", "면세금액"),
    )
    change_form_template = "admin/settlements/partnersettlement/change_form.html"
    fieldsets = (
        (
            _("정산 내역"),
            {
                "fields": (
                    "public_id",
                    ("type_label", "status_label"),
                    ("partner_link", "contract_link"),
                    ("settlement_date_text", "settlement_currency", "mode"),
                    ("start_dates", "transfer_count", "status_updated_at"),
                    "memo",
                )
            },
        ),
    )

    amount_settlement_money = money(
        "amount_settlement", _("정산금액"), currency_field="settlement_currency"
    )
    type_badge = badge("settlement_type", _("유형"), TRANSFER_TYPE_TONES)
    status_badge = badge("status", _("상태"), SETTLEMENT_STATUS_TONES)

    def get_readonly_fields(self, request, obj=None):
        return [
            name
            for line in self.fieldsets
            for row in line[1]["fields"]
            for name in (row if isinstance(row, tuple) else (row,))
        ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # through the API: it also deletes the member transfers, all or nothing

    def can_change_status(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    # --- list ----------------------------------------------------------------------------------

    @admin.display(description=_("아이디"), ordering="public_id")
    def public_id_cell(self, obj):
        test = mark_safe(' <span class="muted">테스트</span>') if obj.is_for_test else ""
        return format_html("{}{}", truncated(obj.public_id, "11rem"), test)

    public_id_cell.export = lambda obj: obj.public_id

    @admin.display(description=_("파트너"), ordering="partner__name")
    def partner_cell(self, obj):
        return partner_cell(obj.partner)

    partner_cell.export = partner_export

    @admin.display(description=_("수수료(부가세 포함)"), ordering="amount_platform_fee")
    def fee_cell(self, obj):
        return won(_fees(obj), currency=obj.settlement_currency)

    fee_cell.export = _fees
    fee_cell.export_amount = True

    def export_columns(self, request) -> list[Column]:
        columns = [
            Column("아이디", lambda o: o.public_id),
            Column("파트너 아이디", lambda o: o.partner.public_id),
            Column("파트너", lambda o: o.partner.name),
            Column(
                "파트너 경고", lambda o: ", ".join(w.short for w in partner_warnings(o.partner))
            ),
            Column("정산일", lambda o: o.settlement_date),
            Column("유형", lambda o: o.get_settlement_type_display()),
            Column("계약", lambda o: o.contract.public_id if o.contract_id else ""),
            Column("통화", lambda o: o.settlement_currency),
            Column("상태", lambda o: o.get_status_display()),
            Column("정산건 수", lambda o: o.transfer_count),
        ]
        columns += [
            Column(label, lambda o, n=name: getattr(o, n), amount=True) for name, label in AMOUNTS
        ]
        columns += [
            Column("메모", lambda o: o.memo or ""),
            Column("모드", lambda o: "테스트" if o.is_for_test else "운영"),
        ]
        return columns

    # --- bulk status changes: confirmation and reason first ------------------------------------

    def _bulk(self, request, queryset, status: str, verb: str):
        """The confirmation page, then the change, of every selected settlement ("select all"
        included): counts and sums come from the database, only the first rows are listed."""
        if not self.can_change_status(request):
            raise PermissionDenied
        form = StatusChangeForm(request.POST if request.POST.get("confirm") else None)
        if form.is_bound and form.is_valid():
            pks = list(queryset.order_by("pk").values_list("pk", flat=True))
            self._apply(request, pks, status, verb, form.cleaned_data["reason"])
            return None  # back to the list
        sources = [s for s, targets in MANUAL_SETTLEMENT_TRANSITIONS.items() if status in targets]
        movable = queryset.filter(status__in=sources)
        selected_count = queryset.count()
        movable_count = movable.count()
        totals = (
            movable.order_by()
            .values("settlement_currency")
            .annotate(total=Sum(signed_amount("amount_settlement", "settlement_type")))
            .order_by("settlement_currency")
        )
        rows = list(queryset.select_related("partner")[:CONFIRM_ROWS])
        context = {
            **self.admin_site.each_context(request),
            "title": f"{S(status).label} 확인",
            "opts": self.opts,
            "status_label": S(status).label,
            "status": status,
            "form": form,
            "rows": [
                {
                    "settlement": s,
                    "allowed": s.status in sources,
                    "warnings": partner_warnings(s.partner),
                    "amount": won(s.amount_settlement, currency=s.settlement_currency),
                }
                for s in rows
            ],
            "more": max(0, selected_count - len(rows)),
            "movable_count": movable_count,
            "refused_count": selected_count - movable_count,
            "total": format_html_join(
                ", ",
                "{}",
                ((won(t["total"] or 0, currency=t["settlement_currency"]),) for t in totals),
            )
            or won(0),
            "action": request.POST.get("action"),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "bulk": True,
            "cancel_url": request.get_full_path(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/settlements/partnersettlement/status_confirm.html", context
        )

    def _apply(self, request, pks: list[int], status: str, verb: str, reason: str) -> None:
        done, refused = 0, []
        rows = PartnerSettlement.objects.select_related("partner")
        for start in range(0, len(pks), APPLY_CHUNK):
            for settlement in rows.filter(pk__in=pks[start : start + APPLY_CHUNK]):
                try:
                    partner_settlement_set_status(
                        settlement=settlement, status=status, reason=reason
                    )
                    done += 1
                except DomainError as exc:
                    refused.append(exc.message)
        self.message_user(request, f"{done:,}건 {verb} 처리했습니다. 사유: {reason}")
        if refused:
            self.message_user(request, f"{len(refused):,}건은 바꿀 수 없습니다.", messages.WARNING)
        for line in refused[:20]:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("지급 보류"), permissions=["change"])
    def withhold_selected(self, request, queryset):
        return self._bulk(request, queryset, S.PAYOUT_WITHHELD, "지급 보류")

    @admin.action(description=_("보류 해제 (지급 예정으로)"), permissions=["change"])
    def release_selected(self, request, queryset):
        return self._bulk(request, queryset, S.PAYOUT_PREPARED, "보류 해제")

    @admin.action(description=_("지급 제외"), permissions=["change"])
    def exclude_selected(self, request, queryset):
        return self._bulk(request, queryset, S.PAYOUT_EXCLUDED, "지급 제외")

    # --- one settlement's status, from its detail page -----------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/status/<str:status>/",
                self.admin_site.admin_view(self.status_view),
                name="settlements_partnersettlement_status",
            ),
            *super().get_urls(),
        ]

    def status_view(self, request, object_id, status):
        if not self.can_change_status(request):
            raise PermissionDenied
        if status not in S.values:
            raise Http404
        if not str(object_id).isdigit():
            raise Http404
        settlement = get_object_or_404(
            PartnerSettlement.objects.select_related("partner"), pk=object_id
        )
        detail_url = reverse("admin:settlements_partnersettlement_change", args=[settlement.pk])
        if status not in allowed_targets(settlement.status):
            self.message_user(
                request,
                f"'{settlement.get_status_display()}' 상태에서는 '{S(status).label}'(으)로 "
                "바꿀 수 없습니다.",
                messages.ERROR,
            )
            return HttpResponseRedirect(detail_url)
        form = StatusChangeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                partner_settlement_set_status(settlement=settlement, status=status, reason=reason)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"정산 내역 {settlement.public_id}을(를) '{S(status).label}'(으)로 바꿨습니다. "
                    f"사유: {reason}",
                )
            return HttpResponseRedirect(detail_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{transition_label(settlement.status, status)} 확인",
            "opts": self.opts,
            "status": status,
            "status_label": S(status).label,
            "action_label": transition_label(settlement.status, status),
            "form": form,
            "settlement": settlement,
            "warnings": partner_warnings(settlement.partner),
            "amount": won(settlement.amount_settlement, currency=settlement.settlement_currency),
            "bulk": False,
            "cancel_url": detail_url,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/settlements/partnersettlement/status_confirm.html", context
        )

    # --- detail --------------------------------------------------------------------------------

    @admin.display(description=_("정산일"), ordering="settlement_date")
    def settlement_date_text(self, obj):
        return format_html('<span class="nowrap">{}</span>', f"{obj.settlement_date:%Y-%m-%d}")

    settlement_date_text.export = lambda obj: obj.settlement_date

    @admin.display(description=_("유형"))
    def type_label(self, obj):
        return obj.get_settlement_type_display()

    @admin.display(description=_("상태"))
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("파트너"))
    def partner_link(self, obj):
        url = reverse("admin:partners_partner_change", args=[obj.partner_id])
        return format_html(
            '<a class="underline text-primary-600" href="{}">{}</a>', url, obj.partner
        )

    @admin.display(description=_("계약"))
    def contract_link(self, obj):
        if obj.contract_id is None:
            return "-"
        url = reverse("admin:policies_contract_change", args=[obj.contract_id])
        return format_html(
            '<a class="underline text-primary-600" href="{}">{} ({})</a>',
            url,
            obj.contract.name,
            obj.contract.public_id,
        )

    @admin.display(description=_("모드"))
    def mode(self, obj):
        return "테스트" if obj.is_for_test else "운영"

    @admin.display(description=_("정산 시작일 범위"))
    def start_dates(self, obj):
        if not obj.settlement_start_date_from:
            return "-"
        start, until = obj.settlement_start_date_from, obj.settlement_start_date_until
        return f"{start:%Y-%m-%d} ~ {until:%Y-%m-%d}" if until else f"{start:%Y-%m-%d} ~"

    def detail_title(self, obj) -> str:
        parts = [
            "정산 내역",
            obj.partner.public_id,
            str(obj.settlement_date),
            obj.get_settlement_type_display(),
            amount_text(obj.amount_settlement, obj.settlement_currency),
        ]
        if obj.is_for_test:
            parts.insert(0, "테스트")
        return " · ".join(parts)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if obj is not None:
            context.update(self._detail_context(request, obj))
        return super().change_view(request, object_id, form_url, context)

    def _detail_context(self, request, obj) -> dict:
        transfers = obj.transfers.select_related("partner_settlement").order_by(
            "settlement_date", "created_at", "id"
        )
        sums = transfers.aggregate(count=Count("pk"), **{n: Sum(n) for n, _label in AMOUNTS})
        currency = obj.settlement_currency
        totals = [
            {
                "field": name,
                "label": label,
                "settlement": won(getattr(obj, name), currency=currency),
                "transfers": won(sums[name] or 0, currency=currency),
                "matches": getattr(obj, name) == (sums[name] or 0),
            }
            for name, label in AMOUNTS
        ]
        shown = list(transfers[:SHOWN_TRANSFERS])
        targets = allowed_targets(obj.status) if self.can_change_status(request) else ()
        return {
            "title": self.detail_title(obj),
            "subtitle": None,
            "settlement": obj,
            "warnings": partner_warnings(obj.partner),
            "status_buttons": [
                {
                    "status": target,
                    "label": transition_label(obj.status, target),
                    "url": reverse(
                        "admin:settlements_partnersettlement_status", args=[obj.pk, target]
                    ),
                    "danger": target == S.PAYOUT_EXCLUDED,
                }
                for target in targets
            ],
            "transfer_rows": [
                {
                    "transfer": t,
                    "url": reverse("admin:settlements_transfer_change", args=[t.pk]),
                    "type": t.get_type_display(),
                    "tone": TRANSFER_TYPE_TONES.get(t.type, ""),
                    "order": won(t.amount_order, currency=currency),
                    "discount_share": won(t.amount_discount_share, currency=currency),
                    "fees": won(_fees(t), currency=currency),
                    "settlement": won(t.amount_settlement, currency=currency),
                    "tax_free": won(t.amount_settlement_tax_free, currency=currency),
                }
                for t in shown
            ],
            "transfer_count": sums["count"],
            "transfers_more": max(0, sums["count"] - len(shown)),
            "transfer_sums": {
                "order": won(sums["amount_order"] or 0, currency=currency),
                "discount_share": won(sums["amount_discount_share"] or 0, currency=currency),
                "fees": won(
                    sum(
                        sums[n] or 0
                        for n in (
                            "amount_platform_fee",
                            "amount_platform_fee_vat",
                            "amount_additional_fee",
                            "amount_additional_fee_vat",
                        )
                    ),
                    currency=currency,
                ),
                "settlement": won(sums["amount_settlement"] or 0, currency=currency),
                "tax_free": won(sums["amount_settlement_tax_free"] or 0, currency=currency),
            },
            "totals": totals,
            "totals_match": all(t["matches"] for t in totals),
            "transfer_list_url": reverse("admin:settlements_transfer_changelist")
            + f"?partner_settlement__id__exact={obj.pk}",
        }
