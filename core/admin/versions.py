"""The version history inline shared by every versioned entity's admin (contracts, policies,
partners): applied and scheduled versions, read-only. Writes go through core.versioning.

Each row says what that version changed, in words: "수수료율: 3% → 3.5%" (an applied version
against the one before it; the first version lists every term), or the changes a schedule will
make. Labels are the entity's Korean field names and values are formatted (choice labels, 예/아니오,
lists). Subclasses set `model`, and may override `format_term(name, value)` for their own units,
list `masked_terms` that must never be shown, or replace `summary` altogether.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin.base import TabularInline

MASKED = "(암호화됨)"


def plain_value(field, value: Any) -> str:
    """A stored term for people, knowing only its model field (None -> "-")."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, bool):
        return "예" if value else "아니오"
    choices = dict(field.flatchoices) if field is not None and field.choices else None
    if isinstance(value, list):
        return ", ".join(plain_value(field, v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {plain_value(None, v)}" for k, v in value.items())
    if choices is not None:
        return str(choices.get(value, value))
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return str(value)


def _when(value) -> str:
    if value is None:
        return "-"
    return format_html(
        '<span class="nowrap">{}</span>', f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    )


class VersionInline(TabularInline):
    """Subclasses set `model` (the entity's VersionBase subclass)."""

    extra = 0
    can_delete = False
    fields = ("state_label", "applied_time", "summary", "created_time")
    readonly_fields = fields
    verbose_name = _("버전")
    verbose_name_plural = _("버전 이력 (적용·예약)")

    #: terms whose values never show (encrypted personal data)
    masked_terms: tuple[str, ...] = ()

    def has_add_permission(self, request, obj=None):
        return False

    # --- formatting hooks -----------------------------------------------------------------------

    @property
    def entity_model(self):
        return self.model._meta.get_field("entity").related_model

    def _field(self, name: str):
        try:
            return self.entity_model._meta.get_field(name)
        except Exception:
            return None

    def term_label(self, name: str) -> str:
        field = self._field(name)
        return str(field.verbose_name) if field is not None else name

    def format_term(self, name: str, value: Any) -> str:
        """One term's value for people; override for units (rates, amounts)."""
        if name in self.masked_terms and value not in (None, ""):
            return MASKED
        return plain_value(self._field(name), value)

    def _safe(self, name: str, value: Any) -> str:
        try:
            return self.format_term(name, value)
        except Exception:  # a bad stored value must not take the page down
            return repr(value)

    def summary_items(self, obj) -> list[tuple[str, str]]:
        """(label, text) per term this version sets or changes."""
        data = obj.terms if obj.state == obj.State.APPLIED else obj.changes
        if not isinstance(data, dict):
            return [(str(_("내용")), repr(data))] if data else []
        before = self.previous_terms(obj) if obj.state == obj.State.APPLIED else None
        items = []
        for name, value in data.items():
            if before is None and obj.state == obj.State.APPLIED and value in (None, "", []):
                continue  # the first version: only the terms that hold something
            text = self._safe(name, value)
            if before is not None:
                if name in before and before[name] == value:
                    continue
                if name in before and name not in self.masked_terms:
                    text = f"{self._safe(name, before[name])} → {text}"
            items.append((self.term_label(name), text))
        return items

    def previous_terms(self, obj) -> dict[str, Any] | None:
        """The terms of the applied version before `obj` (None for the first version)."""
        previous = (
            self.model.objects.filter(entity_id=obj.entity_id, state=obj.State.APPLIED)
            .filter(Q(applied_at__lt=obj.applied_at) | Q(applied_at=obj.applied_at, id__lt=obj.id))
            .order_by("-applied_at", "-id")
            .values_list("terms", flat=True)
            .first()
        )
        return previous if isinstance(previous, dict) else None

    @admin.display(description=_("상태"))
    def state_label(self, obj):
        tone = {"APPLIED": "success", "SCHEDULED": "primary"}.get(obj.state, "")
        return render_to_string(
            "unfold/helpers/label.html", {"text": obj.get_state_display(), "type": tone}
        )

    @admin.display(description=_("적용 시각"))
    def applied_time(self, obj):
        return _when(obj.applied_at)

    @admin.display(description=_("기록 시각"))
    def created_time(self, obj):
        return _when(obj.created_at)

    @admin.display(description=_("내용"))
    def summary(self, obj):
        items = self.summary_items(obj)
        if not items:
            return "변경 없음"
        return format_html(
            '<div class="version-terms">{}</div>',
            format_html_join(
                "", '<div><span class="muted">{}</span> {}</div>', ((f"{k}:", v) for k, v in items)
            ),
        )
