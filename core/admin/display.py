"""How the admin shows money, statuses and numbers: one place, so every list and page agrees.

`money` and `badge` build list/detail display methods that also carry what the Excel export of the
same column writes (`export`: the integer amount, the Korean label), so a download never holds
"1,234,567원" text where a finance team wants a number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import attrgetter
from typing import Any

from django.utils.html import format_html
from unfold.decorators import display

#: unfold's label colours
INFO, SUCCESS, WARNING, DANGER, NEUTRAL, PRIMARY = (
    "info",
    "success",
    "warning",
    "danger",
    "",
    "primary",
)


def won_text(amount: int | None) -> str:
    """1234567 -> "1,234,567원" (the one format for KRW on screen)."""
    if amount is None:
        return "-"
    return f"{amount:,}원"


def won(amount: int | None, *, currency: str = "KRW") -> str:
    """An amount as a right-aligned HTML cell; negative amounts in red."""
    if amount is None:
        return "-"
    text = won_text(amount) if currency == "KRW" else f"{amount:,} {currency}"
    css = "amount negative" if amount < 0 else "amount"
    return format_html('<span class="{}">{}</span>', css, text)


def money(field: str, description: str, *, currency_field: str | None = None) -> Callable:
    """A display method for an integer amount field: formatted on screen, the integer in Excel,
    sortable by the field."""
    get = attrgetter(field)

    @display(description=description, ordering=field)
    def show(self, obj):
        currency = getattr(obj, currency_field) if currency_field else "KRW"
        return won(get(obj), currency=currency)

    show.export = get
    show.export_amount = True
    show.__name__ = f"{field}_money"
    return show


def badge(field: str, description: str, tones: Mapping[str, str], *, ordering: bool = True):
    """A display method for a choice field as a coloured badge with its Korean label; Excel gets
    the label."""

    def label(obj) -> str:
        return getattr(obj, f"get_{field}_display")()

    @display(description=description, ordering=field if ordering else None, label=dict(tones))
    def show(self, obj):
        return getattr(obj, field), label(obj)

    show.export = label
    show.__name__ = f"{field}_badge"
    return show


def brn(number: str | None) -> str:
    """1208147521 -> 120-81-47521 (사업자등록번호 as people write it)."""
    digits = "".join(ch for ch in (number or "") if ch.isdigit())
    if len(digits) != 10:
        return number or "-"
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def truncated(text: Any, width: str = "16rem") -> str:
    """A name on one line, cut with an ellipsis; the whole text in the tooltip."""
    text = "" if text is None else str(text)
    return format_html(
        '<span class="cell-name" style="max-width:{}" title="{}">{}</span>', width, text, text
    )
