"""django-q2 targets for core: one line each, the work lives in core.services."""

from core.services import idempotency_keys_purge


def purge_idempotency_keys() -> int:
    return idempotency_keys_purge()
