"""Admin forms of contracts and policies: rates shown in percent (stored in milli-percent), the
settlement cycle as weekday checkboxes, a day-of-month grid and a month/day list, Korean labels and
help texts, and the checks a form makes before core.versioning writes.

The cycle values are stored exactly as the API stores them (policies.inputs.cycle_terms): weekdays
"SUN".."SAT" in week order, days 1..31 (31 = month end) ascending, `{"month", "day"}` pairs
ascending, no repeats, and the lists of the other methods empty. So a value a person types can no
longer reach the database in a shape the rest of the code does not expect.
"""

from __future__ import annotations

import calendar
import json
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminTextareaWidget,
)

from core.admin.widgets import CheckboxGrid, DateTimeLocalInput, MilliPercentField
from policies.admin.display import MONTH_END, WEEKDAY_LABELS, Malformed, month_day_pairs
from policies.models import (
    DAYS_OF_WEEK,
    AdditionalFeePolicy,
    Contract,
    CycleMethod,
    DiscountSharePolicy,
    FeeType,
    PlatformSetting,
)

HORIZONTAL = 1  # unfold's radio_style

WEEKDAY_CHOICES = list(WEEKDAY_LABELS.items())  # 월 화 수 목 금 토 일
DAY_CHOICES = [(str(d), str(d)) for d in range(1, MONTH_END)] + [(str(MONTH_END), "31·말일")]

#: the cycle method -> the form field that must hold its days
CYCLE_DAYS_FIELD = {
    CycleMethod.WEEKLY: "days_of_week",
    CycleMethod.MONTHLY: "days_of_month",
    CycleMethod.MANUAL_DATES: "manual_dates",
}
CYCLE_EMPTY_MESSAGE = {
    "days_of_week": _("매주 정산은 요일을 하나 이상 고르세요."),
    "days_of_month": _("매월 정산은 정산일을 하나 이상 고르세요."),
    "manual_dates": _("지정일 정산은 날짜를 하나 이상 입력하세요 (예: 3/15, 6/15)."),
}

#: unfold's conditional fields: only the inputs that matter for the chosen options show
FEE_CONDITIONS = {
    "fee_rate": "fee_type == 'FIXED_RATE'",
    "fee_amount": "fee_type == 'FIXED_AMOUNT'",
}
CYCLE_CONDITIONS = {
    "days_of_week": "cycle_method == 'WEEKLY'",
    "days_of_month": "cycle_method == 'MONTHLY'",
    "manual_dates": "cycle_method == 'MANUAL_DATES'",
}


# --- fields -------------------------------------------------------------------------------------


class WeekdaysField(forms.MultipleChoiceField):
    """Seven checkboxes 월..일; cleans to the stored names in week order (SUN first)."""

    widget = CheckboxGrid

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("정산 요일"))
        kwargs.setdefault("help_text", _("매주 정산할 요일을 고르세요."))
        super().__init__(choices=WEEKDAY_CHOICES, required=False, **kwargs)
        self.error_messages["invalid_choice"] = _("없는 요일입니다: %(value)s")

    def prepare_value(self, value):
        return value if isinstance(value, list) else []

    def clean(self, value):
        days = super().clean(value)
        return sorted(set(days), key=DAYS_OF_WEEK.index)


class MonthDaysField(forms.TypedMultipleChoiceField):
    """A grid of 1..31 (31 = 말일); cleans to ascending integers."""

    widget = CheckboxGrid

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("정산일(매월)"))
        kwargs.setdefault(
            "help_text",
            _(
                "매월 정산할 날을 고르세요. 31·말일은 그 달의 마지막 날이고, 29·30일도 그 날이 "
                "없는 달에는 말일로 당겨집니다."
            ),
        )
        super().__init__(choices=DAY_CHOICES, coerce=int, required=False, **kwargs)
        self.error_messages["invalid_choice"] = _(
            "1~31일 중에서 고르세요 (%(value)s 은(는) 없는 날입니다)."
        )

    def prepare_value(self, value):
        return [str(v) for v in value] if isinstance(value, list) else []

    def clean(self, value):
        return sorted(set(super().clean(value)))


_PAIR = re.compile(r"^(\d{1,2})\s*(?:/|-|\.|월)\s*(\d{1,2})\s*일?$")


class MonthDayListField(forms.CharField):
    """Month/day pairs typed as "3/15, 6/15, 12/31" (also "3-15", "3월 15일", one per line);
    cleans to `[{"month": 3, "day": 15}, ...]`, ascending, no repeats."""

    widget = UnfoldAdminTextareaWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("지정 정산일"))
        kwargs.setdefault(
            "help_text",
            _(
                "매년 반복할 월/일을 쉼표나 줄바꿈으로 구분해 입력하세요 (예: 3/15, 6/15, 12/31). "
                "2/29는 평년에 2/28로 당겨집니다."
            ),
        )
        kwargs.setdefault("widget", UnfoldAdminTextareaWidget(attrs={"rows": 2}))
        super().__init__(required=False, strip=True, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, str):
            return value  # what the person typed, shown back with its error
        if not value:
            return ""
        try:
            return ", ".join(f"{m}/{d}" for m, d in month_day_pairs(value))
        except Malformed:
            return json.dumps(value, ensure_ascii=False)  # a bad stored value, to fix by hand

    def to_python(self, value):
        text = super().to_python(value)
        pairs, errors = set(), []
        for token in (t.strip() for t in re.split(r"[,\n;]+", text or "")):
            if not token:
                continue
            match = _PAIR.match(token)
            if not match:
                errors.append(f"'{token}': 월/일 형식으로 입력하세요 (예: 3/15).")
                continue
            month, day = int(match[1]), int(match[2])
            if not 1 <= month <= 12:
                errors.append(f"'{token}': 월은 1~12 사이여야 합니다.")
                continue
            last = calendar.monthrange(2024, month)[1]  # a leap year: 2/29 is allowed
            if not 1 <= day <= last:
                errors.append(f"'{token}': {month}월에는 {last}일까지 있습니다.")
                continue
            pairs.add((month, day))
        if errors:
            raise ValidationError(errors)
        return [{"month": m, "day": d} for m, d in sorted(pairs)]


# --- forms --------------------------------------------------------------------------------------


def _radios(form: forms.Form, name: str, help_text=None) -> None:
    field = form.fields.get(name)
    if field is None:
        return
    choices = [(value, label) for value, label in field.choices if value != ""]
    field.widget = UnfoldAdminRadioSelectWidget(radio_style=HORIZONTAL, choices=choices)
    if help_text:
        field.help_text = help_text


class VersionedForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "public_id" in self.fields:
            self.fields["public_id"].help_text = _(
                "API와 파일에서 이 항목을 부르는 아이디 (만든 뒤에는 바꿀 수 없습니다)."
            )
        if "is_for_test" in self.fields:
            self.fields["is_for_test"].label = _("테스트 모드")
            self.fields["is_for_test"].help_text = _(
                "테스트 모드 항목은 테스트 API(test=true)에서만 보이고 운영 정산에 쓰이지 않습니다."
            )
        if "memo" in self.fields:
            self.fields["memo"].help_text = _("내부 메모 (정산서에 나오지 않습니다).")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.is_archived:
            raise ValidationError(_("보관된 항목은 수정할 수 없습니다. 먼저 복원하세요."))
        return cleaned


class FeeForm(VersionedForm):
    """A contract or an additional-fee policy: a rate or a fixed amount, never both."""

    fee_rate = MilliPercentField(
        label=_("수수료율(%)"),
        required=False,
        help_text=_("판매금액에 곱하는 비율, 퍼센트로 입력 (예: 3.5 = 3.5%, 0.001%까지)."),
    )
    fee_amount = forms.IntegerField(
        label=_("정액 수수료(원)"),
        required=False,
        min_value=0,
        widget=UnfoldAdminIntegerFieldWidget(),
        help_text=_("건마다 떼는 금액, 원 단위 정수 (예: 1000)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _radios(
            self,
            "fee_type",
            _("정률: 금액의 몇 %를 수수료로 뗍니다. 정액: 건마다 정해진 금액을 뗍니다."),
        )

    def clean(self):
        cleaned = super().clean()
        fee_type = cleaned.get("fee_type")
        if fee_type == FeeType.FIXED_RATE:
            if cleaned.get("fee_rate") is None and "fee_rate" not in self.errors:
                self.add_error("fee_rate", _("정률 수수료는 수수료율이 필요합니다."))
            cleaned["fee_amount"] = None
        elif fee_type == FeeType.FIXED_AMOUNT:
            if cleaned.get("fee_amount") is None and "fee_amount" not in self.errors:
                self.add_error("fee_amount", _("정액 수수료는 0원 이상의 금액이 필요합니다."))
            cleaned["fee_rate"] = None
        return cleaned


class ContractForm(FeeForm):
    days_of_week = WeekdaysField()
    days_of_month = MonthDaysField()
    manual_dates = MonthDayListField()
    lag_days = forms.IntegerField(
        label=_("지체일(D+n)"),
        widget=UnfoldAdminIntegerFieldWidget(attrs={"min": 1, "max": 10}),
        help_text=_(
            "정산 시작일(주문·결제일)에서 며칠 뒤부터 정산일을 찾을지, 1~10일 (예: 3 = D+3)."
        ),
    )

    class Meta:
        model = Contract
        fields = ("public_id", "is_for_test", *Contract.TERMS)
        labels = {"subtract_payment_vat_amount": _("결제금액 부가세 감액")}
        help_texts = {
            "name": _("목록과 정산서에 보이는 계약 이름."),
            "subtract_payment_vat_amount": _(
                "켜면 결제금액의 부가세를 빼고 정산합니다 (부가세를 플랫폼이 신고하는 경우)."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _radios(
            self,
            "platform_fee_vat_payer",
            _(
                "중개수수료에 붙는 부가세(10%)를 누가 부담하는지: "
                "파트너 부담이면 정산금에서 뺍니다."
            ),
        )
        _radios(
            self,
            "cycle_method",
            _("매일·매주·매월·지정일 중 정산일을 잡는 방식. 고른 방식의 날짜만 저장됩니다."),
        )
        _radios(
            self,
            "date_policy",
            _(
                "정산일이 주말·공휴일이면: 전 영업일로 당기거나, 후 영업일로 미루거나, "
                "그대로 둡니다."
            ),
        )

    def clean(self):
        cleaned = super().clean()
        lag = cleaned.get("lag_days")
        if lag is not None and not 1 <= lag <= 10:
            self.add_error("lag_days", _("지체일은 1~10일이어야 합니다."))
        method = cleaned.get("cycle_method")
        for m, name in CYCLE_DAYS_FIELD.items():
            if m == method:
                if name not in self.errors and not cleaned.get(name):
                    self.add_error(name, CYCLE_EMPTY_MESSAGE[name])
            elif method:
                # only the chosen method's days are kept (as the API does); the others are hidden
                # on the page, so what they hold can neither be seen nor block the save
                self._errors.pop(name, None)
                cleaned[name] = []
        return cleaned


class DiscountSharePolicyForm(VersionedForm):
    partner_share_rate = MilliPercentField(
        label=_("파트너 분담률(%)"),
        help_text=_("할인 금액 중 파트너가 부담하는 비율, 퍼센트로 입력 (예: 50 = 절반)."),
    )

    class Meta:
        model = DiscountSharePolicy
        fields = ("public_id", "is_for_test", *DiscountSharePolicy.TERMS)
        help_texts = {"name": _("목록과 정산서에 보이는 정책 이름.")}


class AdditionalFeePolicyForm(FeeForm):
    class Meta:
        model = AdditionalFeePolicy
        fields = ("public_id", "is_for_test", *AdditionalFeePolicy.TERMS)
        help_texts = {"name": _("목록과 정산서에 보이는 정책 이름 (예: 풀필먼트 수수료).")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _radios(
            self,
            "vat_payer",
            _("이 수수료에 붙는 부가세(10%)를 누가 부담하는지: 파트너 부담이면 정산금에서 뺍니다."),
        )


class PlatformSettingForm(forms.ModelForm):
    """The platform setting, with what each switch does in words (docs/api.md#platform-setting)."""

    class Meta:
        model = PlatformSetting
        fields = (
            "settlement_amount_type",
            "deduct_wht",
            "supports_multiple_order_transfers_per_partner",
            "adjust_settlement_date_after_holiday_if_earlier",
            "default_withdrawal_memo",
            "default_deposit_memo",
        )
        help_texts = {
            "settlement_amount_type": _(
                "정산 금액을 공급가액(부가세 제외)으로 볼지, 부가세 포함 금액으로 볼지."
            ),
            "deduct_wht": _("켜면 지급할 때 원천징수세(사업소득 3.3% 등)를 빼고 보냅니다."),
            "supports_multiple_order_transfers_per_partner": _(
                "켜면 한 주문에 같은 파트너의 정산건을 여러 개 만들 수 있습니다."
            ),
            "adjust_settlement_date_after_holiday_if_earlier": _(
                "공휴일 규칙으로 당긴 정산일이 정산 시작일보다 앞서면, 공휴일 후 영업일로 다시 "
                "계산합니다. 끄면 시작일 이전 날짜를 그대로 씁니다."
            ),
            "default_withdrawal_memo": _("지급할 때 보내는 통장에 찍히는 기본 메모."),
            "default_deposit_memo": _("지급할 때 받는 통장에 찍히는 기본 메모."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _radios(self, "settlement_amount_type")


# --- schedules ----------------------------------------------------------------------------------


def schedule_form(form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """The entity's form for a scheduled change (변경 예약): its terms plus when they apply."""

    class ScheduleForm(form_class):
        applied_at = forms.DateTimeField(
            label=_("적용 시각"),
            widget=DateTimeLocalInput(),
            help_text=_("이 시각(한국 시간)부터 새 내용이 적용됩니다. 미래 시각이어야 합니다."),
        )

        class Meta(form_class.Meta):
            fields = tuple(form_class.Meta.model.TERMS)

        def clean_applied_at(self):
            value = self.cleaned_data["applied_at"]
            if value <= timezone.now():
                raise ValidationError(_("미래 시각이어야 합니다."))
            return value

    ScheduleForm.__name__ = f"Schedule{form_class.__name__}"
    return ScheduleForm


def terms_from(form: forms.Form, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}
