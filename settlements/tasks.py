"""django-q2 targets for settlements: one line each, the work lives in the services."""

from settlements import aggregation


def advance_and_gather() -> dict[str, int]:
    """Hourly (domain.md §12.17): SCHEDULED -> IN_PROCESS -> SETTLED by KST date, then gather
    SETTLED transfers into partner settlements."""
    return aggregation.settle_due()
