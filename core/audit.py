"""Audit trail: who (staff user or API secret), when and what changed, for money-affecting models.

django-simple-history keeps a full row copy per change with the staff user and a diff view in the
admin ("변경 이력"); we add the API secret's name, since integrators are not Django users.
Use `audit_history()` on every model whose changes move money or terms.
"""

from django.db import models
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from core.auth import ApiPrincipal


class AuditedHistory(models.Model):
    """Extra columns on every historical table."""

    history_api_secret = models.CharField("API 시크릿", max_length=100, blank=True, default="")

    class Meta:
        abstract = True


def _staff_user(request, **kwargs):
    user = getattr(request, "user", None)
    if user is None or isinstance(user, ApiPrincipal) or not user.is_authenticated:
        return None
    return user


def audit_history(**kwargs) -> HistoricalRecords:
    return HistoricalRecords(bases=[AuditedHistory], get_user=_staff_user, **kwargs)


@receiver(pre_create_historical_record)
def _record_api_secret(sender, instance, history_instance, **kwargs):
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    if isinstance(user, ApiPrincipal):
        history_instance.history_api_secret = user.secret.name
