"""How the back office shows a contract's or policy's terms to people: "매주 목요일", "매월 25일,
말일", "지정일 3/15, 6/15", "3.5%", "1,000원", Korean term labels.

Every function here takes whatever is stored and never raises: a value the form would refuse
today (a bare `25` typed into an old JSON box, a date without its day) is shown as it is, marked
"값 오류", so one bad row can never take a whole list or page down.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from policies.domain.rates import format_milli_percent
from policies.models import DAYS_OF_WEEK, CycleMethod, FeeType

#: stored weekday -> Korean, in the order people read a week (월..일)
WEEKDAY_LABELS = {
    "MON": "월",
    "TUE": "화",
    "WED": "수",
    "THU": "목",
    "FRI": "금",
    "SAT": "토",
    "SUN": "일",
}
assert set(WEEKDAY_LABELS) == set(DAYS_OF_WEEK)

#: 31 means the month end (docs/dates.md#month-end-clamping)
MONTH_END = 31

#: terms shown as rates (milli-percent) and as KRW amounts
RATE_TERMS = frozenset({"fee_rate", "partner_share_rate"})
AMOUNT_TERMS = frozenset({"fee_amount"})


class Malformed(ValueError):
    """A stored value no form would accept."""


def _raw(value: Any) -> str:
    return f"값 오류: {value!r}"


def weekdays_text(days: Any) -> str:
    """["THU"] -> "목요일"; ["MON", "THU"] -> "월·목요일". Raises Malformed."""
    if not isinstance(days, list) or not days or not all(d in WEEKDAY_LABELS for d in days):
        raise Malformed(days)
    ordered = [d for d in WEEKDAY_LABELS if d in days]
    return "·".join(WEEKDAY_LABELS[d] for d in ordered) + "요일"


def _day_of_month(day: Any) -> int:
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= MONTH_END:
        raise Malformed(day)
    return day


def month_days_text(days: Any) -> str:
    """[25, 31] -> "25일, 말일". Raises Malformed."""
    if not isinstance(days, list) or not days:
        raise Malformed(days)
    ordered = sorted({_day_of_month(d) for d in days})
    return ", ".join("말일" if d == MONTH_END else f"{d}일" for d in ordered)


def month_day_pairs(dates: Any) -> list[tuple[int, int]]:
    """[{"month": 3, "day": 15}] -> [(3, 15)], sorted. Raises Malformed."""
    if not isinstance(dates, list) or not dates:
        raise Malformed(dates)
    pairs = []
    for item in dates:
        if not isinstance(item, dict):
            raise Malformed(item)
        month, day = item.get("month"), item.get("day")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (month, day)):
            raise Malformed(item)
        if not (1 <= month <= 12 and 1 <= day <= 31):
            raise Malformed(item)
        pairs.append((month, day))
    return sorted(set(pairs))


def manual_dates_text(dates: Any) -> str:
    """[{"month": 3, "day": 15}, {"month": 6, "day": 15}] -> "3/15, 6/15". Raises Malformed."""
    return ", ".join(f"{m}/{d}" for m, d in month_day_pairs(dates))


def cycle_text(terms: Any) -> str:
    """The settlement cycle as a finance team says it; never raises. `terms` is an entity or a
    terms dict."""
    get = terms.get if isinstance(terms, dict) else lambda name: getattr(terms, name, None)
    method = get("cycle_method")
    try:
        if method == CycleMethod.DAILY:
            return "매일"
        if method == CycleMethod.WEEKLY:
            return f"매주 {weekdays_text(get('days_of_week'))}"
        if method == CycleMethod.MONTHLY:
            return f"매월 {month_days_text(get('days_of_month'))}"
        if method == CycleMethod.MANUAL_DATES:
            return f"지정일 {manual_dates_text(get('manual_dates'))}"
    except Malformed:
        stored = {
            CycleMethod.WEEKLY: "days_of_week",
            CycleMethod.MONTHLY: "days_of_month",
            CycleMethod.MANUAL_DATES: "manual_dates",
        }[method]
        return f"{CycleMethod(method).label} ({_raw(get(stored))})"
    return _raw(method)


def rate_text(rate: Any) -> str:
    if isinstance(rate, bool) or not isinstance(rate, int):
        return "-" if rate is None else _raw(rate)
    return format_milli_percent(rate)


def amount_text(amount: Any) -> str:
    if isinstance(amount, bool) or not isinstance(amount, int):
        return "-" if amount is None else _raw(amount)
    return f"{amount:,}원"


def fee_text(terms: Any) -> str:
    """ "3.5%" or "1,000원"; never raises."""
    get = terms.get if isinstance(terms, dict) else lambda name: getattr(terms, name, None)
    if get("fee_type") == FeeType.FIXED_RATE:
        return rate_text(get("fee_rate"))
    if get("fee_type") == FeeType.FIXED_AMOUNT:
        return amount_text(get("fee_amount"))
    return _raw(get("fee_type"))


def term_label(model, name: str) -> str:
    """A term's Korean label (the model field's verbose name, without its unit note)."""
    try:
        label = str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name
    return {"수수료율(밀리퍼센트)": "수수료율", "파트너 분담률(밀리퍼센트)": "파트너 분담률"}.get(
        label, label
    )


def term_text(model, name: str, value: Any) -> str:
    """One term's value for people; never raises."""
    try:
        if value is None or value == "":
            return "-"
        if name in RATE_TERMS:
            return rate_text(value)
        if name in AMOUNT_TERMS:
            return amount_text(value)
        if name == "days_of_week":
            return weekdays_text(value) if value else "-"
        if name == "days_of_month":
            return month_days_text(value) if value else "-"
        if name == "manual_dates":
            return manual_dates_text(value) if value else "-"
        if name == "lag_days" and isinstance(value, int):
            return f"D+{value}"
        if isinstance(value, bool):
            return "예" if value else "아니오"
        field = model._meta.get_field(name)
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        return str(value)
    except Malformed:
        return _raw(value)
    except Exception:
        return str(value)


def label_html(text: str, tone: str = "") -> SafeString:
    """unfold's coloured label (tones as in core.admin.display)."""
    return render_to_string("unfold/helpers/label.html", {"text": text, "type": tone})


def status_words(obj) -> list[tuple[str, str]]:
    """(word, tone) per badge: 보관됨, 테스트, 변경 예약 (a pending schedule, when the list
    annotated `has_pending`); a live contract in use has none."""
    words = []
    if obj.is_archived:
        words.append(("보관됨", "warning"))
    if obj.is_for_test:
        words.append(("테스트", "info"))
    if getattr(obj, "has_pending", False):
        words.append(("변경 예약", "primary"))
    return words


def status_labels(obj) -> SafeString:
    words = status_words(obj)
    if not words:
        return format_html('<span class="muted">{}</span>', "-")
    return format_html(
        '<span class="nowrap">{}</span>',
        format_html_join(" ", "{}", ((label_html(w, tone),) for w, tone in words)),
    )


def status_text(obj) -> str:
    return ", ".join(w for w, _tone in status_words(obj))


def terms_table(model, items: list[tuple[str, Any]]) -> SafeString:
    """Terms as a two-column table (label, formatted value)."""
    rows = format_html_join(
        "",
        "<tr><th>{}</th><td>{}</td></tr>",
        ((term_label(model, n), term_text(model, n, v)) for n, v in items),
    )
    return format_html('<table class="data terms">{}</table>', rows)
