"""Input schemas of the webhook-endpoint API (ours, in the SDK's wire style: camelCase)."""

from __future__ import annotations

from rest_framework import serializers

from core.inputs import PageInput
from core.outbound.events import EVENT_TYPES


class _EndpointFields(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text="웹훅을 받을 URL (http/https)")
    eventTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        required=False,
        help_text="구독할 이벤트 (비우면 전부)",
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False)


class CreateWebhookEndpointInput(_EndpointFields):
    isForTest = serializers.BooleanField(required=False)


class UpdateWebhookEndpointInput(_EndpointFields):
    url = serializers.URLField(max_length=2000, required=False)


class RotateWebhookSecretInput(serializers.Serializer):
    overlapHours = serializers.IntegerField(
        min_value=0,
        max_value=24 * 7,
        required=False,
        default=24,
        help_text="이전 시크릿이 함께 서명하는 시간 (기본 24, 0이면 즉시 교체)",
    )


class ListInput(serializers.Serializer):
    page = PageInput(required=False)
