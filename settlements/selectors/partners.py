"""Partner criteria the settlement lists filter by."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from partners.models import PartnerTag


def tagged(tags: Iterable[str]) -> QuerySet:
    """Partner pks carrying any of `tags` (a subquery)."""
    return PartnerTag.objects.filter(tag__in=list(tags)).values("partner_id")
