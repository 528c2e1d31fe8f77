"""`Idempotency-Key` on every API POST, with Stripe's rules (docs/api.md, "Idempotency").

* A repeat with the same key and the same request returns the first answer without redoing work.
* The same key with another request is refused (400 INVALID_REQUEST, message says why).
* Only successful answers are kept: a failed request wrote nothing, so retrying it is safe.
* Keys live `IDEMPOTENCY_KEY_TTL_HOURS` (24 h); a reuse after that is a new request.
* The key row is inserted in the same transaction as the work. A concurrent duplicate blocks on
  the unique index until the first commits, then fails the insert and replays the stored answer:
  the database serialises duplicates, there is no check-then-insert race.
* Keys belong to the caller: the API secret, read from `Authorization` exactly as authentication
  reads it (`secret_from_header`), so `PortOne  <secret>` with extra spaces is the same caller. A
  header that names no live secret gets no idempotency: the view answers 401 and nothing is kept,
  and a revoked secret cannot replay answers stored under it.
* The stored answer is encrypted (`EncryptedBinaryField`, core.crypto): partner and transfer
  answers carry account numbers and birth dates (docs/security.md#idempotency-replays).
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from core.api.auth import SCHEME, secret_from_header
from core.api.views import API_PREFIXES
from core.models import ApiSecret, IdempotencyKey, hash_secret

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _error(status: int, message: str, type_: str = "INVALID_REQUEST") -> JsonResponse:
    return JsonResponse({"type": type_, "message": message}, status=status)


def caller_of(request) -> str | None:
    """Who owns the request's keys: a hash of the live API secret it authenticates with.

    The hash is of the canonical header `PortOne <secret>`, so keys stored before the header was
    normalised (when the raw header was hashed) still belong to the SDK's callers."""
    secret = secret_from_header(request.headers.get("Authorization", ""))
    if secret is None:
        return None
    live = ApiSecret.objects.filter(secret_hash=hash_secret(secret), revoked_at__isnull=True)
    if not live.exists():
        return None
    return hashlib.sha256(f"{SCHEME} {secret}".encode()).hexdigest()


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        bytes(row.response_body or b""), status=row.status_code, content_type=row.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith(API_PREFIXES):
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH:
            return _error(400, f"{HEADER}: 1~{MAX_KEY_LENGTH}자여야 합니다.")

        caller = caller_of(request)
        if caller is None:  # no live secret: authentication refuses it, nothing to remember
            return self.get_response(request)
        fingerprint = hashlib.sha256(
            json.dumps(
                [request.method, request.path, request.META.get("QUERY_STRING", "")]
            ).encode()
            + b"\n"
            + request.body
        ).hexdigest()
        cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
        IdempotencyKey.objects.filter(caller=caller, key=key, created_at__lt=cutoff).delete()

        existing = IdempotencyKey.objects.filter(caller=caller, key=key).first()
        if existing is not None:
            return self._answer_repeat(existing, fingerprint)

        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        row = IdempotencyKey.objects.create(
                            caller=caller,
                            key=key,
                            request_hash=fingerprint,
                            method=request.method,
                            path=request.path[:500],
                        )
                except IntegrityError:
                    raise _DuplicateKey from None
                response = self.get_response(request)
                if response.status_code == 200 and not getattr(response, "streaming", False):
                    row.status_code = response.status_code
                    row.response_body = response.content
                    row.content_type = response.get("Content-Type", "")
                    row.save(update_fields=["status_code", "response_body", "content_type"])
                else:
                    transaction.set_rollback(True)
                return response
        except _DuplicateKey:
            existing = IdempotencyKey.objects.filter(caller=caller, key=key).first()
            if existing is None:  # the other request failed and rolled back: ask to retry
                return _error(
                    409,
                    f"같은 {HEADER}의 요청이 처리 중입니다. 다시 시도하세요.",
                    "IDEMPOTENT_REQUEST_IN_PROGRESS",
                )
            return self._answer_repeat(existing, fingerprint)

    def _answer_repeat(self, row: IdempotencyKey, fingerprint: str) -> HttpResponse:
        if row.request_hash != fingerprint:
            return _error(
                400,
                f"{HEADER}: 이 키는 다른 요청(경로 또는 본문이 다름)에 이미 사용되었습니다.",
            )
        if row.status_code is None:
            return _error(
                409,
                f"같은 {HEADER}의 요청이 처리 중입니다. 다시 시도하세요.",
                "IDEMPOTENT_REQUEST_IN_PROGRESS",
            )
        return _replay(row)


class _DuplicateKey(Exception):
    pass
