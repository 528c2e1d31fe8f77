"""django-q2 targets for partners: one line each, the work lives in partners.services."""

from core.versioning import services as versioning
from partners.services import counterparty, verification
from partners.services.partners import PARTNER


def verify_partners(partner_pks: list[int]) -> int:
    return verification.verify_partners(partner_pks)


def promote_due_partners() -> int:
    return versioning.promote_due(PARTNER)


def run_counterparty_task(task_pk: int) -> int:
    return counterparty.run_counterparty_task(task_pk)
