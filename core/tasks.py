from core.idempotency import purge_expired_keys


def purge_idempotency_keys() -> int:
    return purge_expired_keys()
