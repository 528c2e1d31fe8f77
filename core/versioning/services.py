"""Versioned entities (contracts, both policy kinds, later partners):
docs/versioning.md#versioned-entities.

An entity row holds the version in force *now* (what lists filter on). Every version that ever
took effect is kept in its version table with the full `terms` snapshot and `applied_at`, so the
version in force at any moment can be looked up; at most one future version is pending
(`changes` = the PATCH body, applied on top of whatever is current when it falls due).

Due schedules are promoted by a django-q2 job every minute *and* by every read through
`promote_due()`, so a late job never shows a stale version.

This module must not know about a particular kind: kinds describe themselves with `Kind`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from core.errors import Conflict, NotFound, invalid
from core.versioning.models import VersionBase, Versioned


@dataclass(frozen=True)
class Kind:
    """How one entity kind is named on the wire; the error types follow PortOne's spelling."""

    model: type[Versioned]
    version_model: type[VersionBase]
    label: str  # "계약"
    not_found: str  # PLATFORM_CONTRACT_NOT_FOUND
    already_exists: str  # PLATFORM_CONTRACT_ALREADY_EXISTS
    archived: str  # PLATFORM_ARCHIVED_CONTRACT
    cannot_archive_scheduled: str  # PLATFORM_CANNOT_ARCHIVE_SCHEDULED_CONTRACT
    schedule_already_exists: str  # PLATFORM_CONTRACT_SCHEDULE_ALREADY_EXISTS
    #: called as on_promote(entity, terms_before, terms_after) after a schedule applies
    on_promote: Callable[[Any, dict[str, Any], dict[str, Any]], None] | None = None

    def not_found_error(self, public_id: str) -> NotFound:
        return NotFound(self.not_found, f"{self.label}을(를) 찾을 수 없습니다: {public_id}")


def terms_json(kind: Kind, terms: dict[str, Any]) -> dict[str, Any]:
    """Terms as JSON for the version table; encrypted fields stay encrypted there too."""
    out = {}
    for name, value in terms.items():
        field = kind.model._meta.get_field(name)
        if getattr(field, "encrypted", False):
            value = field.encrypt_value(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[name] = value
    return out


def _record(
    kind: Kind, entity: Versioned, *, state: str, applied_at: datetime, **data
) -> VersionBase:
    return kind.version_model.objects.create(
        entity=entity, state=state, applied_at=applied_at, **data
    )


def _record_applied(kind: Kind, entity: Versioned, applied_at: datetime) -> VersionBase:
    """The version the entity holds now, as it took effect."""
    return _record(
        kind,
        entity,
        state=VersionBase.State.APPLIED,
        applied_at=applied_at,
        terms=terms_json(kind, entity.terms()),
    )


def _record_scheduled(
    kind: Kind, entity: Versioned, applied_at: datetime, changes: dict[str, Any]
) -> VersionBase:
    """The one pending version: the changes to apply at `applied_at`."""
    return _record(
        kind,
        entity,
        state=VersionBase.State.SCHEDULED,
        applied_at=applied_at,
        changes=terms_json(kind, changes),
    )


def promote_due(kind: Kind, *, now: datetime | None = None) -> int:
    """Apply every pending version whose time has come. Safe to run concurrently."""
    now = now or timezone.now()
    due_ids = list(
        kind.version_model.objects.filter(
            state=VersionBase.State.SCHEDULED, applied_at__lte=now
        ).values_list("pk", flat=True)
    )
    promoted = 0
    for version_id in due_ids:
        with transaction.atomic():
            version = (
                kind.version_model.objects.select_for_update()
                .select_related("entity")
                .filter(pk=version_id, state=VersionBase.State.SCHEDULED)
                .first()
            )
            if version is None:  # another worker got it
                continue
            entity = kind.model.objects.select_for_update().get(pk=version.entity_id)
            before = entity.terms()
            entity.apply_terms(decode_terms(kind, version.changes))
            entity.applied_at = version.applied_at
            entity.save()
            version.state = VersionBase.State.APPLIED
            version.terms = terms_json(kind, entity.terms())
            version.save(update_fields=["state", "terms"])
            if kind.on_promote is not None:
                kind.on_promote(entity, before, entity.terms())
            promoted += 1
    return promoted


def decode_terms(kind: Kind, stored: dict[str, Any]) -> dict[str, Any]:
    """JSON-stored terms back to field values (dates and such go through the model fields)."""
    out = {}
    for name, value in (stored or {}).items():
        field = kind.model._meta.get_field(name)
        if value is None:
            out[name] = None
        elif getattr(field, "encrypted", False):
            out[name] = field.decrypt_value(value)
        else:
            out[name] = field.to_python(value)
    return out


def entity_get(kind: Kind, *, public_id: str, is_for_test: bool, for_update: bool = False):
    promote_due(kind)
    qs = kind.model.objects.filter(public_id=public_id, is_for_test=is_for_test)
    if for_update:
        qs = qs.select_for_update()
    entity = qs.first()
    if entity is None:
        raise kind.not_found_error(public_id)
    return entity


def entity_get_usable(kind: Kind, *, public_id: str, is_for_test: bool):
    """An entity that new things may reference: archived ones answer NOT_FOUND
    (docs/versioning.md#archived-references)."""
    entity = entity_get(kind, public_id=public_id, is_for_test=is_for_test)
    if entity.is_archived:
        raise NotFound(kind.not_found, f"보관된 {kind.label}은(는) 사용할 수 없습니다: {public_id}")
    return entity


@transaction.atomic
def entity_create(
    kind: Kind, *, public_id: str, is_for_test: bool, terms: dict[str, Any], **extra
) -> Versioned:
    now = timezone.now()
    entity = kind.model(public_id=public_id, is_for_test=is_for_test, applied_at=now, **extra)
    entity.apply_terms(terms)
    try:
        with transaction.atomic():
            entity.save()
    except IntegrityError:
        raise Conflict(
            kind.already_exists, f"이미 존재하는 {kind.label} 아이디입니다: {public_id}"
        ) from None
    _record_applied(kind, entity, now)
    return entity


@transaction.atomic
def entity_update(
    kind: Kind, *, public_id: str, is_for_test: bool, changes: dict[str, Any]
) -> Versioned:
    entity = entity_get(kind, public_id=public_id, is_for_test=is_for_test, for_update=True)
    if entity.is_archived:
        raise Conflict(kind.archived, f"보관된 {kind.label}은(는) 수정할 수 없습니다: {public_id}")
    if not changes:
        return entity
    now = timezone.now()
    entity.apply_terms(changes)
    entity.applied_at = now
    entity.save()
    _record_applied(kind, entity, now)
    return entity


def _pending(kind: Kind, entity: Versioned):
    return (
        kind.version_model.objects.select_for_update()
        .filter(entity=entity, state=VersionBase.State.SCHEDULED)
        .first()
    )


@transaction.atomic
def entity_archive(kind: Kind, *, public_id: str, is_for_test: bool) -> Versioned:
    entity = entity_get(kind, public_id=public_id, is_for_test=is_for_test, for_update=True)
    if _pending(kind, entity) is not None:
        raise Conflict(
            kind.cannot_archive_scheduled,
            f"예약된 변경이 있는 {kind.label}은(는) 보관할 수 없습니다. "
            f"예약을 먼저 취소하세요: {public_id}",
        )
    if not entity.is_archived:
        entity.is_archived = True
        entity.save()
    return entity


@transaction.atomic
def entity_recover(kind: Kind, *, public_id: str, is_for_test: bool) -> Versioned:
    entity = entity_get(kind, public_id=public_id, is_for_test=is_for_test, for_update=True)
    if entity.is_archived:
        entity.is_archived = False
        entity.save()
    return entity


def _check_schedulable(kind: Kind, entity: Versioned, applied_at: datetime) -> None:
    if entity.is_archived:
        raise Conflict(
            kind.archived, f"보관된 {kind.label}에는 변경을 예약할 수 없습니다: {entity.public_id}"
        )
    if applied_at <= timezone.now():
        raise invalid("appliedAt: 미래 시각이어야 합니다.")


@transaction.atomic
def schedule_create(
    kind: Kind, *, public_id: str, is_for_test: bool, changes: dict[str, Any], applied_at: datetime
) -> tuple[Versioned, VersionBase]:
    entity = entity_get(kind, public_id=public_id, is_for_test=is_for_test, for_update=True)
    _check_schedulable(kind, entity, applied_at)
    if _pending(kind, entity) is not None:
        raise Conflict(kind.schedule_already_exists, f"이미 예약된 변경이 있습니다: {public_id}")
    version = _record_scheduled(kind, entity, applied_at, changes)
    return entity, version


@transaction.atomic
def schedule_replace(
    kind: Kind, *, public_id: str, is_for_test: bool, changes: dict[str, Any], applied_at: datetime
) -> tuple[Versioned, VersionBase]:
    entity = entity_get(kind, public_id=public_id, is_for_test=is_for_test, for_update=True)
    _check_schedulable(kind, entity, applied_at)
    pending = _pending(kind, entity)
    if pending is not None:
        pending.state = VersionBase.State.CANCELLED
        pending.save(update_fields=["state"])
    version = _record_scheduled(kind, entity, applied_at, changes)
    return entity, version


def schedule_get(kind: Kind, *, public_id: str, is_for_test: bool) -> tuple[Versioned, VersionBase]:
    entity = entity_get(kind, public_id=public_id, is_for_test=is_for_test)
    version = kind.version_model.objects.filter(
        entity=entity, state=VersionBase.State.SCHEDULED
    ).first()
    if version is None:
        raise NotFound(kind.not_found, f"예약된 {kind.label} 변경이 없습니다: {public_id}")
    return entity, version


@transaction.atomic
def schedule_cancel(kind: Kind, *, public_id: str, is_for_test: bool) -> None:
    entity = entity_get(kind, public_id=public_id, is_for_test=is_for_test, for_update=True)
    pending = _pending(kind, entity)
    if pending is None:
        raise NotFound(kind.not_found, f"예약된 {kind.label} 변경이 없습니다: {public_id}")
    pending.state = VersionBase.State.CANCELLED
    pending.save(update_fields=["state"])


def projected_terms(kind: Kind, entity: Versioned, version: VersionBase) -> dict[str, Any]:
    """What the entity will look like once the pending `version` applies."""
    return {**entity.terms(), **decode_terms(kind, version.changes)}


def terms_at(kind: Kind, entity: Versioned, when: datetime) -> tuple[dict[str, Any], datetime]:
    """The terms in force at `when` and the instant that version took effect.

    A pending schedule due by `when` counts (projected on today's terms), so provisional
    computations for future dates see the change that will be in force then.
    """
    # One statement for both (each order transfer reads three entities' terms): a SCHEDULED
    # version due by `when` sorts first, else the latest APPLIED one.
    State = VersionBase.State
    version = (
        kind.version_model.objects.filter(
            entity=entity, state__in=(State.SCHEDULED, State.APPLIED), applied_at__lte=when
        )
        .alias(pending_first=Case(When(state=State.SCHEDULED, then=Value(0)), default=Value(1)))
        .order_by("pending_first", "-applied_at", "-id")
        .first()
    )
    if version is not None and version.state == State.SCHEDULED:
        return projected_terms(kind, entity, version), version.applied_at
    if version is None:
        # Before the entity existed: the first version is what anyone could have used.
        version = (
            kind.version_model.objects.filter(entity=entity, state=VersionBase.State.APPLIED)
            .order_by("applied_at", "id")
            .first()
        )
    return decode_terms(kind, version.terms), version.applied_at
