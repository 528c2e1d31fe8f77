"""지급 계좌·원장: the payout account's balance per mode above its ledger (every account
transfer, with the balance after it), 입금 등록 by hand and from a bank-statement CSV/XLSX
(payouts.services.ledger.deposit_record / deposits_record, payouts/files/deposits.py)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateTimeFilter
from unfold.widgets import UnfoldAdminTextInputWidget

from core.admin.base import HistoryAdmin, ModelAdmin
from core.admin.display import badge, truncated, won, won_text
from core.admin.exports import Column
from core.admin.uploads import Checked, Done, FileRefused, SheetUpload, mode_label
from core.errors import DomainError
from core.files.cells import CellError, parse_int
from core.files.rows import RowError
from core.files.sheets import SheetSpec, Table
from payouts.admin.common import (
    TRANSFER_STATUS_TONES,
    TRANSFER_TYPE_TONES,
    bank_label,
    seed_columns,
)
from payouts.files import deposits as deposit_file
from payouts.models import AccountTransfer, AccountTransferType, PayoutAccount
from payouts.services import ledger

ADD_PERMISSION = "payouts.add_accounttransfer"


def signed(obj: AccountTransfer) -> int:
    return obj.amount if obj.type == AccountTransferType.DEPOSIT else -obj.amount


def balance_cards() -> list[dict]:
    """Balance, reserved and available per mode (the account is created on first use)."""
    out = []
    for is_for_test in (False, True):
        b = ledger.balances(is_for_test)
        account = ledger.payout_account(is_for_test)
        out.append(
            {
                "account": account,
                "bank": bank_label(account.bank),
                "mode": "테스트" if is_for_test else "운영",
                "key": "test" if is_for_test else "live",
                "balance": won_text(b.balance),
                "reserved": won_text(b.reserved),
                "available": won_text(b.available),
                "available_amount": b.available,
            }
        )
    return out


class AccountTransferAdmin(ModelAdmin):
    list_display = (
        "traded_cell",
        "type_badge",
        "status_badge",
        "amount_cell",
        "balance_after_cell",
        "counterpart_cell",
        "payout_cell",
        "memo_cell",
    )
    list_display_links = ("traded_cell",)
    list_filter = (
        ("type", ChoicesDropdownFilter),
        ("status", ChoicesDropdownFilter),
        ("traded_at", RangeDateTimeFilter),
        "is_fee",
        "is_for_test",
    )
    search_fields = ("public_id", "depositor_name", "deposit_account_holder", "partner__name")
    list_select_related = ("partner", "payout", "bulk_payout")
    list_before_template = "payouts/admin_ledger_head.html"
    ordering = ("-traded_at", "-id")
    readonly_fields = (
        "public_id",
        "is_for_test",
        "type",
        "withdrawal_type",
        "is_fee",
        "status",
        "status_updated_at",
        "currency",
        "amount",
        "fee_amount",
        "balance_after",
        "depositor_name",
        "deposit_memo",
        "withdrawal_memo",
        "deposit_bank",
        "masked_deposit_account",
        "deposit_account_holder",
        "partner",
        "payout",
        "bulk_payout",
        "fail_reason",
        "traded_at",
        "scheduled_at",
        "source",
        "sent_at",
        "attempt_count",
        "created_at",
    )
    fields = readonly_fields

    type_badge = badge("type", _("구분"), TRANSFER_TYPE_TONES)
    status_badge = badge("status", _("상태"), TRANSFER_STATUS_TONES)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("거래 일시"), ordering="traded_at")
    def traded_cell(self, obj):
        when = timezone.localtime(obj.traded_at or obj.created_at)
        test = mark_safe(' <span class="muted">테스트</span>') if obj.is_for_test else ""
        return format_html('<span class="nowrap">{}</span>{}', f"{when:%Y-%m-%d %H:%M}", test)

    traded_cell.export = lambda obj: obj.traded_at or obj.created_at

    @admin.display(description=_("금액"), ordering="amount")
    def amount_cell(self, obj):
        return won(signed(obj), currency=obj.currency)

    amount_cell.export = signed
    amount_cell.export_amount = True

    @admin.display(description=_("거래 후 잔액"), ordering="balance_after")
    def balance_after_cell(self, obj):
        return won(obj.balance_after) if obj.balance_after is not None else "-"

    balance_after_cell.export = lambda obj: obj.balance_after
    balance_after_cell.export_amount = True

    @admin.display(description=_("입금자 / 받는 분"))
    def counterpart_cell(self, obj):
        if obj.type == AccountTransferType.DEPOSIT:
            return truncated(obj.depositor_name, "10rem")
        label = "이체 수수료" if obj.is_fee else (obj.partner.name if obj.partner_id else "")
        return truncated(label or obj.deposit_account_holder, "10rem")

    counterpart_cell.export = lambda obj: (
        obj.depositor_name
        if obj.type == AccountTransferType.DEPOSIT
        else (obj.partner.name if obj.partner_id else obj.deposit_account_holder)
    )

    @admin.display(description=_("지급"))
    def payout_cell(self, obj):
        if not obj.payout_id:
            return "-"
        url = reverse("admin:payouts_payout_change", args=[obj.payout_id])
        return format_html('<a class="underline" href="{}">{}</a>', url, obj.bulk_payout.name)

    payout_cell.export = lambda obj: obj.payout.public_id if obj.payout_id else ""

    @admin.display(description=_("메모"))
    def memo_cell(self, obj):
        text = obj.deposit_memo or obj.withdrawal_memo or ""
        return truncated(text, "10rem") if text else ""

    memo_cell.export = lambda obj: obj.deposit_memo or obj.withdrawal_memo or ""

    @admin.display(description=_("입금 계좌번호"))
    def masked_deposit_account(self, obj):
        from core.crypto import mask

        return mask(obj.deposit_account_number)

    def export_columns(self, request) -> list[Column]:
        return [
            Column("아이디", lambda o: o.public_id),
            Column("거래 일시", lambda o: o.traded_at or o.created_at),
            Column("구분", lambda o: o.get_type_display()),
            Column("출금 유형", lambda o: o.get_withdrawal_type_display() or ""),
            Column("상태", lambda o: o.get_status_display()),
            Column("입금자명", lambda o: o.depositor_name),
            Column("파트너", lambda o: o.partner.name if o.partner_id else ""),
            *seed_columns(
                request,
                bank=lambda o: o.deposit_bank,
                number=lambda o: o.deposit_account_number,
                holder=lambda o: o.deposit_account_holder,
                partner=lambda o: o.partner,
                amount=signed,
                memo=lambda o: o.withdrawal_memo,
                external_memo=lambda o: o.deposit_memo,
            ),
            Column(
                "거래 후 잔액",
                lambda o: o.balance_after if o.balance_after is not None else "",
                amount=True,
            ),
            Column("지급 아이디", lambda o: o.payout.public_id if o.payout_id else ""),
            Column("일괄 지급", lambda o: o.bulk_payout.name if o.bulk_payout_id else ""),
            Column("실패 사유", lambda o: o.fail_reason or ""),
            Column("등록 경로", lambda o: o.source),
            Column("모드", lambda o: "테스트" if o.is_for_test else "운영"),
        ]

    def changelist_view(self, request, extra_context=None):
        context = {
            **(extra_context or {}),
            "ledger_balances": balance_cards(),
            "can_deposit": request.user.has_perm(ADD_PERMISSION),
            "can_edit_account": request.user.has_perm("payouts.change_payoutaccount"),
        }
        return super().changelist_view(request, context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("deposit/", wrap(self.deposit_view), name="payouts_accounttransfer_deposit"),
            *DEPOSITS.urls(wrap=wrap),
            *super().get_urls(),
        ]

    def deposit_view(self, request):
        if not request.user.has_perm(ADD_PERMISSION):
            raise PermissionDenied
        form = DepositForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                transfer = ledger.deposit_record(
                    is_for_test=data["mode"] == "test",
                    amount=data["amount"],
                    depositor_name=data["depositor_name"],
                    deposit_memo=data["memo"] or None,
                    traded_at=data["traded_at"],
                    source="MANUAL",
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"{mode_label(transfer.is_for_test)} 지급 계좌에 {transfer.amount:,}원 입금을 "
                    f"등록했습니다. 잔액 {transfer.balance_after:,}원.",
                )
                url = reverse("admin:payouts_accounttransfer_changelist")
                return HttpResponseRedirect(f"{url}?is_for_test__exact={int(transfer.is_for_test)}")
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            "payouts/admin_deposit.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "입금 등록",
                "form": form,
                "balances": balance_cards(),
                "upload_url": reverse("admin:payouts_deposit_upload"),
            },
        )


class AmountInput(forms.CharField):
    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_int(text)
        except CellError as exc:
            raise forms.ValidationError(str(exc)) from None


class DepositForm(forms.Form):
    mode = forms.ChoiceField(label="모드", choices=[("live", "운영"), ("test", "테스트")])
    amount = AmountInput(
        label="입금액 (원)",
        widget=UnfoldAdminTextInputWidget(attrs={"inputmode": "numeric"}),
    )
    depositor_name = forms.CharField(
        label="입금자명", max_length=100, widget=UnfoldAdminTextInputWidget
    )
    memo = forms.CharField(
        label="메모", max_length=100, required=False, widget=UnfoldAdminTextInputWidget
    )
    traded_at = forms.DateTimeField(
        label="거래 일시",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="비우면 지금",
    )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is None or amount <= 0:
            raise forms.ValidationError("입금액은 1원 이상이어야 합니다.")
        return amount


class DepositUpload(SheetUpload):
    title = "입금 내역 파일 등록"
    page_template = "payouts/admin_deposit_upload.html"
    permissions = (ADD_PERMISSION,)
    model = AccountTransfer
    url_names = ("payouts_deposit_upload", "payouts_deposit_upload_confirm", "payouts_deposit_tpl")
    paths = ("deposit/upload/", "deposit/upload/confirm/", "deposit/template/<str:fmt>/")
    template_filename = "deposits-template"

    def check(self, table: Table, *, is_for_test: bool) -> Checked:
        items, errors = deposit_file.parse_table(table)
        if errors:
            return Checked(errors=errors)
        return Checked(
            count=len(items),
            context={
                "deposit_count": len(items),
                "deposit_total": sum(d.amount for d in items),
                "deposit_rows": items[:50],
            },
        )

    def commit(self, table: Table, *, is_for_test: bool) -> Done:
        items, errors = deposit_file.parse_table(table)
        if errors:
            raise FileRefused(errors)
        try:
            done = ledger.deposits_record(
                is_for_test=is_for_test, deposits=items, source="CSV:upload"
            )
        except DomainError as exc:
            raise FileRefused([RowError(0, "", exc.message)]) from None
        total = sum(t.amount for t in done)
        return Done(
            count=len(done),
            message=f"{mode_label(is_for_test)} 지급 계좌에 입금 {len(done):,}건, "
            f"{total:,}원을 등록했습니다.",
        )

    def template_sheet(self) -> SheetSpec:
        example: datetime = timezone.localtime().replace(second=0, microsecond=0)
        return SheetSpec(
            title="입금 내역",
            headers=deposit_file.COLUMNS.headers,
            rows=[[f"{example:%Y-%m-%d %H:%M}", 10_000_000, "(주)플랫폼", "3월 지급 재원"]],
        )

    def done_url(self, request, *, is_for_test: bool) -> str:
        url = reverse("admin:payouts_accounttransfer_changelist")
        return f"{url}?is_for_test__exact={int(is_for_test)}"

    def _url(self, request, index: int, *args):
        # mounted under the admin site (AccountTransferAdmin.get_urls): names are "admin:..."
        return reverse(f"admin:{self.url_names[index]}", args=args)


DEPOSITS = DepositUpload()


class PayoutAccountForm(forms.ModelForm):
    class Meta:
        model = PayoutAccount
        fields = ("bank", "account_number", "holder")


class PayoutAccountAdmin(HistoryAdmin):
    """The platform's own payout account per mode: its bank, number and holder are edited here
    (the first values come from PAYOUT_ACCOUNT_*); the balance is the ledger's and read-only.
    Created on first use, never added or deleted by hand."""

    form = PayoutAccountForm
    list_display = ("mode_cell", "bank", "masked_number", "holder", "balance_cell")
    fields = ("mode_cell", "bank", "account_number", "holder", "balance_cell", "public_id")
    readonly_fields = ("mode_cell", "balance_cell", "public_id")
    ordering = ("is_for_test",)

    def get_queryset(self, request):
        ledger.payout_account(False)  # both modes exist once the page is opened
        ledger.payout_account(True)
        return super().get_queryset(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("모드"))
    def mode_cell(self, obj):
        return "테스트" if obj.is_for_test else "운영"

    @admin.display(description=_("계좌번호"))
    def masked_number(self, obj):
        return obj.masked_account_number or "-"

    @admin.display(description=_("잔액"))
    def balance_cell(self, obj):
        return won(obj.balance, currency=obj.currency)
