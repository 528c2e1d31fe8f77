"""The admin's forms for settlement records: one manual transfer (수기 정산건 개별 등록) and the
reason a partner settlement's status changes.

The manual-transfer form only reads the fields; every rule (partner of the mode, currency, the
tax-free part, user-defined properties, a caller-chosen id) is the service's
(settlements.services.manual_transfers), whose refusals land on the field they are about. Like
the file upload, and unlike the API, it refuses 0 won: a transfer of nothing is a typing mistake.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminAutocompleteWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from core.errors import DomainError
from core.files.cells import CellError, parse_int
from partners.domain.banks import SUPPORTED_CURRENCIES
from partners.models import Partner
from settlements.services.manual_transfers import ManualTransferRequest

#: which form field a refusal of the service is about: by code, else by the error's API field
ERROR_FIELDS = {
    "PLATFORM_PARTNER_NOT_FOUND": "partner",
    "PLATFORM_CURRENCY_NOT_SUPPORTED": "settlement_currency",
    "PLATFORM_TRANSFER_ID_ALREADY_USED": "id",
    "PLATFORM_USER_DEFINED_PROPERTY_NOT_FOUND": "user_defined_properties",
}
API_FIELDS = {
    "partnerId": "partner",
    "settlementAmount": "settlement_amount",
    "settlementTaxFreeAmount": "settlement_tax_free_amount",
    "settlementDate": "settlement_date",
    "settlementCurrency": "settlement_currency",
    "userDefinedProperties": "user_defined_properties",
    "id": "id",
    "memo": "memo",
}


class AmountField(forms.CharField):
    """Won as people type them: 12,000 · -3000 · 12000원 (core.files.cells.parse_int)."""

    def __init__(self, *, allow_zero: bool = True, **kwargs):
        self.allow_zero = allow_zero
        kwargs.setdefault("widget", UnfoldAdminTextInputWidget(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            amount = parse_int(text, allow_negative=True)
        except CellError as exc:
            raise forms.ValidationError(str(exc)) from None
        if amount == 0 and not self.allow_zero:
            raise forms.ValidationError("0원은 등록할 수 없습니다.")
        return amount


def _properties(text: str) -> list[dict]:
    """'key=value' per line -> [{key, value: {string}}] as the API takes them."""
    out = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise forms.ValidationError(f"{number}번째 줄: '키=값' 형식으로 쓰세요: {line}")
        out.append({"key": key.strip(), "value": {"string": value.strip()}})
    return out


class PartnerIdWidget(UnfoldAdminAutocompleteWidget):
    """select2 over the partner ids (admin:settlements_transfer_partners); plain <option>s, so
    the chosen id is what is sent back."""

    option_template_name = "django/forms/widgets/select_option.html"


class ManualTransferForm(forms.Form):
    partner = forms.CharField(
        label=_("파트너"),
        max_length=100,
        help_text=_("이름이나 아이디로 찾습니다. 테스트 모드면 테스트 파트너 중에서 찾습니다."),
        widget=PartnerIdWidget(
            attrs={"data-ajax--url": reverse_lazy("admin:settlements_transfer_partners")}
        ),
    )
    settlement_amount = AmountField(
        label=_("정산금액 (원)"),
        allow_zero=False,
        help_text=_("양수는 지급할 금액, 음수(예: -3,000)는 차감(조정)입니다. 0원은 안 됩니다."),
    )
    settlement_tax_free_amount = AmountField(
        label=_("면세금액 (원)"),
        required=False,
        help_text=_("정산금액 중 면세분. 정산금액과 같은 부호이고 절댓값이 더 크지 않아야 합니다."),
    )
    settlement_date = forms.DateField(
        label=_("정산일"), widget=UnfoldAdminSingleDateWidget, initial=timezone.localdate
    )
    settlement_currency = forms.ChoiceField(
        label=_("정산 통화"),
        choices=[(c, c) for c in SUPPORTED_CURRENCIES],
        initial="KRW",
        widget=UnfoldAdminSelectWidget,
    )
    memo = forms.CharField(
        label=_("메모"),
        max_length=256,
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("파트너 정산 내역에서도 보이는 사유 (예: 1월 프로모션 지원금, 배송비 차감)"),
    )
    is_for_test = forms.BooleanField(
        label=_("테스트 모드"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
        help_text=_("켜면 테스트 데이터로 등록합니다 (운영 정산·지급에 들어가지 않습니다)."),
    )
    user_defined_properties = forms.CharField(
        label=_("사용자 정의 속성"),
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3, "placeholder": "키=값"}),
        help_text=_("한 줄에 하나씩 '키=값'. 키는 등록된 사용자 정의 속성이어야 합니다."),
    )
    id = forms.CharField(
        label=_("정산건 아이디 (선택)"),
        max_length=100,
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("비우면 새 아이디를 만듭니다. 같은 아이디로 두 번 등록할 수 없습니다."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # select2 shows only the options the <select> has: keep what was typed on a re-render.
        value = self.data.get("partner") if self.is_bound else None
        if value:
            partner = Partner.objects.filter(public_id=value).only("name").first()
            label = f"{partner.name} ({value})" if partner else value
            self.fields["partner"].widget.choices = [(value, label)]

    def clean_user_defined_properties(self):
        return _properties(self.cleaned_data.get("user_defined_properties", ""))

    def service_request(self) -> ManualTransferRequest:
        """The cleaned form as the service's request (as settlements.inputs builds the API's)."""
        data = self.cleaned_data
        return ManualTransferRequest(
            partner_id=data["partner"].strip(),
            settlement_amount=data["settlement_amount"],
            settlement_date=data["settlement_date"],
            settlement_tax_free_amount=data.get("settlement_tax_free_amount") or 0,
            settlement_currency=data.get("settlement_currency") or "KRW",
            memo=data.get("memo") or None,
            user_defined_properties=tuple(data.get("user_defined_properties") or ()),
            id=(data.get("id") or "").strip() or None,
        )

    def add_domain_error(self, error: DomainError, *, archived: bool = False) -> None:
        """The service's refusal on its field; its "field: " prefix left out there."""
        name = ERROR_FIELDS.get(error.code) or API_FIELDS.get(error.field or "")
        message = error.message
        if archived and name == "partner":
            message = f"보관된 파트너입니다: {self.cleaned_data['partner']}"
        for api_name in API_FIELDS:
            message = message.removeprefix(f"{api_name}: ")
        self.add_error(name if name in self.fields else None, message)


class StatusChangeForm(forms.Form):
    """The reason a person gives for a status change; kept as the history's change reason."""

    reason = forms.CharField(
        label=_("사유"),
        max_length=100,
        widget=UnfoldAdminTextInputWidget(attrs={"autofocus": True}),
        help_text=_("변경 이력에 남습니다 (예: 계좌 확인 중, 파트너 요청, 중복 정산)."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("사유를 입력하세요.")
        return reason
