"""settlements.dates: the worked examples of docs/dates.md#settlement-date, the
docs/dates.md#business-days holiday list, real 2025–2027 holidays and the
docs/dates.md#business-days–docs/dates.md#month-end-clamping rules. No database."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from settlements.domain.dates import (
    WEEKDAY_NAMES,
    BusinessCalendar,
    CycleType,
    DatePolicy,
    MonthDay,
    SettlementCycle,
    SettlementDateEarlierThanStartDateError,
    clamped_day,
    cycle_date,
    korean_public_holidays,
    settlement_date,
)

CALENDAR = BusinessCalendar()
BEFORE, AFTER, CALENDAR_DAY = DatePolicy.HOLIDAY_BEFORE, DatePolicy.HOLIDAY_AFTER, "CALENDAR_DAY"


def monthly(lag, policy, *days):
    return SettlementCycle(lag, policy, CycleType.MONTHLY, days_of_month=days)


def weekly(lag, policy, *days):
    return SettlementCycle(lag, policy, CycleType.WEEKLY, days_of_week=days)


def daily(lag, policy):
    return SettlementCycle(lag, policy, CycleType.DAILY)


def manual(lag, policy, *dates):
    return SettlementCycle(lag, policy, CycleType.MANUAL_DATES, manual_dates=dates)


# =============================================================================================
# docs/dates.md#settlement-date worked examples (all 9 rows; both setting values where the row gives
# both)
# =============================================================================================

ROWS = [
    # (id, S, cycle, adjust setting, expected)
    ("1", date(2023, 8, 11), monthly(2, BEFORE, 31), False, date(2023, 8, 31)),
    ("2", date(2023, 9, 1), monthly(2, BEFORE, 31), False, date(2023, 9, 27)),
    ("3", date(2025, 10, 2), daily(1, AFTER), False, date(2025, 10, 10)),
    ("4", date(2025, 9, 29), weekly(4, BEFORE, "THU"), False, date(2025, 10, 2)),
    ("5-setting-true", date(2025, 10, 5), weekly(4, BEFORE, "THU"), True, date(2025, 10, 10)),
    ("5-setting-false", date(2025, 10, 5), weekly(4, BEFORE, "THU"), False, date(2025, 10, 5)),
    ("6-setting-true", date(2025, 12, 26), daily(1, BEFORE), True, date(2025, 12, 29)),
    ("6-setting-false", date(2025, 12, 26), daily(1, BEFORE), False, date(2025, 12, 26)),
    ("7-calendar", date(2025, 7, 1), monthly(10, CALENDAR_DAY, 10), False, date(2025, 8, 10)),
    ("7-after", date(2025, 7, 1), monthly(10, AFTER, 10), False, date(2025, 8, 11)),
    ("7-start-06-30", date(2025, 6, 30), monthly(10, CALENDAR_DAY, 10), False, date(2025, 7, 10)),
    ("8", date(2025, 12, 30), manual(3, AFTER, (1, 10), (7, 10)), False, date(2026, 1, 12)),
    ("9", date(2026, 2, 12), monthly(5, BEFORE, 15, 31), False, date(2026, 2, 27)),
]


@pytest.mark.parametrize(
    ("start", "cycle", "adjust", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in ROWS],
)
def test_worked_examples_of_3_3(start, cycle, adjust, expected):
    result = settlement_date(start, cycle, CALENDAR, adjust_after_holiday_if_earlier=adjust)
    assert result == expected


@pytest.mark.parametrize(
    ("start", "cycle", "expected"),
    [
        pytest.param(*row[1:3], row[4], id=row[0])
        for row in ROWS
        if not row[0].startswith(("5-", "6-"))
    ],
)
def test_worked_examples_where_the_setting_does_not_matter(start, cycle, expected):
    """Rows 1–4 and 7–9 do not depend on adjustSettlementDateAfterHolidayIfEarlier."""
    for adjust in (False, True):
        assert settlement_date(start, cycle, CALENDAR, adjust_after_holiday_if_earlier=adjust) == (
            expected
        )


@pytest.mark.parametrize(
    ("start", "cycle", "raw"),
    [
        (date(2023, 8, 11), monthly(2, BEFORE, 31), date(2023, 8, 31)),
        (date(2023, 9, 1), monthly(2, BEFORE, 31), date(2023, 9, 30)),
        (date(2025, 9, 29), weekly(4, BEFORE, "THU"), date(2025, 10, 9)),
        (date(2025, 7, 1), monthly(10, AFTER, 10), date(2025, 8, 10)),
        (date(2025, 12, 30), manual(3, AFTER, (1, 10), (7, 10)), date(2026, 1, 10)),
        (date(2026, 2, 12), monthly(5, BEFORE, 15, 31), date(2026, 2, 28)),
    ],
)
def test_raw_cycle_date_is_chosen_before_any_holiday_shift(start, cycle, raw):
    """docs/dates.md#settlement-date: the `raw` column of its table of worked examples."""
    assert cycle_date(start + timedelta(days=cycle.lag_days), cycle) == raw


# =============================================================================================
# Business-day calendar (docs/dates.md#business-days)
# =============================================================================================

SECTION_3_2_HOLIDAYS = [
    # 2025: 01-01, 01-27, 01-28..30, 03-03, 05-05, 05-06, 06-03, 06-06, 08-15, 10-03, 10-05..09,
    # 12-25
    *[date(2025, 1, d) for d in (1, 27, 28, 29, 30)],
    date(2025, 3, 3),
    date(2025, 5, 5),
    date(2025, 5, 6),
    date(2025, 6, 3),
    date(2025, 6, 6),
    date(2025, 8, 15),
    date(2025, 10, 3),
    *[date(2025, 10, d) for d in range(5, 10)],
    date(2025, 12, 25),
    # 2026: 01-01, 02-16..18, 03-02, 05-05, 05-25, 06-03, 08-17, 09-24..26, 10-05, 10-09, 12-25
    date(2026, 1, 1),
    *[date(2026, 2, d) for d in (16, 17, 18)],
    date(2026, 3, 2),
    date(2026, 5, 5),
    date(2026, 5, 25),
    date(2026, 6, 3),
    date(2026, 8, 17),
    *[date(2026, 9, d) for d in (24, 25, 26)],
    date(2026, 10, 5),
    date(2026, 10, 9),
    date(2026, 12, 25),
]


@pytest.mark.parametrize("day", SECTION_3_2_HOLIDAYS, ids=str)
def test_every_holiday_listed_in_3_2_is_a_public_holiday(day):
    assert day in korean_public_holidays(day.year)
    assert not BusinessCalendar(may_1_closed=False, dec_31_closed=False).is_business_day(day)


@pytest.mark.parametrize(
    ("name", "days"),
    [
        ("seollal-2025", [date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30)]),
        ("seollal-2026", [date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18)]),
        ("seollal-2027", [date(2027, 2, 8), date(2027, 2, 9)]),  # 02-06 Sat, 02-07 Sun
        ("chuseok-2025", [date(2025, 10, 6), date(2025, 10, 7), date(2025, 10, 8)]),
        ("chuseok-2026", [date(2026, 9, 24), date(2026, 9, 25)]),  # 09-26 Sat
        ("chuseok-2027", [date(2027, 9, 14), date(2027, 9, 15), date(2027, 9, 16)]),
        (
            "substitute",
            [
                date(2025, 3, 3),  # 삼일절 on Sat
                date(2025, 5, 6),  # 어린이날 + 부처님오신날 on Mon
                date(2025, 10, 8),  # 추석 on Sun
                date(2026, 3, 2),
                date(2026, 5, 25),
                date(2026, 8, 17),
                date(2026, 10, 5),
                date(2027, 2, 9),  # 설날 on Sun
                date(2027, 10, 4),
                date(2027, 10, 11),
                date(2027, 12, 27),
            ],
        ),
        ("temporary-and-election", [date(2025, 1, 27), date(2025, 6, 3), date(2026, 6, 3)]),
    ],
)
def test_lunar_substitute_temporary_and_election_holidays_are_closed(name, days):
    for day in days:
        assert day.weekday() < 5, day  # a weekday that only the holiday closes
        assert not CALENDAR.is_business_day(day), (name, day)


def test_weekends_are_closed_and_ordinary_weekdays_open():
    assert not CALENDAR.is_business_day(date(2025, 11, 15))  # Sat
    assert not CALENDAR.is_business_day(date(2025, 11, 16))  # Sun
    assert CALENDAR.is_business_day(date(2025, 11, 14))  # Fri


def test_may_1_and_dec_31_are_closed_by_default_and_settings_can_open_them():
    """docs/dates.md#business-days: both default to non-business days."""
    open_calendar = BusinessCalendar(may_1_closed=False, dec_31_closed=False)
    for day in (date(2025, 5, 1), date(2025, 12, 31), date(2027, 12, 31)):
        assert not CALENDAR.is_business_day(day)
        assert open_calendar.is_business_day(day)


def test_may_1_stays_closed_where_it_is_a_statutory_holiday():
    """노동절 is a statutory holiday from 2026 (holidays ≥ 0.109); the setting cannot open it."""
    assert not BusinessCalendar(may_1_closed=False).is_business_day(date(2026, 5, 1))


def test_year_end_setting_moves_a_settlement_date():
    cycle = daily(1, AFTER)
    start = date(2025, 12, 30)  # base 12-31 Wed, 01-01 holiday
    assert settlement_date(start, cycle, CALENDAR) == date(2026, 1, 2)
    open_calendar = BusinessCalendar(dec_31_closed=False)
    assert settlement_date(start, cycle, open_calendar) == date(2025, 12, 31)


def test_extra_closed_days_are_not_business_days():
    closure = date(2025, 11, 14)  # a Friday the platform closes
    calendar = BusinessCalendar(extra_closed_days=frozenset({closure}))
    assert not calendar.is_business_day(closure)
    assert settlement_date(date(2025, 11, 13), daily(1, AFTER), calendar) == date(2025, 11, 17)
    assert settlement_date(date(2025, 11, 13), daily(1, BEFORE), calendar) == date(2025, 11, 13)


def test_closed_days_are_cached_per_year():
    calendar = BusinessCalendar()
    assert calendar.closed_days(2026) is calendar.closed_days(2026)


# =============================================================================================
# Cycle methods (docs/dates.md#settlement-date, docs/dates.md#month-end-clamping)
# =============================================================================================


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2025, 11, 9), date(2025, 11, 10)),  # base Mon → that Monday
        (date(2025, 11, 10), date(2025, 11, 13)),  # base Tue → Thu
        (date(2025, 11, 13), date(2025, 11, 17)),  # base Fri → next Mon
    ],
)
def test_weekly_with_several_days_takes_the_first_match(start, expected):
    assert settlement_date(start, weekly(1, CALENDAR_DAY, "MON", "THU"), CALENDAR) == expected


@pytest.mark.parametrize(
    ("start", "policy", "expected"),
    [
        (date(2025, 4, 10), BEFORE, date(2025, 4, 15)),  # base 04-11 → 15th (Tue)
        (date(2025, 4, 15), BEFORE, date(2025, 4, 30)),  # base 04-16 → 31 ⇒ 04-30 (Wed)
        (date(2025, 4, 30), BEFORE, date(2025, 5, 15)),  # base 05-01 → 15th (Thu)
        (date(2025, 12, 15), BEFORE, date(2025, 12, 30)),  # 31st closed (year end) → 30th
        (date(2025, 11, 15), AFTER, date(2025, 12, 1)),  # 11-30 Sun → Mon 12-01
        (date(2026, 2, 15), BEFORE, date(2026, 2, 27)),  # 02-28 Sat (31 clamped) → Fri
    ],
)
def test_monthly_15_and_31_clamps_to_month_end(start, policy, expected):
    assert settlement_date(start, monthly(1, policy, 15, 31), CALENDAR) == expected


def test_monthly_30_and_31_in_february_clamp_to_the_last_day():
    """docs/dates.md#month-end-clamping: 30 ⇒ Feb 28; 31 ⇒ Feb 28, moved after 03-01 (삼일절)
    in 2027."""
    assert cycle_date(date(2026, 2, 2), monthly(0, BEFORE, 30)) == date(2026, 2, 28)
    start = date(2027, 2, 10)
    assert settlement_date(start, monthly(1, AFTER, 31), CALENDAR) == date(2027, 3, 2)


def test_manual_feb_29_clamps_to_feb_28_in_non_leap_years():
    """docs/dates.md#month-end-clamping."""
    cycle = manual(1, CALENDAR_DAY, MonthDay(2, 29))
    assert settlement_date(date(2026, 1, 5), cycle, CALENDAR) == date(2026, 2, 28)
    assert settlement_date(date(2027, 1, 5), cycle, CALENDAR) == date(2027, 2, 28)
    assert clamped_day(2028, 2, 29) == date(2028, 2, 29)


def test_manual_dates_roll_over_to_next_year():
    cycle = manual(1, CALENDAR_DAY, (1, 10), (7, 10))
    assert settlement_date(date(2025, 7, 10), cycle, CALENDAR) == date(2026, 1, 10)


def test_daily_holiday_before_inside_seollal_2027():
    # base 02-08 Mon (설날) → back over Sun/Sat → Fri 02-05, after S = 02-04.
    assert settlement_date(date(2027, 2, 4), daily(4, BEFORE), CALENDAR) == date(2027, 2, 5)


def test_chuseok_2026_pushes_holiday_after_to_monday():
    # base 09-24 Thu (추석 전날) → 25 추석, 26 Sat, 27 Sun → 09-28 Mon.
    assert settlement_date(date(2026, 9, 23), daily(1, AFTER), CALENDAR) == date(2026, 9, 28)


# =============================================================================================
# Explicit settlementDate (docs/dates.md#step-1-explicit-date)
# =============================================================================================


def test_explicit_settlement_date_is_used_verbatim_even_on_a_holiday():
    explicit = date(2025, 10, 6)  # 추석
    result = settlement_date(date(2025, 10, 1), daily(1, AFTER), CALENDAR, explicit=explicit)
    assert result == explicit
    same_day = date(2025, 10, 1)
    assert settlement_date(same_day, daily(1, AFTER), CALENDAR, explicit=same_day) == same_day


def test_explicit_settlement_date_before_the_start_date_is_refused():
    start, explicit = date(2025, 10, 2), date(2025, 10, 1)
    with pytest.raises(SettlementDateEarlierThanStartDateError) as exc:
        settlement_date(start, daily(1, AFTER), CALENDAR, explicit=explicit)
    assert (exc.value.settlement_start_date, exc.value.settlement_date) == (start, explicit)
    assert exc.value.error_type == "PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE"


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: weekly(1, BEFORE), id="weekly-without-days"),
        pytest.param(lambda: weekly(1, BEFORE, "MONDAY"), id="weekly-bad-name"),
        pytest.param(lambda: monthly(1, BEFORE, 32), id="monthly-32"),
        pytest.param(lambda: manual(1, BEFORE, (13, 1)), id="manual-month-13"),
        pytest.param(lambda: daily(-1, BEFORE), id="negative-lag"),
        pytest.param(lambda: daily(1, "SOMETIMES"), id="unknown-policy"),
    ],
)
def test_invalid_cycles_are_refused(build):
    with pytest.raises(ValueError):  # noqa: PT011 - any ValueError is an invalid cycle
        build()


# =============================================================================================
# Property: the result is never before the start and (unless clamped) a business day
# =============================================================================================

CYCLES = st.one_of(
    st.builds(daily, st.integers(1, 10), st.sampled_from(list(DatePolicy))),
    st.builds(
        lambda lag, policy, days: weekly(lag, policy, *days),
        st.integers(1, 10),
        st.sampled_from(list(DatePolicy)),
        st.lists(st.sampled_from(WEEKDAY_NAMES), min_size=1, max_size=3, unique=True),
    ),
    st.builds(
        lambda lag, policy, days: monthly(lag, policy, *days),
        st.integers(1, 10),
        st.sampled_from(list(DatePolicy)),
        st.lists(st.integers(1, 31), min_size=1, max_size=3, unique=True),
    ),
    st.builds(
        lambda lag, policy, dates: manual(lag, policy, *dates),
        st.integers(1, 10),
        st.sampled_from(list(DatePolicy)),
        st.lists(st.tuples(st.integers(1, 12), st.integers(1, 31)), min_size=1, max_size=3),
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(date(2025, 1, 1), date(2027, 10, 31)),
    cycle=CYCLES,
    adjust=st.booleans(),
)
def test_settlement_date_is_never_before_the_start_and_is_a_business_day_unless_clamped(
    start, cycle, adjust
):
    result = settlement_date(start, cycle, CALENDAR, adjust_after_holiday_if_earlier=adjust)
    assert result >= start
    if adjust:
        assert result > start
    shifted = cycle.date_policy is not DatePolicy.CALENDAR_DAY
    if shifted and result != start:
        assert CALENDAR.is_business_day(result)
    if cycle.date_policy is DatePolicy.HOLIDAY_AFTER:
        assert result >= start + timedelta(days=cycle.lag_days)
