"""Audit trail: who (staff user or API secret), when and what changed, for money-affecting models.

django-simple-history keeps a full row copy per change with the staff user and a diff view in the
admin ("변경 이력"); we add the API secret's name, since integrators are not Django users.
Use `audit_history()` on every model whose changes move money or terms.
"""

from typing import Any

from django.db import models
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from core.models import ApiPrincipal


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


def api_secret_name() -> str:
    """The name of the API secret behind the current request; "" for the admin and tasks."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user.secret.name if isinstance(user, ApiPrincipal) else ""


def attribution(instance: models.Model) -> dict[str, Any]:
    """The who-columns a save() of `instance` would write into its history row now.

    Bulk writers (simple_history's bulk_create_with_history, COPY) skip the
    pre_create_historical_record signal, so they pass these themselves: a partner created in a
    batch of 10^5 is attributed exactly like one created alone.
    """
    history_model = type(instance).history.model
    return {
        "history_user": history_model.get_default_history_user(instance),
        "history_api_secret": api_secret_name(),
    }


@receiver(pre_create_historical_record)
def _record_api_secret(sender, instance, history_instance, **kwargs):
    if name := api_secret_name():
        history_instance.history_api_secret = name
