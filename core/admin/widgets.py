"""Admin form helpers shared by the apps."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminTextInputWidget


class MilliPercentField(forms.CharField):
    """Shows and accepts percent ("3.5") while the model stores milli-percent (3_500)."""

    def __init__(self, *args, max_percent: int = 100, **kwargs):
        self.max_percent = max_percent
        kwargs.setdefault("help_text", "퍼센트로 입력 (예: 3.5 = 3.5%)")
        kwargs.setdefault(
            "widget", UnfoldAdminTextInputWidget(attrs={"suffix": "%", "inputmode": "decimal"})
        )
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return format(Decimal(value) / 1000, "f").rstrip("0").rstrip(".") if value else "0"
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in (None, ""):
            return None
        try:
            percent = Decimal(str(value).strip().rstrip("%"))
        except InvalidOperation:
            raise ValidationError("숫자로 입력하세요 (예: 3.5).") from None
        milli = percent * 1000
        if milli != milli.to_integral_value():
            raise ValidationError("소수점 셋째 자리(0.001%)까지만 입력할 수 있습니다.")
        if not 0 <= percent <= self.max_percent:
            raise ValidationError(f"0~{self.max_percent}% 사이여야 합니다.")
        return int(milli)


class CheckboxGrid(UnfoldAdminCheckboxSelectMultipleWidget):
    """Checkboxes laid out in a row or a grid (core/static/core/admin.css `.check-grid`):
    `columns=7` gives a week per row (weekdays, days of a month)."""

    def __init__(self, *args, columns: int = 7, **kwargs):
        self.columns = columns
        super().__init__(*args, **kwargs)

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="check-grid" style="--check-columns:{}">{}</div>', self.columns, html
        )


class DateTimeLocalInput(UnfoldAdminTextInputWidget):
    """The browser's date-and-time picker (`<input type="datetime-local">`), local time."""

    input_type = "datetime-local"

    def format_value(self, value):
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%dT%H:%M")
        return super().format_value(value)
