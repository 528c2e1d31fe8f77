"""`Authorization: PortOne <secret>` for the integrator API.

Missing or unknown secrets answer 401 with the SDK's UnauthorizedError shape; see core.api.errors.
"""

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from core.errors import Forbidden
from core.models import ApiPrincipal, ApiSecret, hash_secret

SCHEME = "PortOne"


def secret_from_header(header: str) -> str | None:
    """The API secret in an `Authorization: PortOne <secret>` value; None for any other form.

    Spaces between the scheme and the secret and after it are not part of the secret. The one
    reading of the header: authentication and idempotency keys (core.api.idempotency) share it,
    so two spellings of one secret are one caller."""
    scheme, _, raw = header.partition(" ")
    secret = raw.strip()
    if scheme != SCHEME or not secret:
        return None
    return secret


class PortOneSecretAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        raw = secret_from_header(header)
        if raw is None:
            raise exceptions.AuthenticationFailed(
                "Authorization 헤더는 'PortOne <API 시크릿>' 형식이어야 합니다."
            )
        secret = (
            ApiSecret.objects.filter(secret_hash=hash_secret(raw), revoked_at__isnull=True)
            .only("id", "name", "last_used_at", "read_only")
            .first()
        )
        if secret is None:
            raise exceptions.AuthenticationFailed("유효하지 않은 API 시크릿입니다.")
        now = timezone.now()
        # Touch at most once a minute: a write per request would serialise every API call.
        if secret.last_used_at is None or (now - secret.last_used_at).total_seconds() > 60:
            ApiSecret.objects.filter(pk=secret.pk).update(last_used_at=now)
        return ApiPrincipal(secret=secret), secret

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) when credentials are missing or wrong.
        return SCHEME


class HasApiSecret(permissions.BasePermission):
    """Every API view's permission (REST_FRAMEWORK's DEFAULT_PERMISSION_CLASSES): a valid secret,
        and for anything but a read (GET, HEAD, OPTIONS) one that is not read-only. A read-only
        secret's write answers 403 with PortOne's ForbiddenError shape (`type` FORBIDDEN) before the
        view runs, so nothing is written and no idempotency key is kept. A GET that writes or costs
    (the account-holder lookup: a paid bank query and a verification row) sets `writes = True`."""

    def has_permission(self, request, view):
        principal = request.user
        if not isinstance(principal, ApiPrincipal):
            return False
        writes = request.method not in permissions.SAFE_METHODS or getattr(view, "writes", False)
        if writes and principal.secret.read_only:
            raise Forbidden(
                "FORBIDDEN",
                f"읽기 전용 API 시크릿({principal.secret.name})으로는 "
                f"{request.method} 요청을 할 수 없습니다.",
            )
        return True
