"""The base of every integrator endpoint: PortOne authentication and errors, JSON only, test
mode, and the `requestBody` / page conventions of list endpoints (docs/api.md).

Endpoint modules (`<app>/api/`) build on these; nothing here knows a domain.
"""

import json

from django.db.models import QuerySet
from rest_framework.views import APIView

from core.api.errors import exception_handler
from core.errors import invalid
from core.inputs import DEFAULT_PAGE_SIZE

# Paths answered by the integrator API (JSON errors, idempotency keys).
API_PREFIXES = ("/platform/", "/b2b/")


def parse_bool(raw: str, name: str) -> bool:
    lowered = raw.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise invalid(f"{name}: true 또는 false 여야 합니다.")


def is_for_test(request, body: dict | None = None) -> bool:
    """Query `test` wins over body `isForTest`, which wins over false (docs/api.md, "Test mode")."""
    raw = request.query_params.get("test")
    if raw is not None and raw != "":
        return parse_bool(raw, "test")
    if body and isinstance(body.get("isForTest"), bool):
        return body["isForTest"]
    return False


def request_body(request) -> dict:
    """GET list endpoints carry their input as JSON in the `requestBody` query parameter."""
    raw = request.query_params.get("requestBody")
    if raw is None or raw == "":
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise invalid(f"requestBody: JSON 형식이 아닙니다 ({exc.msg}).") from exc
    if not isinstance(value, dict):
        raise invalid("requestBody: JSON 객체여야 합니다.")
    return value


def body_dict(request) -> dict:
    data = request.data
    if data is None or data == {}:
        return {}
    if not isinstance(data, dict):
        raise invalid("요청 본문은 JSON 객체여야 합니다.")
    return data


def paginate(queryset: QuerySet, page: dict | None) -> tuple[list, dict]:
    page = page or {}
    number, size = page.get("number", 0), page.get("size", DEFAULT_PAGE_SIZE)
    total = queryset.count()
    items = list(queryset[number * size : (number + 1) * size])
    return items, {"number": number, "size": size, "totalCount": total}


class PortOneApiView(APIView):
    """Base for every integrator endpoint: PortOne auth, PortOne errors, JSON only."""

    def get_exception_handler(self):
        return exception_handler
