"""`POST /webhooks/portone`: PortOne's payment webhooks, authenticated by their Standard Webhooks
signature (`settings.PORTONE_WEBHOOK_SECRET`, core.webhooks), not by an API secret.

Answers: 200 `{}` when stored or already seen, 400 with the verification reason when the
signature does not hold, 400 INVALID_REQUEST when a signed delivery cannot be stored as sent (a
`webhook-id` or an id longer than its column, JSON nested too deep), 503 when PortOne could not
be asked (PortOne then retries the delivery) or the secret is not configured. JSON only.

Test mode comes from the key, not from the URL alone: the query flag is not signed, so
`?test=true` deliveries are checked with their own secret (`PORTONE_WEBHOOK_TEST_SECRET`, the
test-mode secret of PortOne's console). A live delivery replayed with `?test=true`, or a test one
without, then fails the signature check instead of landing in the other namespace.
"""

from __future__ import annotations

import logging

from django.conf import settings
from rest_framework.response import Response

from core.api.views import PortOneApiView, parse_bool, parse_json
from core.errors import Unavailable, invalid
from core.models import IdempotencyKey
from core.webhooks import WebhookVerificationError, verify
from settlements.models import Payment, PaymentCancellation
from settlements.providers import PaymentResolverError
from settlements.services.webhooks import portone_webhook_receive

logger = logging.getLogger(__name__)

#: the body's ids that are stored in a column, and where
_STORED = {
    "paymentId": Payment._meta.get_field("public_id").max_length,
    "storeId": Payment._meta.get_field("store_id").max_length,
    "cancellationId": PaymentCancellation._meta.get_field("cancellation_id").max_length,
}
MAX_WEBHOOK_ID = IdempotencyKey._meta.get_field("key").max_length


def _check_stored_ids(payload) -> None:
    """Refuse, rather than cut, an id that does not fit its column: a cut id could collide."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        return
    for name, longest in _STORED.items():
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise invalid(f"data.{name}: 문자열이어야 합니다.")
        if isinstance(value, str) and len(value) > longest:
            raise invalid(f"data.{name}: {longest}자 이하여야 합니다 (받은 길이 {len(value):,}자).")


class PortOneWebhookView(PortOneApiView):
    """Not behind the PortOne API secret: the webhook signature is the authentication."""

    authentication_classes = []
    permission_classes = []
    parser_classes = []  # the signature covers the raw bytes; we parse them ourselves

    def post(self, request):
        raw_test = request.query_params.get("test")
        is_for_test = parse_bool(raw_test, "test") if raw_test is not None else False
        secret = self._secret(is_for_test)
        body = request.body
        try:
            verify(secret, request.headers, body)
        except WebhookVerificationError as exc:
            return Response({"type": exc.reason, "message": str(exc)}, status=400)
        except ValueError as exc:  # the configured secret is not `whsec_<base64>`
            logger.error("PORTONE_WEBHOOK_SECRET unusable: %s", exc)
            raise Unavailable(
                "WEBHOOK_NOT_CONFIGURED", "웹훅 시크릿 형식이 잘못되었습니다."
            ) from exc
        webhook_id = request.headers["webhook-id"]
        if len(webhook_id) > MAX_WEBHOOK_ID:
            raise invalid(f"webhook-id: {MAX_WEBHOOK_ID}자 이하여야 합니다.")
        payload = parse_json(body, "웹훅 본문")
        _check_stored_ids(payload)
        try:
            portone_webhook_receive(
                webhook_id=webhook_id,
                payload=payload,
                body=body,
                is_for_test=is_for_test,
            )
        except PaymentResolverError as exc:
            raise Unavailable("PLATFORM_EXTERNAL_API_FAILED", exc.message) from exc
        return Response({})

    @staticmethod
    def _secret(is_for_test: bool) -> str:
        live = getattr(settings, "PORTONE_WEBHOOK_SECRET", "")
        secret = getattr(settings, "PORTONE_WEBHOOK_TEST_SECRET", "") if is_for_test else live
        name = "PORTONE_WEBHOOK_TEST_SECRET" if is_for_test else "PORTONE_WEBHOOK_SECRET"
        if not secret:
            logger.error("%s is not set; webhook refused", name)
            message = f"웹훅 시크릿이 설정되지 않았습니다 ({name})."
            raise Unavailable("WEBHOOK_NOT_CONFIGURED", message)
        if is_for_test and secret == live:
            # One key for both modes would let a live delivery be replayed as a test one.
            logger.error("PORTONE_WEBHOOK_TEST_SECRET equals the live secret; webhook refused")
            raise Unavailable(
                "WEBHOOK_NOT_CONFIGURED", "테스트 웹훅 시크릿은 운영 시크릿과 달라야 합니다."
            )
        return secret
