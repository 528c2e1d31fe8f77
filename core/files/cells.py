"""Cell formats every upload accepts, so a value typed one way in one file works in all of them
(docs/files.md, "Cells").

* amounts: `12000`, `12,000`, `12,000원`, `12000.0` (an XLSX number cell); never a fraction;
* dates: `2025-10-01`, `2025.10.01`, `2025/10/01`, `20251001`, an Excel date cell;
* instants: RFC 3339, or a local (KST) date and time;
* choices: a label or a code, spaces and case ignored.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from core.files.rows import CellError

_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def parse_int(text: str, *, allow_negative: bool = False) -> int:
    """'10,000' / '10,000원' / '10000' / '10000.0' -> 10000; '−3,000' (a typographic minus
    pasted from a document) -> -3000. Refused: fractions ('12.5'), commas that are not thousands
    separators ('1,2,3'), words — won has no minor unit, and a silently rounded or misread amount
    is worse than an error."""
    cleaned = text.strip().replace("\u2212", "-").removesuffix("원").strip()
    if "," in cleaned:
        if not _GROUPED.match(cleaned):
            raise CellError(f"숫자가 아닙니다 (쉼표는 천 단위 구분에만 씁니다): {text}")
        cleaned = cleaned.replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(f"숫자가 아닙니다: {text}") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise CellError(f"정수(원 단위)여야 합니다: {text}")
    if value < 0 and not allow_negative:
        raise CellError(f"0 이상이어야 합니다: {text}")
    if abs(value) >= 2**63:
        raise CellError(f"너무 큰 금액입니다: {text}")
    return int(value)


_DATE = re.compile(r"^(\d{4})[-./]?(\d{1,2})[-./]?(\d{1,2})\.?$")


def parse_date(text: str) -> date:
    """2025-10-01, 2025.10.01, 2025/10/01, 20251001 (and an XLSX date cell)."""
    match = _DATE.match(text.strip())
    if not match:
        raise CellError(f"날짜 형식이 아닙니다 (예: 2025-10-01): {text}")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellError(f"없는 날짜입니다: {text}") from None


_LOCAL_TIME = re.compile(
    r"^(\d{4}[-./]?\d{1,2}[-./]?\d{1,2})\.?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def parse_datetime(text: str) -> datetime:
    """RFC 3339 ('2025-10-01T10:00:00+09:00'), or a local time in KST ('2025-10-01 10:00',
    '2025.10.01 10:00:00', a date alone = 00:00 KST)."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        match = _LOCAL_TIME.match(value)
        if not match:
            raise CellError(f"시각 형식이 아닙니다 (예: 2025-10-01 10:00): {text}") from None
        day = parse_date(match.group(1))
        hour, minute, second = (int(g or 0) for g in match.groups()[1:])
        try:
            parsed = datetime.combine(day, time(hour, minute, second))
        except ValueError:
            raise CellError(f"없는 시각입니다: {text}") from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def parse_choice(text: str, choices: dict[str, str], label: str) -> str:
    value = choices.get(re.sub(r"\s+", "", text).upper()) or choices.get(re.sub(r"\s+", "", text))
    if value is None:
        allowed = ", ".join(k for k in choices if not k.isascii()) or ", ".join(choices)
        raise CellError(f"{label} 값이 올바르지 않습니다 ({allowed} 중 하나): {text}")
    return value
