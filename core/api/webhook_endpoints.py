"""Outgoing webhooks in the API (ours, PortOne's wire style; docs/webhooks.md#api): endpoints
(create, list, read, update, delete, rotate the secret, send a test event), their delivery log,
and re-sending a message. The secret is in the answer of create and rotate only."""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from core.api.views import PortOneApiView, body_dict, is_for_test, paginate, request_body
from core.inputs import validated
from core.outbound import inputs, services
from core.outbound.models import WebhookEndpoint, WebhookMessage
from core.wire import drop_none, rfc3339

TEST_PARAMETER = OpenApiParameter(
    "test", bool, OpenApiParameter.QUERY, required=False, description="테스트 모드 여부"
)

_ENDPOINT = inline_serializer(
    "PlatformWebhookEndpoint",
    {
        "id": serializers.CharField(),
        "url": serializers.URLField(),
        "description": serializers.CharField(required=False),
        "eventTypes": serializers.ListField(child=serializers.CharField()),
        "enabled": serializers.BooleanField(),
        "isForTest": serializers.BooleanField(),
        "disabledAt": serializers.DateTimeField(required=False),
        "disabledReason": serializers.CharField(required=False),
        "consecutiveFailures": serializers.IntegerField(),
        "previousSecretExpiresAt": serializers.DateTimeField(required=False),
        "createdAt": serializers.DateTimeField(),
        "updatedAt": serializers.DateTimeField(),
    },
)
_MESSAGE = inline_serializer(
    "PlatformWebhookMessage",
    {
        "id": serializers.CharField(help_text="webhook-id 헤더 값"),
        "webhookEndpointId": serializers.CharField(),
        "eventType": serializers.CharField(),
        "status": serializers.ChoiceField(choices=["PENDING", "SUCCEEDED", "FAILED"]),
        "attemptCount": serializers.IntegerField(),
        "lastStatusCode": serializers.IntegerField(required=False),
        "nextAttemptAt": serializers.DateTimeField(required=False),
        "createdAt": serializers.DateTimeField(),
        "deliveredAt": serializers.DateTimeField(required=False),
        "payload": serializers.CharField(help_text="서명된 본문 그대로"),
    },
)
_PAGE = inline_serializer(
    "PlatformWebhookPageInfo",
    {
        "number": serializers.IntegerField(),
        "size": serializers.IntegerField(),
        "totalCount": serializers.IntegerField(),
    },
)
_WITH_SECRET = inline_serializer(
    "PlatformWebhookEndpointWithSecret",
    {"endpoint": _ENDPOINT, "secret": serializers.CharField(help_text="whsec_… (이 응답에만)")},
)
_ONE = inline_serializer("PlatformWebhookEndpointResponse", {"endpoint": _ENDPOINT})
_LIST = inline_serializer(
    "PlatformWebhookEndpoints", {"items": serializers.ListField(child=_ENDPOINT), "page": _PAGE}
)
_MESSAGES = inline_serializer(
    "PlatformWebhookMessages", {"items": serializers.ListField(child=_MESSAGE), "page": _PAGE}
)
_MESSAGE_ONE = inline_serializer("PlatformWebhookMessageResponse", {"message": _MESSAGE})


def _at(value):
    return rfc3339(value) if value else None


def endpoint_json(e: WebhookEndpoint) -> dict:
    return drop_none(
        {
            "id": e.public_id,
            "url": e.url,
            "description": e.description or None,
            "eventTypes": list(e.event_types),
            "enabled": e.enabled,
            "isForTest": e.is_for_test,
            "disabledAt": _at(e.disabled_at),
            "disabledReason": e.disabled_reason or None,
            "consecutiveFailures": e.consecutive_failures,
            "previousSecretExpiresAt": _at(e.previous_secret_expires_at),
            "createdAt": _at(e.created_at),
            "updatedAt": _at(e.updated_at),
        }
    )


def message_json(m: WebhookMessage) -> dict:
    return drop_none(
        {
            "id": m.message_id,
            "webhookEndpointId": m.endpoint.public_id,
            "eventType": m.event_type,
            "status": m.status,
            "attemptCount": m.attempt_count,
            "lastStatusCode": m.last_status_code,
            "nextAttemptAt": _at(m.next_attempt_at),
            "createdAt": _at(m.created_at),
            "deliveredAt": _at(m.delivered_at),
            "payload": m.payload,
        }
    )


_FIELDS = {"url": "url", "eventTypes": "event_types", "description": "description"}


class WebhookEndpointsView(PortOneApiView):
    @extend_schema(
        operation_id="get_platform_webhook_endpoints",
        summary="웹훅 엔드포인트 목록",
        description="등록된 웹훅 엔드포인트 (테스트/실 모드별). 시크릿은 포함하지 않습니다.",
        parameters=[TEST_PARAMETER],
        responses={200: _LIST},
    )
    def get(self, request):
        body = request_body(request)
        data = validated(inputs.ListInput, body)
        qs = WebhookEndpoint.objects.filter(is_for_test=is_for_test(request, body)).order_by(
            "-created_at", "-pk"
        )
        items, page = paginate(qs, data.get("page"))
        return Response({"items": [endpoint_json(e) for e in items], "page": page})

    @extend_schema(
        operation_id="create_platform_webhook_endpoint",
        summary="웹훅 엔드포인트 등록",
        description=(
            "정산건·정산 내역·지급·일괄 지급 이벤트를 받을 URL을 등록합니다. 응답의 `secret`"
            "(whsec_…)은 이때만 보입니다: 받는 쪽은 이것으로 Standard Webhooks 서명"
            "(`portone_server_sdk.webhook.verify`)을 확인합니다. 이벤트 목록은 docs/webhooks.md."
        ),
        request=inputs.CreateWebhookEndpointInput,
        parameters=[TEST_PARAMETER],
        responses={200: _WITH_SECRET},
    )
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.CreateWebhookEndpointInput, body)
        endpoint = services.endpoint_create(
            url=data["url"],
            is_for_test=is_for_test(request, body),
            event_types=data.get("eventTypes", []),
            description=data.get("description", ""),
            enabled=data.get("enabled", True),
        )
        return Response({"endpoint": endpoint_json(endpoint), "secret": endpoint.secret})


class WebhookEndpointView(PortOneApiView):
    @extend_schema(
        operation_id="get_platform_webhook_endpoint",
        summary="웹훅 엔드포인트 조회",
        parameters=[TEST_PARAMETER],
        responses={200: _ONE},
    )
    def get(self, request, id):
        endpoint = services.endpoint_get(id, is_for_test=is_for_test(request))
        return Response({"endpoint": endpoint_json(endpoint)})

    @extend_schema(
        operation_id="update_platform_webhook_endpoint",
        summary="웹훅 엔드포인트 수정",
        description="보낸 필드만 바꿉니다. `enabled: true`는 자동 중지 기록도 지웁니다.",
        request=inputs.UpdateWebhookEndpointInput,
        parameters=[TEST_PARAMETER],
        responses={200: _ONE},
    )
    def patch(self, request, id):
        body = body_dict(request)
        data = validated(inputs.UpdateWebhookEndpointInput, body)
        endpoint = services.endpoint_get(id, is_for_test=is_for_test(request, body))
        changes = {_FIELDS[k]: v for k, v in data.items() if k in _FIELDS}
        if "enabled" in data:
            changes["enabled"] = data["enabled"]
        endpoint = services.endpoint_update(endpoint, **changes)
        return Response({"endpoint": endpoint_json(endpoint)})

    @extend_schema(
        operation_id="delete_platform_webhook_endpoint",
        summary="웹훅 엔드포인트 삭제",
        description="엔드포인트와 그 전송 내역을 지웁니다.",
        parameters=[TEST_PARAMETER],
        responses={200: OpenApiTypes.OBJECT},
    )
    def delete(self, request, id):
        services.endpoint_get(id, is_for_test=is_for_test(request)).delete()
        return Response({})


class WebhookEndpointRotateView(PortOneApiView):
    @extend_schema(
        operation_id="rotate_platform_webhook_endpoint_secret",
        summary="웹훅 시크릿 교체",
        description=(
            "새 시크릿을 만들어 돌려줍니다. `overlapHours`(기본 24) 동안은 이전 시크릿도 함께 "
            "서명하므로(`webhook-signature`에 서명 두 개) 받는 쪽이 천천히 바꿀 수 있습니다."
        ),
        request=inputs.RotateWebhookSecretInput,
        parameters=[TEST_PARAMETER],
        responses={200: _WITH_SECRET},
    )
    def post(self, request, id):
        body = body_dict(request)
        data = validated(inputs.RotateWebhookSecretInput, body)
        endpoint = services.endpoint_get(id, is_for_test=is_for_test(request, body))
        secret = services.endpoint_rotate_secret(
            endpoint, overlap=timedelta(hours=data["overlapHours"])
        )
        return Response({"endpoint": endpoint_json(endpoint), "secret": secret})


class WebhookEndpointPingView(PortOneApiView):
    @extend_schema(
        operation_id="ping_platform_webhook_endpoint",
        summary="웹훅 테스트 전송",
        description="`webhook.ping` 이벤트를 이 엔드포인트에만 보냅니다 (구독과 무관).",
        request=None,
        parameters=[TEST_PARAMETER],
        responses={200: _MESSAGE_ONE},
    )
    def post(self, request, id):
        body = body_dict(request)
        endpoint = services.endpoint_get(id, is_for_test=is_for_test(request, body))
        return Response({"message": message_json(services.endpoint_ping(endpoint))})


class WebhookEndpointMessagesView(PortOneApiView):
    @extend_schema(
        operation_id="get_platform_webhook_messages",
        summary="웹훅 전송 내역",
        description="이 엔드포인트로 보낸(보낼) 메시지, 최근 것부터.",
        parameters=[TEST_PARAMETER],
        responses={200: _MESSAGES},
    )
    def get(self, request, id):
        body = request_body(request)
        data = validated(inputs.ListInput, body)
        endpoint = services.endpoint_get(id, is_for_test=is_for_test(request, body))
        qs = endpoint.messages.select_related("endpoint").order_by("-created_at", "-pk")
        items, page = paginate(qs, data.get("page"))
        return Response({"items": [message_json(m) for m in items], "page": page})


class WebhookMessageResendView(PortOneApiView):
    @extend_schema(
        operation_id="resend_platform_webhook_message",
        summary="웹훅 재전송",
        description=(
            "같은 본문과 `webhook-id`로 곧 다시 보냅니다 (시도 횟수를 다 쓴 메시지도 한 번 더)."
        ),
        request=None,
        parameters=[TEST_PARAMETER],
        responses={200: _MESSAGE_ONE},
    )
    def post(self, request, id):
        body = body_dict(request)
        message = services.message_get(id, is_for_test=is_for_test(request, body))
        services.messages_resend([message.pk])
        message.refresh_from_db()
        return Response({"message": message_json(message)})
