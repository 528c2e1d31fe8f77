"""django-q2 targets for policies: one line each, the work lives in policies.services."""

from policies import services


def promote_due_versions() -> int:
    return services.promote_all_due()
