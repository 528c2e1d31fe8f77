"""Model bases of versioned entities (contracts, both policy kinds, partners): docs/versioning.md.

An entity row holds the version in force *now* (what lists filter on); its version table keeps
every version that took effect (`terms`, `applied_at`) and at most one pending one (`changes`).
The writes that move between versions are in core.versioning.services.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Versioned(models.Model):
    """Identity and lifecycle columns shared by every versioned entity."""

    public_id = models.CharField(_("아이디"), max_length=100)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    is_archived = models.BooleanField(_("보관됨"), default=False)
    applied_at = models.DateTimeField(_("현재 버전 적용 시각"), default=timezone.now)
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    #: names of the versioned fields; subclasses list them.
    TERMS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def terms(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.TERMS}

    def apply_terms(self, terms: dict[str, Any]) -> None:
        for name, value in terms.items():
            if name not in self.TERMS:
                raise ValueError(f"{name} is not a versioned field of {type(self).__name__}")
            setattr(self, name, value)


class VersionBase(models.Model):
    """One version of an entity.

    Subclasses add `entity = ForeignKey(<Model>, related_name="versions")`.
    """

    class State(models.TextChoices):
        APPLIED = "APPLIED", _("적용됨")
        SCHEDULED = "SCHEDULED", _("예약됨")
        CANCELLED = "CANCELLED", _("예약 취소됨")

    state = models.CharField(_("상태"), max_length=10, choices=State.choices)
    applied_at = models.DateTimeField(_("적용 시각"), db_index=True)
    terms = models.JSONField(_("내용"), null=True, blank=True, help_text="full snapshot (APPLIED)")
    changes = models.JSONField(
        _("변경 내용"), null=True, blank=True, help_text="update (SCHEDULED)"
    )
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_state_display()} @ {timezone.localtime(self.applied_at):%Y-%m-%d %H:%M}"
