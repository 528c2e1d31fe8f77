"""Two actions on the partner-settlement list (settlements.admin.PartnerSettlementAdmin), added
from here so the settlement admin needs no import of payouts:

* 일괄 지급 만들기: the ticked rows (or all filtered ones) go to the create page's preview;
* 지급 완료 처리: settlements paid outside the system become PAID_OUT, after a confirmation
  (payouts.services.completion, the API's complete-payout).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from core.admin.display import won
from core.errors import DomainError
from payouts.admin.common import actor, confirm_page
from payouts.admin.create import ADD_PERMISSION, remember_selection
from payouts.services.completion import payout_complete_by_partner_settlement_ids
from settlements.admin.partner_settlements import PartnerSettlementAdmin
from settlements.models import PAYABLE_SETTLEMENT_STATUSES

COMPLETE_PERMISSION = "settlements.change_partnersettlement"
CONFIRM_ROWS = 100


def _one_mode(model_admin, request, queryset) -> bool | None:
    modes = set(queryset.values_list("is_for_test", flat=True).distinct())
    if len(modes) != 1:
        model_admin.message_user(
            request,
            "운영과 테스트 정산 내역을 함께 지급할 수 없습니다. 모드 필터로 한쪽만 고르세요.",
            messages.ERROR,
        )
        return None
    return modes.pop()


@admin.action(description="일괄 지급 만들기")
def create_bulk_payout(model_admin, request, queryset):
    if not request.user.has_perm(ADD_PERMISSION):
        raise PermissionDenied
    is_for_test = _one_mode(model_admin, request, queryset)
    if is_for_test is None:
        return None
    ids = list(queryset.order_by("id").values_list("public_id", flat=True))
    token = remember_selection(request, ids, is_for_test=is_for_test)
    return HttpResponseRedirect(f"{reverse('admin:payouts_bulkpayout_create')}?selection={token}")


class CompleteForm(forms.Form):
    name = forms.CharField(label="이름", max_length=200, initial="지급 완료 처리")
    completed_at = forms.DateField(
        label="지급한 날",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="비우면 오늘",
    )


@admin.action(description="지급 완료 처리 (시스템 밖에서 지급함)")
def complete_payout(model_admin, request, queryset):
    if not request.user.has_perm(COMPLETE_PERMISSION):
        raise PermissionDenied
    is_for_test = _one_mode(model_admin, request, queryset)
    if is_for_test is None:
        return None
    form = CompleteForm(request.POST if request.POST.get("confirm") else None)
    if form.is_bound and form.is_valid():
        ids = list(queryset.order_by("id").values_list("public_id", flat=True))
        try:
            done = payout_complete_by_partner_settlement_ids(
                public_ids=ids,
                is_for_test=is_for_test,
                name=form.cleaned_data["name"],
                completed_at=form.cleaned_data["completed_at"],
                actor=actor(request),
            )
        except DomainError as exc:
            model_admin.message_user(request, exc.message, messages.ERROR)
        else:
            model_admin.message_user(
                request,
                f"정산 내역 {done.partner_settlement_count:,}건을 지급 완료로 기록했습니다 "
                f"(지급 {done.payout_count:,}건).",
                messages.SUCCESS,
            )
        return None
    rows = list(queryset.select_related("partner").order_by("id")[:CONFIRM_ROWS])
    count = queryset.count()
    payable = queryset.filter(status__in=PAYABLE_SETTLEMENT_STATUSES).count()
    summary = (
        f"선택한 정산 내역 {count:,}건을 시스템 밖에서 지급한 것으로 기록합니다 (지급 완료, "
        "되돌릴 수 없습니다)."
    )
    if payable != count:
        summary += (
            f" 그중 {count - payable:,}건은 지급 예정·지급 실패 상태가 아니어서 "
            "처리할 수 없습니다: "
            "그대로 진행하면 아무것도 바뀌지 않습니다."
        )
    return confirm_page(
        request,
        model_admin,
        title="지급 완료 처리 확인",
        context={
            "summary": summary,
            "form": form,
            "action_label": f"{count:,}건 지급 완료 처리",
            "danger": False,
            "row_headers": ["아이디", "파트너", "정산일", "상태", "정산금액"],
            "rows": [
                [
                    s.public_id,
                    s.partner.name,
                    f"{s.settlement_date:%Y-%m-%d}",
                    s.get_status_display(),
                    won(s.amount_settlement, currency=s.settlement_currency),
                ]
                for s in rows
            ],
            "more": max(0, count - len(rows)),
            "hidden": [
                ("action", request.POST.get("action", "")),
                ("select_across", request.POST.get("select_across", "0")),
                ("index", "0"),
                ("confirm", "yes"),
                *[(ACTION_CHECKBOX_NAME, pk) for pk in request.POST.getlist(ACTION_CHECKBOX_NAME)],
            ],
            "cancel_url": request.get_full_path(),
            "today": timezone.localdate(),
        },
    )


def install() -> None:
    """Add the two actions to the partner-settlement list (once)."""
    actions = list(PartnerSettlementAdmin.actions or ())
    for action in (create_bulk_payout, complete_payout):
        if action not in actions:
            actions.append(action)
    PartnerSettlementAdmin.actions = actions
