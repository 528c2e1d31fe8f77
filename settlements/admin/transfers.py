"""Transfers (정산건) in the back office: the list a finance team reads, one manual transfer added
by hand, and a detail page with the amount breakdown and the policy versions used.

ORDER and ORDER_CANCEL transfers come from the API and the files, where every rule is checked;
the add page creates MANUAL transfers only, through the manual-transfer service
(settlements.services.manual_transfers), so the admin and the API refuse the same things.
Transfers are deleted through the API (which re-aggregates their settlement).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.helpers import AdminErrorList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    DropdownFilter,
    RangeDateFilter,
)
from unfold.forms import AdminForm

from core.admin.base import HistoryAdmin
from core.admin.display import badge, money, truncated, won
from core.admin.exports import Column, column_for
from core.errors import DomainError
from partners.models import Partner
from settlements.admin import breakdown
from settlements.admin.common import (
    GATHER_ACTION,
    TRANSFER_STATUS_TONES,
    TRANSFER_TYPE_TONES,
    ListTotalsMixin,
    PartnerTagFilter,
    SettleNowMixin,
    amount_text,
    partner_cell,
    partner_export,
    partner_warnings,
)
from settlements.admin.forms import ManualTransferForm
from settlements.models import OPEN_BUCKET_STATUS, Transfer, TransferStatus
from settlements.services.manual_transfers import manual_transfer_create


class TransferStatusFilter(DropdownFilter):
    """By the status the API shows (payout stages come from the partner settlement)."""

    title = _("상태")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return TransferStatus.choices

    def queryset(self, request, queryset):
        if self.value() in TransferStatus.values:
            return queryset.in_status(self.value())
        return queryset


def _mode(is_for_test: bool) -> str:
    return "테스트" if is_for_test else "운영"


def _link(url_name: str, obj, text) -> str:
    if obj is None:
        return "-"
    url = reverse(url_name, args=[obj.pk])
    return format_html('<a class="underline text-primary-600" href="{}">{}</a>', url, text)


class TransferAdmin(ListTotalsMixin, SettleNowMixin, HistoryAdmin):
    list_display = (
        "public_id_cell",
        "type_badge",
        "partner_cell",
        "settlement_date_text",
        "amount_settlement_money",
        "fee_cell",
        "status_badge",
    )
    list_display_links = ("public_id_cell",)
    list_filter = (
        ("settlement_date", RangeDateFilter),
        ("partner", AutocompleteSelectFilter),
        ("contract", AutocompleteSelectFilter),
        TransferStatusFilter,
        ("type", ChoicesDropdownFilter),
        PartnerTagFilter,
        "is_for_test",
    )
    search_fields = ("public_id", "payment_public_id", "partner__public_id", "partner__name")
    list_select_related = ("partner", "contract", "partner_settlement")
    list_per_page = 50
    # "N of M" after a filter counts the whole table once more (1.6 s of a page at 10^7
    # transfers, docs/scale.md): the filtered count is enough.
    show_full_result_count = False
    actions = [GATHER_ACTION]
    totals_type_field = "type"
    list_totals = (
        ("amount_settlement", "정산금액"),
        ("amount_order", "주문금액"),
        ("amount_platform_fee", "중개수수료"),
        ("amount_platform_fee_vat", "수수료 부가세"),
        ("amount_additional_fee", "추가 수수료"),
        ("amount_settlement_tax_free", "면세금액"),
    )
    change_form_template = "admin/settlements/transfer/change_form.html"
    add_form_template = "admin/settlements/transfer/add_form.html"
    fieldsets = (
        (
            _("정산건"),
            {
                "fields": (
                    "public_id",
                    ("type_label", "status_label"),
                    ("partner_link", "contract_link"),
                    ("start_date", "settlement_date_text", "settlement_currency"),
                    ("mode", "memo"),
                )
            },
        ),
        (
            _("연결"),
            {
                "fields": (
                    ("settlement_link", "payment_link"),
                    ("original_link", "cancellation_id", "cancelled_at"),
                )
            },
        ),
        (
            _("속성"),
            {"fields": (("properties_text", "parameters_text"), ("created_at", "updated_at"))},
        ),
    )

    amount_settlement_money = money(
        "amount_settlement", _("정산금액"), currency_field="settlement_currency"
    )
    type_badge = badge("type", _("유형"), TRANSFER_TYPE_TONES)
    status_badge = badge("status", _("상태"), TRANSFER_STATUS_TONES, ordering=False)

    def get_readonly_fields(self, request, obj=None):
        return [
            name
            for line in self.fieldsets
            for row in line[1]["fields"]
            for name in (row if isinstance(row, tuple) else (row,))
        ]

    # --- permissions ---------------------------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # through the API, which re-aggregates the partner settlement

    # --- list ----------------------------------------------------------------------------------

    @admin.display(description=_("아이디"), ordering="public_id")
    def public_id_cell(self, obj):
        """The id, and under it the payment's id (searchable) and whether it is test data."""
        below = " · ".join(
            part for part in (obj.payment_public_id, "테스트" if obj.is_for_test else "") if part
        )
        if not below:
            return truncated(obj.public_id, "11rem")
        return format_html(
            '{}<br><span class="muted">{}</span>',
            truncated(obj.public_id, "11rem"),
            truncated(below, "11rem"),
        )

    public_id_cell.export = lambda obj: obj.public_id

    @admin.display(description=_("파트너"), ordering="partner__name")
    def partner_cell(self, obj):
        return partner_cell(obj.partner)

    partner_cell.export = partner_export

    @admin.display(description=_("수수료(부가세 포함)"), ordering="amount_platform_fee")
    def fee_cell(self, obj):
        total = obj.amount_platform_fee + obj.amount_platform_fee_vat
        total += obj.amount_additional_fee + obj.amount_additional_fee_vat
        return won(total, currency=obj.settlement_currency)

    fee_cell.export = lambda obj: (
        obj.amount_platform_fee
        + obj.amount_platform_fee_vat
        + obj.amount_additional_fee
        + obj.amount_additional_fee_vat
    )
    fee_cell.export_amount = True

    def export_columns(self, request) -> list[Column]:
        """The list's columns and every amount a finance team reconciles, one column each."""
        columns = [
            Column("아이디", lambda o: o.public_id),
            Column("유형", lambda o: o.get_type_display()),
            Column("상태", lambda o: o.get_status_display()),
            Column("파트너 아이디", lambda o: o.partner.public_id),
            Column("파트너", lambda o: o.partner.name),
            Column(
                "파트너 경고", lambda o: ", ".join(w.short for w in partner_warnings(o.partner))
            ),
            Column("계약", lambda o: o.contract.public_id if o.contract_id else ""),
            Column("정산 시작일", lambda o: o.settlement_start_date),
            Column("정산일", lambda o: o.settlement_date),
            Column("통화", lambda o: o.settlement_currency),
        ]
        for name, label in (
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
        ):
            columns.append(Column(label, lambda o, n=name: getattr(o, n), amount=True))
        columns += [
            Column("결제 아이디", lambda o: o.payment_public_id),
            Column("메모", lambda o: o.memo or ""),
            Column("모드", lambda o: _mode(o.is_for_test)),
            column_for(self, "created_at"),
        ]
        return columns

    @admin.display(description=_("정산일"), ordering="settlement_date")
    def settlement_date_text(self, obj):
        return format_html('<span class="nowrap">{}</span>', f"{obj.settlement_date:%Y-%m-%d}")

    settlement_date_text.export = lambda obj: obj.settlement_date

    # --- detail --------------------------------------------------------------------------------

    @admin.display(description=_("유형"))
    def type_label(self, obj):
        return obj.get_type_display()

    @admin.display(description=_("상태"))
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("정산 시작일"))
    def start_date(self, obj):
        return f"{obj.settlement_start_date:%Y-%m-%d}" if obj.settlement_start_date else "-"

    @admin.display(description=_("파트너"))
    def partner_link(self, obj):
        return _link("admin:partners_partner_change", obj.partner, obj.partner)

    @admin.display(description=_("계약"))
    def contract_link(self, obj):
        contract = obj.contract
        return _link(
            "admin:policies_contract_change",
            contract,
            f"{contract.name} ({contract.public_id})" if contract else "",
        )

    @admin.display(description=_("모드"))
    def mode(self, obj):
        return _mode(obj.is_for_test)

    @admin.display(description=_("정산 내역"))
    def settlement_link(self, obj):
        """The partner settlement, once gathered; before that the transfer waits in an open
        bucket, which is no settlement yet (settlements.services.buckets)."""
        settlement = obj.partner_settlement
        if settlement is None or settlement.status == OPEN_BUCKET_STATUS:
            return _("정산일 집계 전")
        text = f"{settlement.public_id} · {settlement.get_status_display()}"
        return _link("admin:settlements_partnersettlement_change", settlement, text)

    @admin.display(description=_("결제"))
    def payment_link(self, obj):
        if obj.payment_id:
            return _link("admin:settlements_payment_change", obj.payment, obj.payment.public_id)
        return obj.payment_public_id or "-"

    @admin.display(description=_("원 주문 정산건"))
    def original_link(self, obj):
        original = obj.original
        return _link("admin:settlements_transfer_change", original, original) if original else "-"

    @admin.display(description=_("사용자 정의 속성"))
    def properties_text(self, obj):
        props = obj.user_defined_properties or []
        if not props:
            return "-"
        return format_html_join(
            ", ", "{}: {}", ((p["key"], (p.get("value") or {}).get("string", "")) for p in props)
        )

    @admin.display(description=_("정산 파라미터"))
    def parameters_text(self, obj):
        params = obj.parameters or {}
        if not params:
            return "-"
        return format_html_join(
            ", ",
            "{}: {}",
            ((k, v.get("decimal", v) if isinstance(v, dict) else v) for k, v in params.items()),
        )

    def detail_title(self, obj: Transfer) -> str:
        """수기 정산 · demo-seller-1 · 2026-12-01 · 12,000원"""
        amount = amount_text(obj.amount_settlement, obj.settlement_currency)
        parts = [obj.get_type_display(), obj.partner.public_id, f"{obj.settlement_date}", amount]
        if obj.is_for_test:
            parts.insert(0, "테스트")
        return " · ".join(parts)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if obj is not None:
            context.update(
                title=self.detail_title(obj),
                subtitle=None,
                warnings=partner_warnings(obj.partner),
                calculation=breakdown.calculation_rows(obj),
                settlement_html=won(obj.amount_settlement, currency=obj.settlement_currency),
                parts=breakdown.part_rows(obj),
                policies=breakdown.policy_rows(obj),
                discounts=breakdown.discount_rows(obj),
                fees=breakdown.fee_rows(obj),
                lines=breakdown.line_rows(obj),
                payment=breakdown.payment_info(obj),
                transfer=obj,
            )
        return super().change_view(request, object_id, form_url, context)

    # --- one manual transfer -------------------------------------------------------------------

    def get_urls(self):
        urls = super().get_urls()
        return [
            path(
                "partners/",
                self.admin_site.admin_view(self.partner_autocomplete_view),
                name="settlements_transfer_partners",
            ),
            *urls,
        ]

    def partner_autocomplete_view(self, request):
        """select2's JSON for the add form: partners by name or id, the value is the id."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        term = request.GET.get("term", "").strip()
        partners = Partner.objects.filter(is_archived=False).order_by("name", "public_id")
        if term:
            partners = partners.filter(Q(name__icontains=term) | Q(public_id__icontains=term))
        page = Paginator(partners.only("public_id", "name", "is_for_test"), 20).get_page(
            request.GET.get("page") or 1
        )
        return JsonResponse(
            {
                "results": [
                    {
                        "id": p.public_id,
                        "text": f"{p.name} ({p.public_id}){' · 테스트' if p.is_for_test else ''}",
                    }
                    for p in page.object_list
                ],
                "pagination": {"more": page.has_next()},
            }
        )

    def add_view(self, request, form_url="", extra_context=None):
        """수기 정산건 개별 등록: the form, then manual_transfer_create; refusals on the field."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ManualTransferForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            transfer = self._create_manual(form)
            if transfer is not None:
                self.log_addition(request, transfer, [{"added": {}}])
                self.message_user(
                    request,
                    f"수기 정산건을 등록했습니다: {self.detail_title(transfer)}",
                    messages.SUCCESS,
                )
                if "_addanother" in request.POST:
                    return HttpResponseRedirect(request.path)
                return HttpResponseRedirect(
                    reverse("admin:settlements_transfer_change", args=[transfer.pk])
                )
        fieldsets = [
            (
                _("수기 정산건"),
                {
                    "fields": [
                        "partner",
                        ("settlement_amount", "settlement_tax_free_amount"),
                        ("settlement_date", "settlement_currency"),
                        "memo",
                        "is_for_test",
                    ]
                },
            ),
            (_("선택 항목"), {"fields": ["user_defined_properties", "id"]}),
        ]
        admin_form = AdminForm(form, fieldsets, {}, model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": _("수기 정산건 등록"),
            "subtitle": None,
            "adminform": admin_form,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "show_save_and_continue": False,
            "show_save_and_add_another": True,
            "today": timezone.localdate(),
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)

    def _create_manual(self, form: ManualTransferForm) -> Transfer | None:
        is_for_test = form.cleaned_data["is_for_test"]
        try:
            return manual_transfer_create(is_for_test=is_for_test, request=form.service_request())
        except DomainError as exc:
            archived = Partner.objects.filter(
                public_id=form.cleaned_data["partner"].strip(),
                is_for_test=is_for_test,
                is_archived=True,
            ).exists()
            form.add_domain_error(exc, archived=archived)
            return None
