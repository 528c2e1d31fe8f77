"""Installation-wide writes: API secrets and the idempotency-key table."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.models import IdempotencyKey


def idempotency_keys_purge() -> int:
    """Keys live IDEMPOTENCY_KEY_TTL_HOURS (24 h); a reuse after that is a new request."""
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
