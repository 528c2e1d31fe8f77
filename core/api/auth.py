"""`Authorization: PortOne <secret>` for the integrator API.

Missing or unknown secrets answer 401 with the SDK's UnauthorizedError shape; see core.api.errors.
"""

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from core.models import ApiPrincipal, ApiSecret, hash_secret

SCHEME = "PortOne"


class PortOneSecretAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme != SCHEME or not raw.strip():
            raise exceptions.AuthenticationFailed(
                "Authorization 헤더는 'PortOne <API 시크릿>' 형식이어야 합니다."
            )
        secret = (
            ApiSecret.objects.filter(secret_hash=hash_secret(raw.strip()), revoked_at__isnull=True)
            .only("id", "name", "last_used_at")
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
    def has_permission(self, request, view):
        return isinstance(request.user, ApiPrincipal)
