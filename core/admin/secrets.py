from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin.base import ModelAdmin
from core.models import ApiSecret, IdempotencyKey

admin.site.site_header = _("파트너 정산 관리")
admin.site.site_title = _("파트너 정산")
admin.site.index_title = _("정산 백오피스")


@admin.register(ApiSecret)
class ApiSecretAdmin(ModelAdmin):
    """The 관리자 role's page (core.view/add/change_apisecret; docs/payouts.md#roles). A secret is
    read-only (`read_only`: GET only, writes answer 403 FORBIDDEN) or not; that can be changed
    later, the secret itself never."""

    list_display = ("name", "prefix", "read_only", "created_at", "last_used_at", "revoked_at")
    list_filter = ("read_only", "revoked_at")
    search_fields = ("name", "prefix")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    fields = ("name", "read_only", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke_selected"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name", "read_only"])
            return
        issued, raw = ApiSecret.issue(name=obj.name, read_only=obj.read_only)
        obj.pk = issued.pk
        self.message_user(
            request,
            _("새 API 시크릿입니다. 지금 한 번만 표시됩니다: %(secret)s") % {"secret": raw},
            messages.WARNING,
        )

    @admin.action(description=_("선택한 시크릿 폐기"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        count = 0
        for secret in queryset.filter(revoked_at__isnull=True):
            secret.revoke()
            count += 1
        self.message_user(
            request, _("%(count)d개 폐기했습니다.") % {"count": count}, messages.SUCCESS
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ModelAdmin):
    list_display = ("key", "method", "path", "status_code", "created_at")
    search_fields = ("key", "path")
    # The stored answer is sealed (it can hold account numbers and birth dates): never shown.
    fields = readonly_fields = [
        f.name for f in IdempotencyKey._meta.fields if f.name not in ("id", "response_body")
    ]

    def has_add_permission(self, request):
        return False
