"""django-q2 targets for partners: one line each, the work lives in services/verification."""

from core.versioning import services as versioning
from partners import services
from partners.verification import verify_partners as _verify_partners


def verify_partners(partner_pks: list[int]) -> int:
    return _verify_partners(partner_pks)


def promote_due_partners() -> int:
    return versioning.promote_due(services.PARTNER)


def run_counterparty_task(task_pk: int) -> int:
    from partners.counterparty import run_counterparty_task as run

    return run(task_pk)
