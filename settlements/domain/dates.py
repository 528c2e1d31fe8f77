"""Settlement dates (정산일 계산): business-day calendar and contract cycle
(docs/dates.md#business-days, docs/dates.md#settlement-date).

`settlement_date()` turns a settlement start date, a contract's settlement cycle (lagDays, method,
datePolicy) and the platform setting `adjustSettlementDateAfterHolidayIfEarlier` into the
transfer's settlementDate. `BusinessCalendar` says which days banks are open: Monday–Friday and
not a Korean public holiday (the `holidays` package: statutory, lunar, substitute, election and
temporary holidays), not a caller-supplied closed day, and — per setting — not 05-01 / 12-31.

What this module must NOT do:
* no Django, no ORM: the caller loads the admin-maintained closed days and the settings and
  passes them in (`BusinessCalendar(extra_closed_days=..., ...)`);
* no clock and no time zones: inputs are `date`s already converted to KST by the caller
  (never `date.today()` here);
* no money arithmetic (that is `settlements.domain.calculation`).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import ClassVar, NamedTuple

import holidays

MAX_SHIFT_DAYS = 366  # a business day is always found well within a year


class DatePolicy(StrEnum):
    """기준일: how a cycle date that is not a business day is moved (docs/dates.md#date-policy)."""

    HOLIDAY_BEFORE = "HOLIDAY_BEFORE"  # 공휴일 전 영업일: back to the previous business day
    HOLIDAY_AFTER = "HOLIDAY_AFTER"  # 공휴일 후 영업일: forward to the next business day
    CALENDAR_DAY = "CALENDAR_DAY"  # 달력일: no move


class CycleType(StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    MANUAL_DATES = "MANUAL_DATES"


# SDK day names in `date.weekday()` order (Monday = 0).
WEEKDAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


class MonthDay(NamedTuple):
    """One MANUAL_DATES entry (the SDK's `MonthDay`); plain `(month, day)` tuples work too."""

    month: int
    day: int


@dataclass(frozen=True)
class SettlementCycle:
    """A contract's `settlementCycle` (resolved version): `D+lag_days`, method, date policy.

    Only the list of the chosen method is used: `days_of_week` (`"SUN".."SAT"`) for WEEKLY,
    `days_of_month` (1..31, 31 = month end) for MONTHLY, `manual_dates` for MANUAL_DATES.
    """

    lag_days: int
    date_policy: DatePolicy
    method: CycleType = CycleType.DAILY
    days_of_week: tuple[str, ...] = ()
    days_of_month: tuple[int, ...] = ()
    manual_dates: tuple[MonthDay, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "date_policy", DatePolicy(self.date_policy))
        object.__setattr__(self, "method", CycleType(self.method))
        object.__setattr__(self, "days_of_week", tuple(self.days_of_week))
        object.__setattr__(self, "days_of_month", tuple(self.days_of_month))
        object.__setattr__(self, "manual_dates", tuple(MonthDay(*md) for md in self.manual_dates))
        if self.lag_days < 0:
            raise ValueError(f"lag_days must not be negative: {self.lag_days}")
        if self.method is CycleType.WEEKLY:
            unknown = set(self.days_of_week) - set(WEEKDAY_NAMES)
            if not self.days_of_week or unknown:
                raise ValueError(f"WEEKLY needs days of week in SUN..SAT: {self.days_of_week}")
        if self.method is CycleType.MONTHLY and (
            not self.days_of_month or not all(1 <= d <= 31 for d in self.days_of_month)
        ):
            raise ValueError(f"MONTHLY needs days of month in 1..31: {self.days_of_month}")
        if self.method is CycleType.MANUAL_DATES and (
            not self.manual_dates
            or not all(1 <= m <= 12 and 1 <= d <= 31 for m, d in self.manual_dates)
        ):
            raise ValueError(f"MANUAL_DATES needs (month 1..12, day 1..31): {self.manual_dates}")


class SettlementDateEarlierThanStartDateError(Exception):
    """An explicit settlementDate before the settlement start date
    (docs/dates.md#step-1-explicit-date)."""

    error_type: ClassVar[str] = "PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE"
    refusal: ClassVar[str] = "invalid"  # a core.errors.Kind value

    def __init__(self, settlement_start_date: date, settlement_date: date) -> None:
        self.settlement_start_date = settlement_start_date
        self.settlement_date = settlement_date
        super().__init__(
            f"settlementDate {settlement_date} is earlier than "
            f"settlementStartDate {settlement_start_date}"
        )


# ---------------------------------------------------------------------------------------------
# Business-day calendar (docs/dates.md#business-days)
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def korean_public_holidays(year: int) -> frozenset[date]:
    """Statutory Korean public holidays of one year, from the `holidays` package (PUBLIC category).

    Includes Seollal/Chuseok (lunar), substitute holidays (대체공휴일), election days and temporary
    holidays (임시공휴일). Every day docs/dates.md#business-days lists for 2025 and 2026 is in
    holidays 0.109 (pinned by tests/settlements/test_dates.py), so no supplementary table is
    needed; days the package lacks (e.g. a temporary holiday announced at short notice) are
    passed in as `BusinessCalendar(extra_closed_days=...)` from the admin-maintained table.
    """
    return frozenset(holidays.country_holidays("KR", years=year))


class BusinessCalendar:
    """Bank business days (영업일): Monday–Friday, not a public holiday, not an extra closed day,
    and — per the two settings of docs/dates.md#business-days — not 05-01 (근로자의 날/노동절)
    and not 12-31 (bank year-end closing). Both settings default to True (closed).

    Since 2026 the package lists 05-01 (노동절) as a statutory holiday; a statutory holiday is
    closed whatever `may_1_closed` says, the setting only matters in years where it is not.
    """

    def __init__(
        self,
        extra_closed_days: Iterable[date] = frozenset(),
        *,
        may_1_closed: bool = True,
        dec_31_closed: bool = True,
    ) -> None:
        self.extra_closed_days = frozenset(extra_closed_days)
        self.may_1_closed = may_1_closed
        self.dec_31_closed = dec_31_closed
        self._closed_by_year: dict[int, frozenset[date]] = {}

    def closed_days(self, year: int) -> frozenset[date]:
        """Weekday closures of `year` (public holidays ∪ extra days ∪ the
        docs/dates.md#business-days settings)."""
        cached = self._closed_by_year.get(year)
        if cached is None:
            days = set(korean_public_holidays(year))
            days |= {d for d in self.extra_closed_days if d.year == year}
            if self.may_1_closed:
                days.add(date(year, 5, 1))
            if self.dec_31_closed:
                days.add(date(year, 12, 31))
            cached = self._closed_by_year[year] = frozenset(days)
        return cached

    def is_business_day(self, day: date) -> bool:
        """docs/dates.md#business-days: `weekday < 5 and day not in holidays` (+
        docs/dates.md#business-days settings)."""
        return day.weekday() < 5 and day not in self.closed_days(day.year)

    def _step_to_business_day(self, day: date, step: int) -> date:
        for _ in range(MAX_SHIFT_DAYS):
            if self.is_business_day(day):
                return day
            day += timedelta(days=step)
        raise ValueError(f"no business day within {MAX_SHIFT_DAYS} days of {day}")

    def business_day_on_or_after(self, day: date) -> date:
        return self._step_to_business_day(day, +1)

    def business_day_on_or_before(self, day: date) -> date:
        return self._step_to_business_day(day, -1)

    def shift(self, day: date, policy: DatePolicy) -> date:
        """docs/dates.md#step-4-holiday-shift: CALENDAR_DAY unchanged; HOLIDAY_BEFORE steps −1 day
        and HOLIDAY_AFTER +1 day while the day is not a business day."""
        policy = DatePolicy(policy)
        if policy is DatePolicy.HOLIDAY_BEFORE:
            return self.business_day_on_or_before(day)
        if policy is DatePolicy.HOLIDAY_AFTER:
            return self.business_day_on_or_after(day)
        return day


# ---------------------------------------------------------------------------------------------
# Cycle dates (docs/dates.md#settlement-date, docs/dates.md#month-end-clamping)
# ---------------------------------------------------------------------------------------------


def clamped_day(year: int, month: int, day: int) -> date:
    """`day` of the month, clamped to the month end: 29/30/31 ⇒ last day, Feb 29 ⇒ Feb 28 in
    non-leap years (docs/dates.md#month-end-clamping)."""
    return date(year, month, min(day, monthrange(year, month)[1]))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def cycle_date(base: date, cycle: SettlementCycle) -> date:
    """docs/dates.md#step-3-cycle-date: the first date ≥ `base` matching the cycle method (the *raw*
    date, before any holiday shift — docs/dates.md#settlement-date)."""
    if cycle.method is CycleType.DAILY:
        return base
    if cycle.method is CycleType.WEEKLY:
        wanted = {WEEKDAY_NAMES.index(name) for name in cycle.days_of_week}
        return next(
            base + timedelta(days=n) for n in range(7) if (base.weekday() + n) % 7 in wanted
        )
    if cycle.method is CycleType.MONTHLY:
        for months in range(2):  # every month has a candidate (days clamp to month end)
            year, month = _add_months(base.year, base.month, months)
            candidates = [clamped_day(year, month, d) for d in cycle.days_of_month]
            later = [d for d in candidates if d >= base]
            if later:
                return min(later)
    else:  # MANUAL_DATES
        for year in (base.year, base.year + 1):
            candidates = [clamped_day(year, m, d) for m, d in cycle.manual_dates]
            later = [d for d in candidates if d >= base]
            if later:
                return min(later)
    raise AssertionError("unreachable: every method has a date within a year")  # pragma: no cover


def settlement_date(
    start: date,
    cycle: SettlementCycle,
    calendar: BusinessCalendar,
    *,
    adjust_after_holiday_if_earlier: bool = False,
    explicit: date | None = None,
) -> date:
    """The settlementDate of a transfer (docs/dates.md#settlement-date).

    1. An explicit date is used verbatim (no holiday shift); one earlier than `start` raises
       `SettlementDateEarlierThanStartDateError`.
    2. base = start + lagDays (calendar days).
    3. raw = the first date ≥ base matching the method (`cycle_date`;
       docs/dates.md#month-end-clamping month-end clamping).
    4. final = shift(raw, datePolicy) — the shift comes after the selection
       (docs/dates.md#settlement-date).
    5. If final ≤ start and `adjust_after_holiday_if_earlier` (setting, default False):
       final = shift(raw, HOLIDAY_AFTER). If the setting is False and final < start: clamp to
       start (docs/dates.md#settlement-date).
    """
    if explicit is not None:
        if explicit < start:
            raise SettlementDateEarlierThanStartDateError(start, explicit)
        return explicit
    raw = cycle_date(start + timedelta(days=cycle.lag_days), cycle)
    final = calendar.shift(raw, cycle.date_policy)
    if adjust_after_holiday_if_earlier:
        if final <= start:
            final = calendar.shift(raw, DatePolicy.HOLIDAY_AFTER)
    elif final < start:
        final = start
    return final
