"""The version history inline shared by every versioned entity's admin (contracts, policies,
partners): applied and scheduled versions, read-only. Writes go through core.versioning."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin.base import TabularInline


class VersionInline(TabularInline):
    """Subclasses set `model` (the entity's VersionBase subclass)."""

    extra = 0
    can_delete = False
    fields = ("state", "applied_at", "summary", "created_at")
    readonly_fields = fields
    verbose_name = _("버전")
    verbose_name_plural = _("버전 이력 (적용·예약)")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("내용"))
    def summary(self, obj):
        data = obj.terms if obj.state == obj.State.APPLIED else obj.changes
        return format_html_join(", ", "{}={}", ((k, v) for k, v in (data or {}).items()))
