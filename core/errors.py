"""PortOne-shaped errors: `{"type": "<TYPE>", "message": "...", ...extra}` with the SDK's status.

Services raise `ApiError` (or a subclass helper below); the DRF exception handler turns it, DRF's
own validation errors and anything unexpected into that shape. The SDK decides the error class by
`type` alone, so the type strings here must match SDK 0.21.0 exactly.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

logger = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, type_: str, message: str = "", status: int = 400, **extra: Any) -> None:
        super().__init__(message or type_)
        self.type = type_
        self.message = message
        self.status = status
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type}
        if self.message:
            body["message"] = self.message
        body.update({k: v for k, v in self.extra.items() if v is not None})
        return body


def invalid_request(message: str) -> ApiError:
    return ApiError("INVALID_REQUEST", message, 400)


def not_found(type_: str, message: str, **extra: Any) -> ApiError:
    return ApiError(type_, message, 404, **extra)


def conflict(type_: str, message: str, **extra: Any) -> ApiError:
    return ApiError(type_, message, 409, **extra)


def _flatten(detail: Any, prefix: str = "") -> list[str]:
    """DRF's nested error detail -> ["platformFee.fixedRate: 100000 이하여야 합니다.", ...]."""
    if isinstance(detail, dict):
        out: list[str] = []
        for key, value in detail.items():
            name = prefix if key == "non_field_errors" else (f"{prefix}.{key}" if prefix else key)
            out.extend(_flatten(value, name))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list) and not isinstance(value, exceptions.ErrorDetail):
                out.extend(_flatten(value, f"{prefix}[{index}]"))
            else:
                out.extend(_flatten(value, prefix))
        return out
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def exception_handler(exc: Exception, context: dict) -> Response:
    if isinstance(exc, ApiError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, exceptions.ValidationError):
        message = "; ".join(_flatten(exc.detail)) or "요청이 올바르지 않습니다."
        return Response({"type": "INVALID_REQUEST", "message": message}, status=400)
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        return Response({"type": "UNAUTHORIZED", "message": str(exc.detail)}, status=401)
    if isinstance(exc, exceptions.PermissionDenied | PermissionDenied):
        return Response({"type": "UNAUTHORIZED", "message": "인증 정보가 없습니다."}, status=401)
    if isinstance(exc, exceptions.ParseError):
        return Response({"type": "INVALID_REQUEST", "message": str(exc.detail)}, status=400)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return Response({"type": "INVALID_REQUEST", "message": str(exc.detail)}, status=400)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response({"type": "NOT_FOUND", "message": "경로를 찾을 수 없습니다."}, status=404)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return Response({"type": "METHOD_NOT_ALLOWED", "message": str(exc.detail)}, status=405)
    if isinstance(exc, exceptions.APIException):
        return Response(
            {"type": "INVALID_REQUEST", "message": str(exc.detail)}, status=exc.status_code
        )
    logger.exception("unhandled API error")
    return Response({"type": "INTERNAL", "message": "서버 내부 오류가 발생했습니다."}, status=500)
