"""`POST /webhooks/portone`: PortOne's payment webhooks, authenticated by their Standard Webhooks
signature (`settings.PORTONE_WEBHOOK_SECRET`, core.webhooks), not by an API secret.

Answers: 200 `{}` when stored or already seen, 400 with the verification reason when the
signature does not hold, 503 when PortOne could not be asked (PortOne then retries the delivery)
or the secret is not configured. JSON only.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from rest_framework.response import Response

from core.api.views import PortOneApiView, parse_bool
from core.errors import Unavailable, invalid
from core.webhooks import WebhookVerificationError, verify
from settlements.providers import PaymentResolverError
from settlements.services.webhooks import portone_webhook_receive

logger = logging.getLogger(__name__)


class PortOneWebhookView(PortOneApiView):
    """Not behind the PortOne API secret: the webhook signature is the authentication."""

    authentication_classes = []
    permission_classes = []
    parser_classes = []  # the signature covers the raw bytes; we parse them ourselves

    def post(self, request):
        secret = getattr(settings, "PORTONE_WEBHOOK_SECRET", "")
        if not secret:
            logger.error("PORTONE_WEBHOOK_SECRET is not set; webhook refused")
            raise Unavailable("WEBHOOK_NOT_CONFIGURED", "웹훅 시크릿이 설정되지 않았습니다.")
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
        try:
            payload = json.loads(body)
        except ValueError:
            raise invalid("웹훅 본문이 JSON이 아닙니다.") from None
        raw_test = request.query_params.get("test")
        is_for_test = parse_bool(raw_test, "test") if raw_test is not None else False
        try:
            portone_webhook_receive(
                webhook_id=request.headers["webhook-id"],
                payload=payload,
                body=body,
                is_for_test=is_for_test,
            )
        except PaymentResolverError as exc:
            raise Unavailable("PLATFORM_EXTERNAL_API_FAILED", exc.message) from exc
        return Response({})
