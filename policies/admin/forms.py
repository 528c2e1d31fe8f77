"""Admin forms of contracts and policies: rates shown in percent (stored in milli-percent) and the
checks a form makes before core.versioning writes."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.admin.widgets import MilliPercentField
from policies.models import AdditionalFeePolicy, Contract, DiscountSharePolicy


class VersionedForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.is_archived:
            raise ValidationError(_("보관된 항목은 수정할 수 없습니다. 먼저 복원하세요."))
        return cleaned


class FeeForm(VersionedForm):
    """A contract or an additional-fee policy: a rate or a fixed amount, never both."""

    fee_rate = MilliPercentField(label=_("수수료율(%)"), required=False)

    def clean(self):
        cleaned = super().clean()
        fee_type = cleaned.get("fee_type")
        if fee_type == "FIXED_RATE":
            if cleaned.get("fee_rate") is None:
                self.add_error("fee_rate", _("정률 수수료는 수수료율이 필요합니다."))
            cleaned["fee_amount"] = None
        elif fee_type == "FIXED_AMOUNT":
            if cleaned.get("fee_amount") is None or cleaned["fee_amount"] < 0:
                self.add_error("fee_amount", _("정액 수수료는 0원 이상의 금액이 필요합니다."))
            cleaned["fee_rate"] = None
        return cleaned


class ContractForm(FeeForm):
    class Meta:
        model = Contract
        fields = ("public_id", "is_for_test", *Contract.TERMS)

    def clean(self):
        cleaned = super().clean()
        lag = cleaned.get("lag_days")
        if lag is not None and not 1 <= lag <= 10:
            self.add_error("lag_days", _("지체일은 1~10일이어야 합니다."))
        method = cleaned.get("cycle_method")
        required = {
            "WEEKLY": "days_of_week",
            "MONTHLY": "days_of_month",
            "MANUAL_DATES": "manual_dates",
        }
        if method in required and not cleaned.get(required[method]):
            self.add_error(required[method], _("이 정산 주기에는 값이 필요합니다."))
        return cleaned


class DiscountSharePolicyForm(VersionedForm):
    partner_share_rate = MilliPercentField(label=_("파트너 분담률(%)"))

    class Meta:
        model = DiscountSharePolicy
        fields = ("public_id", "is_for_test", *DiscountSharePolicy.TERMS)


class AdditionalFeePolicyForm(FeeForm):
    class Meta:
        model = AdditionalFeePolicy
        fields = ("public_id", "is_for_test", *AdditionalFeePolicy.TERMS)
