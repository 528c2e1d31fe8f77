"""Bulk payouts (일괄 지급) in the back office: the list, the page of one (status, counts and
amounts by payout status with a progress bar, refreshed while it runs, its payouts and failures)
and its buttons — 지금 시작, 예약, 승인, 예약 취소/취소, 중단, 실패 건 다시 지급, 실패 건 제외,
and for a bank that is not connected the 대량이체 file and the bank's result file.

Every button opens a confirmation page; the write is the service's
(payouts.services.bulk_payouts, admin_support, bank_file) and its refusal an admin message.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateTimeFilter

from core.admin.base import HistoryAdmin
from core.admin.display import badge, money, truncated, won
from core.admin.exports import Column
from core.errors import DomainError
from core.files import sheets
from invoices.admin import uploads as tax_invoice_actions
from payouts.admin import create
from payouts.admin.common import (
    BULK_STATUS_TONES,
    PAYOUT_STATUS_TONES,
    actor,
    bank_label,
    confirm_page,
    sees_personal_data,
)
from payouts.files.bank_file import parse_results, transfer_sheet
from payouts.models import BulkPayout, BulkPayoutStatus, PayoutStatus
from payouts.selectors import bulk_payout_stats
from payouts.services import bulk_payouts as service
from payouts.services.admin_support import bulk_payout_exclude_failed, failed_settlement_ids
from payouts.services.bank_file import bank_results_record
from payouts.services.selection import Selection

START = "payouts.start_bulkpayout"
APPROVE = "payouts.approve_bulkpayout"
ADD = "payouts.add_bulkpayout"
SETTLEMENT_CHANGE = "settlements.change_partnersettlement"
SHOWN_PAYOUTS = 200
#: payouts a 대량이체 file lists: those not yet paid or failed
FILE_STATUSES = (
    PayoutStatus.PREPARED,
    PayoutStatus.CONFIRMED,
    PayoutStatus.SCHEDULED,
    PayoutStatus.PROCESSING,
)
DONE_STATUSES = (
    PayoutStatus.SUCCEEDED,
    PayoutStatus.FAILED,
    PayoutStatus.STOPPED,
    PayoutStatus.CANCELLED,
)
RUNNING = (BulkPayoutStatus.ONGOING, BulkPayoutStatus.POST_PROCESS_PENDING)
SLOTS = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(0, 60, 10)]


class ScheduleForm(forms.Form):
    date = forms.DateField(label="날짜", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.ChoiceField(label="시각 (10분 단위)", choices=[(s, s) for s in SLOTS])

    def scheduled_at(self) -> datetime:
        hour, minute = (int(x) for x in self.cleaned_data["time"].split(":"))
        local = datetime.combine(self.cleaned_data["date"], time(hour, minute))
        return timezone.make_aware(local)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="사유", max_length=200, widget=forms.TextInput(attrs={"size": 60})
    )


class RetryForm(forms.Form):
    name = forms.CharField(label="새 일괄 지급 이름", max_length=200)


class ResultFileForm(forms.Form):
    file = forms.FileField(label="은행 결과 파일 (CSV 또는 XLSX)")


#: name -> (button label, permission, danger)
ACTIONS: dict[str, tuple[str, str, bool]] = {
    "start": ("지금 시작", START, False),
    "schedule": ("예약", START, False),
    "approve": ("승인", APPROVE, False),
    "cancel": ("취소", START, True),
    "unschedule": ("예약 취소", START, True),
    "stop": ("중단", START, True),
    "retry": ("실패 건 다시 지급", ADD, False),
    "exclude": ("실패 건 제외", SETTLEMENT_CHANGE, True),
    "results": ("결과 파일 올리기", START, False),
}


def available_actions(bulk: BulkPayout) -> list[str]:
    """The buttons the bulk payout's state allows (permissions are checked separately)."""
    out: list[str] = []
    if bulk.status in (BulkPayoutStatus.PREPARING, BulkPayoutStatus.PREPARED):
        if bulk.is_scheduled:
            out.append("unschedule")
        else:
            if bulk.status == BulkPayoutStatus.PREPARED:
                out += ["start", "schedule"]
            out.append("cancel")
        if service.requires_approval(bulk) and bulk.approved_at is None:
            out.insert(0, "approve")
    if bulk.status == BulkPayoutStatus.ONGOING:
        out.append("stop")
        if bulk.payouts.filter(status=PayoutStatus.PROCESSING).exists():
            out.append("results")
    if bulk.status in (*RUNNING, BulkPayoutStatus.COMPLETED) and failed_settlement_ids(bulk):
        out += ["retry", "exclude"]
    return out


def _counts(bulk: BulkPayout) -> tuple[int, int]:
    """(payouts done, payouts failed): annotated by the list's query, else counted."""
    if hasattr(bulk, "done_count"):
        return bulk.done_count, bulk.failed_count
    stats = bulk_payout_stats(bulk)["count"]
    return sum(stats[s] for s in DONE_STATUSES), stats["FAILED"]


class BulkPayoutAdmin(HistoryAdmin):
    list_display = (
        "name_cell",
        "status_badge",
        "method_badge",
        "payout_count",
        "total_payout_amount_money",
        "progress_cell",
        "created_at",
        "creator_name",
    )
    list_display_links = ("name_cell",)
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("method", ChoicesDropdownFilter),
        ("created_at", RangeDateTimeFilter),
        "is_for_test",
    )
    search_fields = ("public_id", "name")
    change_form_template = "admin/payouts/bulkpayout/change_form.html"
    fieldsets = (
        (
            _("일괄 지급"),
            {
                "fields": (
                    "public_id",
                    ("name", "mode"),
                    ("status_label", "method_label"),
                    ("payout_count", "partner_settlement_count"),
                    ("total_payout_amount_money", "total_settlement_amount_money"),
                    ("creator_name", "approver_name"),
                    ("created_at", "approved_at"),
                    ("scheduled_at", "started_at"),
                    ("completed_at", "stopped_at"),
                    ("cancelled_at", "prepare_error"),
                    "memo",
                    ("withdrawal_memo", "deposit_memo"),
                )
            },
        ),
    )

    status_badge = badge("status", _("상태"), BULK_STATUS_TONES)
    method_badge = badge("method", _("지급 방식"), {"AGENCY": "info", "DIRECT": ""})
    total_payout_amount_money = money("total_payout_amount", _("총 지급액"))
    total_settlement_amount_money = money("total_settlement_amount", _("총 정산금액"))

    def get_readonly_fields(self, request, obj=None):
        return [
            name
            for line in self.fieldsets
            for row in line[1]["fields"]
            for name in (row if isinstance(row, tuple) else (row,))
        ]

    actions = (tax_invoice_actions.request_from_bulk_payouts,)

    def has_request_tax_invoice_permission(self, request):  # 세금계산서 역발행 요청
        return tax_invoice_actions.may_request(request)

    def has_add_permission(self, request):
        return request.user.has_perm(ADD)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:payouts_bulkpayout_create"))

    # --- list ----------------------------------------------------------------------------------

    @admin.display(description=_("이름"), ordering="name")
    def name_cell(self, obj):
        test = mark_safe(' <span class="muted">테스트</span>') if obj.is_for_test else ""
        return format_html(
            '{}{}<br><span class="muted nowrap">{}</span>',
            truncated(obj.name, "14rem"),
            test,
            obj.public_id,
        )

    name_cell.export = lambda obj: obj.name

    @admin.display(description=_("진행"))
    def progress_cell(self, obj):
        done, failed = _counts(obj)
        return format_html(
            '<span class="nowrap">{} / {}{}</span>',
            done,
            obj.payout_count,
            format_html(' <span class="money-marker danger">실패 {}</span>', failed)
            if failed
            else "",
        )

    progress_cell.export = lambda obj: _counts(obj)[0]

    def get_queryset(self, request):
        """The list's progress column from two counts in the list's own query (not a stats
        query per row)."""
        return (
            super()
            .get_queryset(request)
            .annotate(
                done_count=Count("payouts", filter=Q(payouts__status__in=DONE_STATUSES)),
                failed_count=Count("payouts", filter=Q(payouts__status=PayoutStatus.FAILED)),
            )
        )

    @admin.display(description=_("모드"))
    def mode(self, obj):
        return "테스트" if obj.is_for_test else "운영"

    @admin.display(description=_("상태"))
    def status_label(self, obj):
        label = obj.get_status_display()
        if obj.is_scheduled:
            local = timezone.localtime(obj.scheduled_at)
            return f"{label} (예약: {local:%Y-%m-%d %H:%M})"
        return label

    @admin.display(description=_("지급 방식"))
    def method_label(self, obj):
        return obj.get_method_display()

    def export_columns(self, request) -> list[Column]:
        return [
            Column("아이디", lambda o: o.public_id),
            Column("이름", lambda o: o.name),
            Column("상태", lambda o: o.get_status_display()),
            Column("지급 방식", lambda o: o.get_method_display()),
            Column("지급 건수", lambda o: o.payout_count),
            Column("정산 내역 수", lambda o: o.partner_settlement_count),
            Column("총 지급액", lambda o: o.total_payout_amount, amount=True),
            Column("총 정산금액", lambda o: o.total_settlement_amount, amount=True),
            Column("내부메모", lambda o: o.memo or ""),
            Column("보내는 통장 메모", lambda o: o.withdrawal_memo or ""),
            Column("외부메모", lambda o: o.deposit_memo or ""),
            Column("생성자", lambda o: o.creator_name),
            Column("승인자", lambda o: o.approver_name),
            Column("생성 시각", lambda o: o.created_at),
            Column("예약 시각", lambda o: o.scheduled_at or ""),
            Column("완료 시각", lambda o: o.completed_at or ""),
            Column("모드", lambda o: "테스트" if o.is_for_test else "운영"),
        ]

    # --- urls ----------------------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "create/",
                wrap(lambda request: create.create_view(request, self)),
                name="payouts_bulkpayout_create",
            ),
            path(
                "<int:pk>/do/<str:action>/",
                wrap(self.action_view),
                name="payouts_bulkpayout_action",
            ),
            path(
                "<int:pk>/transfer-file.<str:fmt>",
                wrap(self.transfer_file_view),
                name="payouts_bulkpayout_transfer_file",
            ),
            path("<int:pk>/stats.json", wrap(self.stats_view), name="payouts_bulkpayout_stats"),
            *super().get_urls(),
        ]

    # --- the page ------------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if obj is not None:
            context.update(self.page_context(request, obj))
        return super().change_view(request, object_id, form_url, context)

    def page_context(self, request, bulk: BulkPayout) -> dict[str, Any]:
        stats = bulk_payout_stats(bulk)
        total = bulk.payout_count or 0
        done = sum(stats["count"][s] for s in DONE_STATUSES)
        rows = [
            {
                "status": status,
                "label": PayoutStatus(status).label,
                "tone": PAYOUT_STATUS_TONES.get(status, ""),
                "count": stats["count"][status],
                "amount": won(stats["amount"][status]),
            }
            for status in PayoutStatus.values
            if stats["count"][status]
        ]
        payouts = list(bulk.payouts.select_related("partner").order_by("id")[:SHOWN_PAYOUTS])
        failures = list(
            bulk.payouts.filter(status=PayoutStatus.FAILED).select_related("partner").order_by("id")
        )
        buttons = [
            {
                "name": name,
                "label": ACTIONS[name][0],
                "danger": ACTIONS[name][2],
                "url": reverse("admin:payouts_bulkpayout_action", args=[bulk.pk, name]),
            }
            for name in available_actions(bulk)
            if request.user.has_perm(ACTIONS[name][1])
        ]
        file_count = bulk.payouts.filter(status__in=FILE_STATUSES).count()
        title = f"일괄 지급 · {bulk.name} · {bulk.get_status_display()}"
        return {
            "title": f"테스트 · {title}" if bulk.is_for_test else title,
            "subtitle": None,
            "bulk": bulk,
            "bulk_status_tone": BULK_STATUS_TONES.get(bulk.status, ""),
            "stat_rows": rows,
            "done_count": done,
            "progress_percent": round(done * 100 / total) if total else 100,
            "auto_refresh": bulk.status in (*RUNNING, BulkPayoutStatus.PREPARING),
            "buttons": buttons,
            "payout_rows": [
                {
                    "payout": p,
                    "url": reverse("admin:payouts_payout_change", args=[p.pk]),
                    "amount": won(p.amount, currency=p.currency),
                    "tone": PAYOUT_STATUS_TONES.get(p.status, ""),
                    "bank": bank_label(p.account_bank),
                }
                for p in payouts
            ],
            "payouts_more": max(0, total - len(payouts)),
            "payout_list_url": reverse("admin:payouts_payout_changelist")
            + f"?bulk_payout__id__exact={bulk.pk}",
            "failures": [
                {
                    "payout": p,
                    "bank": bank_label(p.account_bank),
                    "amount": won(p.amount, currency=p.currency),
                }
                for p in failures
            ],
            "requires_approval": service.requires_approval(bulk),
            "file_count": file_count,
            "file_urls": {
                fmt: reverse("admin:payouts_bulkpayout_transfer_file", args=[bulk.pk, fmt])
                for fmt in ("csv", "xlsx")
            }
            if file_count
            else {},
            "stats_url": reverse("admin:payouts_bulkpayout_stats", args=[bulk.pk]),
        }

    def stats_view(self, request, pk: int):
        from django.http import JsonResponse

        if not self.has_view_permission(request):
            raise PermissionDenied
        bulk = get_object_or_404(BulkPayout, pk=pk)
        stats = bulk_payout_stats(bulk)
        return JsonResponse(
            {"status": bulk.status, "statusLabel": bulk.get_status_display(), **stats}
        )

    # --- buttons -------------------------------------------------------------------------------

    def action_view(self, request, pk: int, action: str):
        if action not in ACTIONS:
            raise Http404
        label, permission, danger = ACTIONS[action]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        bulk = get_object_or_404(BulkPayout, pk=pk)
        back = reverse("admin:payouts_bulkpayout_change", args=[bulk.pk])
        if action not in available_actions(bulk):
            messages.error(
                request, f"'{bulk.get_status_display()}' 상태에서는 '{label}'을(를) 할 수 없습니다."
            )
            return HttpResponseRedirect(back)
        form = self._form(action, request, bulk)
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                result = self._do(request, bulk, action, form)
            except DomainError as exc:
                messages.error(request, exc.message)
                if action != "schedule":
                    return HttpResponseRedirect(back)
            else:
                return result or HttpResponseRedirect(back)
        return confirm_page(
            request,
            self,
            title=f"{label} 확인",
            context={
                "bulk": bulk,
                "action": action,
                "action_label": label,
                "danger": danger,
                "form": form,
                "multipart": action == "results",
                "summary": self._summary(bulk, action),
                "cancel_url": back,
            },
        )

    def _form(self, action: str, request, bulk: BulkPayout):
        data = request.POST if request.method == "POST" else None
        if action == "schedule":
            return ScheduleForm(data)
        if action == "exclude":
            return ReasonForm(data)
        if action == "retry":
            return RetryForm(data, initial={"name": f"{bulk.name} (실패 건 재지급)"[:200]})
        if action == "results":
            return ResultFileForm(data, request.FILES if data is not None else None)
        return None

    def _summary(self, bulk: BulkPayout, action: str) -> str:
        amount = f"{bulk.total_payout_amount:,}원"
        count = f"{bulk.payout_count:,}건"
        if action in ("retry", "exclude"):
            n = len(failed_settlement_ids(bulk))
            verb = "새 일괄 지급으로 다시 지급합니다" if action == "retry" else "지급 제외합니다"
            return f"지급에 실패한 정산 내역 {n:,}건을 {verb}."
        return {
            "start": f"지급 {count}, 총 {amount}을 지금 보냅니다. 시작하면 잔액에서 총액을 "
            "예약하고, 보내기 전의 지급만 중단할 수 있습니다.",
            "schedule": f"지급 {count}, 총 {amount}을 정한 시각에 보냅니다. 지금 잔액에서 총액을 "
            "예약합니다. 22:50부터 01:00까지는 은행 점검 시간이라 예약할 수 없습니다.",
            "approve": f"총 {amount}의 일괄 지급을 승인합니다. 만든 사람은 승인할 수 없습니다.",
            "cancel": f"일괄 지급을 취소합니다. 정산 내역 {bulk.partner_settlement_count:,}건은 "
            "선택 전 상태로 돌아가 다시 지급할 수 있습니다.",
            "unschedule": "예약을 취소하고 일괄 지급을 취소합니다. 예약한 금액은 잔액으로 "
            "돌아가고 정산 내역은 선택 전 상태로 돌아갑니다.",
            "stop": "아직 은행에 보내지 않은 지급을 중단합니다. "
            "이미 보낸 지급은 끝까지 처리됩니다.",
            "results": "은행의 이체 결과 파일(계좌번호, 금액, 결과(성공/실패), 사유)을 올리면 송금 "
            "처리 중인 지급을 성공·실패로 기록합니다. 한 행이라도 맞지 않으면 아무것도 기록하지 "
            "않습니다.",
        }[action]

    def _do(self, request, bulk: BulkPayout, action: str, form):
        who = actor(request)
        key = {"public_id": bulk.public_id, "is_for_test": bulk.is_for_test, "actor": who}
        if action == "start":
            service.bulk_payout_start(**key)
            messages.success(request, f"일괄 지급 '{bulk.name}'을(를) 시작했습니다.")
        elif action == "schedule":
            when = form.scheduled_at()
            service.bulk_payout_start(**key, scheduled_at=when)
            messages.success(
                request, f"일괄 지급 '{bulk.name}'을(를) {when:%Y-%m-%d %H:%M}에 예약했습니다."
            )
        elif action == "approve":
            service.bulk_payout_approve(**key)
            messages.success(request, f"일괄 지급 '{bulk.name}'을(를) 승인했습니다.")
        elif action in ("cancel", "unschedule"):
            service.bulk_payout_cancel(**key)
            messages.success(
                request,
                f"일괄 지급 '{bulk.name}'을(를) 취소했습니다. 정산 내역은 다시 지급할 수 있습니다.",
            )
        elif action == "stop":
            service.bulk_payout_stop(**key)
            messages.success(request, f"일괄 지급 '{bulk.name}'의 보내지 않은 지급을 중단했습니다.")
        elif action == "retry":
            new = service.bulk_payout_create(
                selection=Selection.of_ids(
                    failed_settlement_ids(bulk), is_for_test=bulk.is_for_test
                ),
                name=form.cleaned_data["name"],
                actor=who,
                method=bulk.method,
                memo=bulk.memo,
                withdrawal_memo=bulk.withdrawal_memo,
                deposit_memo=bulk.deposit_memo,
            )
            messages.success(
                request,
                f"실패 건으로 새 일괄 지급 '{new.name}'을(를) 만들었습니다: 지급 "
                f"{new.payout_count:,}건, 총 {new.total_payout_amount:,}원.",
            )
            return HttpResponseRedirect(reverse("admin:payouts_bulkpayout_change", args=[new.pk]))
        elif action == "exclude":
            n = bulk_payout_exclude_failed(bulk=bulk, reason=form.cleaned_data["reason"])
            messages.success(
                request,
                f"실패한 정산 내역 {n:,}건을 지급 제외했습니다. 사유: "
                f"{form.cleaned_data['reason']}",
            )
        elif action == "results":
            return self._record_results(request, bulk, form.cleaned_data["file"])
        return None

    def _record_results(self, request, bulk: BulkPayout, upload):
        back = HttpResponseRedirect(reverse("admin:payouts_bulkpayout_change", args=[bulk.pk]))
        table = sheets.read_table_or_errors(upload.read(), upload.name)
        if isinstance(table, list):
            errors = table
        else:
            results, errors = parse_results(table)
        if not errors:
            outcome = bank_results_record(bulk_payout_pk=bulk.pk, results=results)
            if outcome.ok:
                messages.success(
                    request,
                    f"결과 파일을 기록했습니다: 성공 {outcome.succeeded:,}건, 실패 "
                    f"{outcome.failed:,}건.",
                )
                return back
            errors = [f"{r.row}행: {r.message}" for r in outcome.refusals]
        else:
            errors = [f"{e.row}행 {e.column}: {e.message}" if e.row else e.message for e in errors]
        messages.error(
            request,
            f"결과 파일을 기록하지 않았습니다 (오류 {len(errors):,}개). "
            "아무것도 바뀌지 않았습니다.",
        )
        for line in errors[:20]:
            messages.error(request, line)
        return back

    # --- 대량이체 file ---------------------------------------------------------------------------

    def transfer_file_view(self, request, pk: int, fmt: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if fmt not in ("csv", "xlsx"):
            raise Http404
        bulk = get_object_or_404(BulkPayout, pk=pk)
        if not sees_personal_data(request):
            messages.error(
                request,
                "대량이체 파일에는 전체 계좌번호가 들어가므로 파트너 개인정보(계좌번호·생년월일) "
                "전체 보기 권한이 있어야 내려받을 수 있습니다.",
            )
            return HttpResponseRedirect(reverse("admin:payouts_bulkpayout_change", args=[bulk.pk]))
        payouts = bulk.payouts.filter(status__in=FILE_STATUSES).order_by("id")
        spec = transfer_sheet(payouts, title="대량이체")
        if fmt == "csv":
            body = sheets.csv_bytes(spec.headers, spec.rows)
            content_type = sheets.CSV_CONTENT_TYPE
        else:
            body = sheets.xlsx_bytes([spec])
            content_type = sheets.XLSX_CONTENT_TYPE
        response = HttpResponse(body, content_type=content_type)
        name = f"bulk-transfer-{bulk.public_id}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
