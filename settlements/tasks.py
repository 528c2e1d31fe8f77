"""django-q2 targets for settlements: one line each, the work lives in the services."""

from settlements.services.daily import settle_due


def advance_and_gather() -> dict[str, int]:
    """Hourly and at 00:05 KST (docs/statuses.md, "Gathering"): SCHEDULED -> IN_PROCESS by the
    KST date, then gather SETTLED transfers into partner settlements."""
    return settle_due()
