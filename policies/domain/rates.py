"""Rates in milli-percent, as the API writes them (1,000 = 1 %, 100,000 = 100 %).
docs/calculation.md#policies.

Pure: no Django. Calculations with rates live in settlements.domain.calculation; this module only
names the unit and shows a rate to people.
"""

MILLI_PERCENT_100 = 100_000


def format_milli_percent(rate: int | None) -> str:
    """3_500 -> '3.5%' (for people; the API always speaks milli-percent)."""
    if rate is None:
        return ""
    whole, frac = divmod(rate, 1000)
    return f"{whole}.{frac:03d}".rstrip("0").rstrip(".") + "%"
