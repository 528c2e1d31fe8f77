"""Archive / recover admin actions shared by every versioned entity's admin."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.versioning import services as versioning


class ArchiveActionsMixin:
    """Needs `kind` (a core.versioning.Kind). Override `archive_one`/`recover_one` where the
    entity has extra rules (partners)."""

    kind: versioning.Kind

    def archive_one(self, obj) -> None:
        versioning.entity_archive(self.kind, public_id=obj.public_id, is_for_test=obj.is_for_test)

    def recover_one(self, obj) -> None:
        versioning.entity_recover(self.kind, public_id=obj.public_id, is_for_test=obj.is_for_test)

    def _apply(self, request, queryset, action: Callable, verb: str) -> None:
        done, refused = 0, []
        for obj in queryset:
            try:
                action(obj)
                done += 1
            except DomainError as exc:
                refused.append(f"{obj.public_id}: {exc.message}")
        self.message_user(request, f"{done}건 {verb}했습니다.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("선택한 항목 보관"), permissions=["change"])
    def archive_selected(self, request, queryset):
        self._apply(request, queryset, self.archive_one, "보관")

    @admin.action(description=_("선택한 항목 복원"), permissions=["change"])
    def recover_selected(self, request, queryset):
        self._apply(request, queryset, self.recover_one, "복원")

    def get_queryset(self, request):
        versioning.promote_due(self.kind)
        return super().get_queryset(request)
