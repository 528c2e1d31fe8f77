"""일괄 지급 만들기: choose payable partner settlements by filter (or take the rows ticked in the
partner-settlement list), preview what the bulk payout would pay, then create it
(payouts.services.bulk_payouts: bulk_payout_preview, bulk_payout_create).

The preview and the confirm select through the same ids: the filter is applied again on confirm
and the ids' digest compared with the preview's, so what is created is what was shown (a changed
selection shows the new preview instead). Ticked rows travel in the session under a token.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from unfold.widgets import (
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from core.admin.display import won, won_text
from core.errors import DomainError
from partners.models import Partner, PartnerTag, PartnerType
from payouts.admin.common import actor, bank_label
from payouts.models import PayoutMethod
from payouts.services.bulk_payouts import (
    background_threshold,
    bulk_payout_create,
    bulk_payout_preview,
)
from payouts.services.selection import Selection
from policies.models import Contract
from settlements.admin.common import amount_text, partner_warnings
from settlements.models import PAYABLE_SETTLEMENT_STATUSES, PartnerSettlementStatus
from settlements.selectors.partner_settlements import PartnerSettlementFilter, partner_settlements

ADD_PERMISSION = "payouts.add_bulkpayout"
PREVIEW_ROWS = 300
SESSION_KEY = "payouts-bulk-selection"
_DATE = forms.DateInput(attrs={"type": "date"})


class SelectionForm(forms.Form):
    """The filter of the create page (all optional: no criterion takes every payable one)."""

    mode = forms.ChoiceField(label="모드", choices=[("live", "운영"), ("test", "테스트")])
    date_from = forms.DateField(label="정산일 시작", required=False, widget=_DATE)
    date_until = forms.DateField(label="정산일 끝", required=False, widget=_DATE)
    status = forms.ChoiceField(label="상태", required=False)
    partner_type = forms.ChoiceField(label="파트너 유형", required=False)
    contract = forms.ChoiceField(label="계약", required=False)
    tag = forms.ChoiceField(label="파트너 태그", required=False)
    method = forms.ChoiceField(
        label="지급 방식",
        choices=[
            (PayoutMethod.AGENCY, "송금대행 (지급 계좌에서 송금)"),
            (PayoutMethod.DIRECT, "직접 지급 (대량이체 파일)"),
        ],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        s = PartnerSettlementStatus
        self.fields["status"].choices = [
            ("", "지급 예정 + 지급 실패"),
            (s.PAYOUT_PREPARED, s.PAYOUT_PREPARED.label),
            (s.PAYOUT_FAILED, s.PAYOUT_FAILED.label),
        ]
        self.fields["partner_type"].choices = [("", "전체"), *PartnerType.choices]
        contracts = Contract.objects.order_by("is_for_test", "name").values_list(
            "public_id", "name", "is_for_test"
        )[:300]
        self.fields["contract"].choices = [("", "전체")] + [
            (pid, f"{'[테스트] ' if test else ''}{name} ({pid})") for pid, name, test in contracts
        ]
        tags = PartnerTag.objects.values_list("tag", flat=True).distinct().order_by("tag")[:200]
        self.fields["tag"].choices = [("", "전체")] + [(t, t) for t in tags]

    def clean(self):
        data = super().clean()
        start, until = data.get("date_from"), data.get("date_until")
        if start and until and until < start:
            raise forms.ValidationError("정산일 끝이 시작보다 빠릅니다.")
        data["method"] = data.get("method") or PayoutMethod.AGENCY
        return data


class ConfirmForm(forms.Form):
    name = forms.CharField(
        label="일괄 지급 이름",
        max_length=200,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "예: 3월 정산 지급"}),
    )
    memo = forms.CharField(
        label="내부 메모",
        max_length=256,
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}),
    )
    withdrawal_memo = forms.CharField(
        label="보내는 통장 메모",
        max_length=100,
        required=False,
        help_text="비우면 플랫폼 설정의 기본값",
        widget=UnfoldAdminTextInputWidget,
    )
    deposit_memo = forms.CharField(
        label="받는 통장 메모 (외부 메모)",
        max_length=100,
        required=False,
        help_text="비우면 플랫폼 설정의 기본값",
        widget=UnfoldAdminTextInputWidget,
    )


def filtered_ids(data: dict[str, Any]) -> list[str]:
    """The payable settlements the filter matches, as public ids in id order."""
    statuses = (data["status"],) if data.get("status") else tuple(PAYABLE_SETTLEMENT_STATUSES)
    f = PartnerSettlementFilter(
        contract_ids=(data["contract"],) if data.get("contract") else (),
        partner_tags=(data["tag"],) if data.get("tag") else (),
        statuses=statuses,
    )
    qs = partner_settlements(is_for_test=data["mode"] == "test", f=f).filter(status__in=statuses)
    if data.get("date_from"):
        qs = qs.filter(settlement_date__gte=data["date_from"])
    if data.get("date_until"):
        qs = qs.filter(settlement_date__lte=data["date_until"])
    if data.get("partner_type"):
        qs = qs.filter(partner__partner_type=data["partner_type"])
    return list(qs.order_by("id").values_list("public_id", flat=True))


def digest(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:32]


def remember_selection(request, ids: list[str], *, is_for_test: bool) -> str:
    """Ticked rows of the partner-settlement list, for the create page (one selection kept)."""
    token = secrets.token_urlsafe(12)
    request.session[SESSION_KEY] = {"token": token, "ids": ids, "is_for_test": is_for_test}
    return token


def _remembered(request, token: str) -> dict | None:
    kept = request.session.get(SESSION_KEY)
    if kept and token and secrets.compare_digest(kept.get("token", ""), token):
        return kept
    return None


def _preview_context(preview) -> dict[str, Any]:
    partners = Partner.objects.in_bulk([line.partner_pk for line in preview.lines[:PREVIEW_ROWS]])
    lines = []
    for line in preview.lines[:PREVIEW_ROWS]:
        a, c = line.amounts, line.currency
        partner = partners.get(line.partner_pk)
        lines.append(
            {
                "line": line,
                "type_label": PartnerType(line.partner_type).label,
                "bank": bank_label(line.bank),
                "warnings": partner_warnings(partner) if partner else [],
                "net": won(line.net_settlement, currency=c),
                "supply": won(a.supply_amount, currency=c),
                "vat": won(a.vat_amount, currency=c),
                "tax_free": won(a.tax_free_amount, currency=c),
                "income_tax": won(a.income_tax_amount, currency=c),
                "local_income_tax": won(a.local_income_tax_amount, currency=c),
                "amount": won(a.amount, currency=c),
            }
        )
    totals = [
        {
            "total": t,
            "settlement": won(t.settlement_amount, currency=t.currency),
            "settlement_text": amount_text(t.settlement_amount, t.currency),
            "amount_text": amount_text(t.amount, t.currency),
            "supply": won(t.supply_amount, currency=t.currency),
            "vat": won(t.vat_amount, currency=t.currency),
            "tax_free": won(t.tax_free_amount, currency=t.currency),
            "income_tax": won(t.income_tax_amount, currency=t.currency),
            "local_income_tax": won(t.local_income_tax_amount, currency=t.currency),
            "amount": won(t.amount, currency=t.currency),
        }
        for t in preview.totals
    ]
    krw = next((t for t in preview.totals if t.currency == "KRW"), None)
    return {
        "preview": preview,
        "lines": lines,
        "lines_more": max(0, len(preview.lines) - PREVIEW_ROWS),
        "totals": totals,
        "krw_total": krw.amount if krw else 0,
        "balance": won_text(preview.balance.balance),
        "reserved": won_text(preview.balance.reserved),
        "available": won_text(preview.balance.available),
        "recommended_deposit": won_text(preview.recommended_deposit),
    }


def create_view(request, model_admin):
    if not request.user.has_perm(ADD_PERMISSION):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    token = source.get("selection", "")
    kept = _remembered(request, token) if token else None
    if token and kept is None:
        messages.error(request, "선택한 정산 내역이 만료되었습니다. 목록에서 다시 선택하세요.")
        return HttpResponseRedirect(reverse("admin:settlements_partnersettlement_changelist"))
    form = SelectionForm(source if ("mode" in source or kept) else None)
    ids: list[str] | None = None
    is_for_test = False
    method = PayoutMethod.AGENCY
    if kept is not None:
        form.is_valid()  # only the method is read
        ids, is_for_test = list(kept["ids"]), bool(kept["is_for_test"])
        method = source.get("method") or PayoutMethod.AGENCY
        if method not in PayoutMethod.values:
            method = PayoutMethod.AGENCY
    elif form.is_bound and form.is_valid():
        ids = filtered_ids(form.cleaned_data)
        is_for_test = form.cleaned_data["mode"] == "test"
        method = form.cleaned_data["method"]
    confirm = ConfirmForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {
        "form": form,
        "confirm_form": confirm,
        "selection_token": token if kept else "",
        "selected_count": len(ids) if ids is not None else None,
        "is_for_test": is_for_test,
        "method": method,
        "method_label": PayoutMethod(method).label,
        "query": source.urlencode() if hasattr(source, "urlencode") else "",
    }
    if ids is not None:
        context["digest"] = digest(ids)
        if request.method == "POST":
            if request.POST.get("digest") != context["digest"]:
                messages.warning(
                    request,
                    "미리 보기 뒤에 선택된 정산 내역이 바뀌었습니다. 새 미리 보기를 확인하고 다시 "
                    "만드세요.",
                )
            elif confirm.is_valid():
                data = confirm.cleaned_data
                background = len(ids) > background_threshold()
                try:
                    bulk = bulk_payout_create(
                        background=background,
                        selection=Selection.of_ids(ids, is_for_test=is_for_test),
                        name=data["name"],
                        actor=actor(request),
                        method=method,
                        memo=data["memo"] or None,
                        withdrawal_memo=data["withdrawal_memo"] or None,
                        deposit_memo=data["deposit_memo"] or None,
                    )
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    if kept is not None:
                        request.session.pop(SESSION_KEY, None)
                    if background:
                        messages.success(
                            request,
                            f"일괄 지급 '{bulk.name}'을(를) 준비하고 있습니다: 정산 내역 "
                            f"{len(ids):,}건. 준비가 끝나면 이 화면에서 시작하거나 예약하세요.",
                        )
                    else:
                        messages.success(
                            request,
                            f"일괄 지급 '{bulk.name}'을(를) 만들었습니다: "
                            f"지급 {bulk.payout_count:,}건, "
                            f"총 {bulk.total_payout_amount:,}원. 시작하거나 예약하세요.",
                        )
                    return HttpResponseRedirect(
                        reverse("admin:payouts_bulkpayout_change", args=[bulk.pk])
                    )
        if not ids:
            context["preview_error"] = "조건에 맞는 지급 가능한 정산 내역이 없습니다."
            ids = None
    if ids is not None:
        try:
            preview = bulk_payout_preview(
                Selection.of_ids(ids, is_for_test=is_for_test), method=method
            )
        except DomainError as exc:
            context["preview_error"] = exc.message
        else:
            context.update(_preview_context(preview))
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(
        request,
        "payouts/admin_create.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "title": "일괄 지급 만들기",
            **context,
        },
    )
