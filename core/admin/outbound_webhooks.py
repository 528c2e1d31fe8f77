"""웹훅 엔드포인트 and 웹훅 전송 내역 (docs/webhooks.md#admin), under 시스템: register a receiver
(its secret is shown once on creation and afterwards only to users who may change endpoints),
rotate its secret, send a test event, re-enable it; read each message's attempts and re-send."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminURLInputWidget

from core.admin.base import ModelAdmin
from core.outbound import services
from core.outbound.events import EVENT_TYPES
from core.outbound.models import WebhookAttempt, WebhookEndpoint, WebhookMessage


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        assume_scheme="https",
        widget=UnfoldAdminURLInputWidget,
    )
    event_types = forms.MultipleChoiceField(
        label=_("구독 이벤트"),
        choices=EVENT_TYPES,
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text=_("비우면 모든 이벤트를 받습니다."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "event_types", "enabled", "is_for_test")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ModelAdmin):
    form = WebhookEndpointForm
    list_display = (
        "url",
        "public_id",
        "is_for_test",
        "enabled",
        "subscribed",
        "consecutive_failures",
        "disabled_reason",
        "created_at",
    )
    list_filter = ("enabled", "is_for_test")
    search_fields = ("url", "public_id", "description")
    actions = ["rotate_secret", "send_ping", "enable_selected"]

    EDITABLE = ("url", "description", "event_types", "enabled")
    STATE = (
        "previous_secret_expires_at",
        "consecutive_failures",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "created_at",
        "updated_at",
    )

    def get_fields(self, request, obj=None):
        if obj is None:  # the mode is chosen once, at creation
            return [*self.EDITABLE, "is_for_test"]
        return [*self.EDITABLE, *self.get_readonly_fields(request, obj)]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("is_for_test", "public_id", self._secret_field(request, obj), *self.STATE)

    @admin.display(description=_("구독 이벤트"))
    def subscribed(self, obj: WebhookEndpoint) -> str:
        labels = dict(EVENT_TYPES)
        return ", ".join(str(labels.get(t, t)) for t in obj.event_types) or _("전체")

    @admin.display(description=_("시크릿"))
    def secret_display(self, obj: WebhookEndpoint) -> str:
        return format_html("<code>{}</code>", obj.secret)

    @admin.display(description=_("시크릿"))
    def secret_masked(self, obj: WebhookEndpoint) -> str:
        return obj.secret[:10] + "…"

    def _secret_field(self, request, obj) -> str:
        """Whole for users who may change endpoints (the 관리자 role), masked for the others."""
        return "secret_display" if self.has_change_permission(request, obj) else "secret_masked"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.endpoint_update(
                obj,
                url=data["url"],
                description=data.get("description", ""),
                event_types=data.get("event_types", []),
                enabled=data.get("enabled", False),
            )
            return
        created = services.endpoint_create(
            url=data["url"],
            is_for_test=data.get("is_for_test", False),
            event_types=data.get("event_types", []),
            description=data.get("description", ""),
            enabled=data.get("enabled", True),
        )
        obj.pk = created.pk
        self.message_user(
            request,
            _("웹훅 시크릿입니다. 받는 쪽 서명 확인에 쓰세요: %(secret)s")
            % {"secret": created.secret},
            messages.WARNING,
        )

    @admin.action(
        description=_("시크릿 교체 (이전 시크릿 24시간 함께 서명)"), permissions=["change"]
    )
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            secret = services.endpoint_rotate_secret(endpoint, overlap=timedelta(hours=24))
            self.message_user(
                request,
                _("%(url)s 새 시크릿: %(secret)s") % {"url": endpoint.url, "secret": secret},
                messages.WARNING,
            )

    @admin.action(description=_("테스트 이벤트 보내기"), permissions=["change"])
    def send_ping(self, request, queryset):
        count = sum(1 for endpoint in queryset if services.endpoint_ping(endpoint))
        self.message_user(request, _("%(count)d곳에 테스트 이벤트를 보냅니다.") % {"count": count})

    @admin.action(description=_("다시 사용 (자동 중지 해제)"), permissions=["change"])
    def enable_selected(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_update(endpoint, enabled=True)
        self.message_user(request, _("다시 사용합니다."), messages.SUCCESS)


class WebhookAttemptInline(TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "number",
        "attempted_at",
        "status_code",
        "duration_ms",
        "succeeded",
        "error",
        "response_body",
    )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookMessage)
class WebhookMessageAdmin(ModelAdmin):
    list_display = (
        "message_id",
        "endpoint",
        "event_type",
        "status",
        "attempt_count",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("status", "event_type", "endpoint__is_for_test")
    search_fields = ("message_id", "endpoint__url", "payload")
    list_select_related = ("endpoint",)
    inlines = [WebhookAttemptInline]
    actions = ["resend_selected"]
    fields = readonly_fields = (
        "message_id",
        "endpoint",
        "event_type",
        "status",
        "attempt_count",
        "last_status_code",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "payload",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("선택한 웹훅 재전송"), permissions=["change"])
    def resend_selected(self, request, queryset):
        count = services.messages_resend(queryset.values_list("pk", flat=True))
        self.message_user(
            request, _("%(count)d건을 다시 보냅니다.") % {"count": count}, messages.SUCCESS
        )
