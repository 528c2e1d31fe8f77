"""The one mapping of refusals to PortOne's error answers: `{"type", "message", ...fields}` with
the status the SDK expects.

* A `core.errors.DomainError` goes out with its code as `type` (except the few codes PortOne
  spells otherwise, `WIRE_TYPES`), the status of its kind (`STATUS`), and its details in
  camelCase; an entity reference `Ref`/`Refs` adds its graphqlId(s) beside the id(s).
* DRF's own errors (validation, parsing, authentication) get the same shape; anything unexpected
  is logged and answers 500 `INTERNAL` (the SDK raises UnknownError for it).
The SDK chooses the error class by `type` alone, so these strings must match SDK 0.21.0.
"""

from __future__ import annotations

import enum
import logging
from datetime import date
from typing import Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from core.errors import INVALID_REQUEST, DomainError, Kind, Ref, Refs
from core.wire import camel, graphql_id

logger = logging.getLogger(__name__)

STATUS = {
    Kind.INVALID: 400,
    Kind.FORBIDDEN: 403,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.UNAVAILABLE: 503,
}

# Domain codes PortOne answers under another type. complete-payout's negative-net refusal is
# typed PLATFORM_CURRENCY_NOT_SUPPORTED in SDK 0.21.0 and its OpenAPI discriminator (class
# PlatformNegativePayoutAmountPartnersError), so that is what the SDK recognises.
WIRE_TYPES = {"PLATFORM_NEGATIVE_PAYOUT_AMOUNT_PARTNERS": "PLATFORM_CURRENCY_NOT_SUPPORTED"}


def _graphql_name(name: str) -> str:
    """`transferId` -> `transferGraphqlId`, `id` -> `graphqlId`, `ids` -> `graphqlIds`."""
    for suffix in ("Ids", "Id", "ids", "id"):
        if name.endswith(suffix):
            head = name[: -len(suffix)]
            tail = "GraphqlIds" if suffix.lower() == "ids" else "GraphqlId"
            return head + tail if head else tail[0].lower() + tail[1:]
    return name + "GraphqlId"


def _value(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_value(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def error_body(exc: DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {"type": WIRE_TYPES.get(exc.code, exc.code)}
    if exc.message:
        body["message"] = exc.message
    for key, value in exc.details.items():
        if value is None:
            continue
        name = camel(key)
        if isinstance(value, Ref):
            body[name] = value.id
            body[_graphql_name(name)] = graphql_id(value.entity, value.id)
        elif isinstance(value, Refs):
            body[name] = list(value.ids)
            body[_graphql_name(name)] = [graphql_id(value.entity, i) for i in value.ids]
        else:
            body[name] = _value(value)
    return body


# Codes PortOne answers with another status than their kind's: the e-tax service behind the B2B API
# failing is a bad gateway (502), as SDK 0.21.0 documents B2bExternalServiceError.
STATUS_OF_CODE = {
    "B2B_EXTERNAL_SERVICE": 502,
    "B2B_COUNTERPARTY_NTS_CONNECTION_FAILED": 502,
}


def error_status(exc: DomainError) -> int:
    return STATUS_OF_CODE.get(exc.code) or STATUS[exc.kind]


def flatten(detail: Any, prefix: str = "") -> list[str]:
    """DRF's nested error detail -> ["platformFee.fixedRate: 100000 이하여야 합니다.", ...]."""
    if isinstance(detail, dict):
        out: list[str] = []
        for key, value in detail.items():
            name = prefix if key == "non_field_errors" else (f"{prefix}.{key}" if prefix else key)
            out.extend(flatten(value, name))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list) and not isinstance(value, exceptions.ErrorDetail):
                out.extend(flatten(value, f"{prefix}[{index}]"))
            else:
                out.extend(flatten(value, prefix))
        return out
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def _answer(type_: str, message: str, status: int) -> Response:
    return Response({"type": type_, "message": message}, status=status)


def exception_handler(exc: Exception, context: dict) -> Response:
    if isinstance(exc, DomainError):
        return Response(error_body(exc), status=error_status(exc))
    if isinstance(exc, exceptions.ValidationError):
        message = "; ".join(flatten(exc.detail)) or "요청이 올바르지 않습니다."
        return _answer(INVALID_REQUEST, message, 400)
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        return _answer("UNAUTHORIZED", str(exc.detail), 401)
    if isinstance(exc, exceptions.PermissionDenied | PermissionDenied):
        return _answer("UNAUTHORIZED", "인증 정보가 없습니다.", 401)
    if isinstance(exc, exceptions.ParseError | exceptions.UnsupportedMediaType):
        return _answer(INVALID_REQUEST, str(exc.detail), 400)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return _answer("NOT_FOUND", "경로를 찾을 수 없습니다.", 404)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _answer("METHOD_NOT_ALLOWED", str(exc.detail), 405)
    if isinstance(exc, exceptions.APIException):
        return _answer(INVALID_REQUEST, str(exc.detail), exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        return _answer(INVALID_REQUEST, "요청 본문이 너무 큽니다.", 413)
    if isinstance(exc, TooManyFieldsSent):
        return _answer(INVALID_REQUEST, "쿼리 파라미터가 너무 많습니다.", 400)
    if isinstance(exc, SuspiciousOperation):
        return _answer(INVALID_REQUEST, "요청이 올바르지 않습니다.", 400)
    if isinstance(exc, DataError):
        # A value the input schema let through but the column cannot hold (a string longer than
        # it, a number out of its range): the statement failed, so nothing was written.
        logger.warning("API value refused by the database: %s", exc)
        message = "값이 저장할 수 있는 범위를 넘습니다 (문자열 길이 또는 숫자 범위)."
        return _answer(INVALID_REQUEST, message, 400)
    logger.exception("unhandled API error")
    return _answer("INTERNAL", "서버 내부 오류가 발생했습니다.", 500)
