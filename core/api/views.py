"""The base of every integrator endpoint: PortOne authentication and errors, JSON only, test
mode, and the `requestBody` / page conventions of list endpoints (docs/api.md).

Endpoint modules (`<app>/api/`) build on these; nothing here knows a domain.
"""

import json
import re
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from core.api.errors import exception_handler
from core.errors import invalid
from core.inputs import DEFAULT_PAGE_SIZE

# Paths answered by the integrator API (JSON errors, idempotency keys).
API_PREFIXES = ("/platform/", "/b2b/")

# Bounds on every JSON the API reads, a body or a `requestBody` (docs/api.md, "Limits"): nesting
# (deeper than any SDK input; json's own recursion limit would otherwise answer 500), integers
# (64-bit, as every id, page and amount column is) and strings (no column is longer).
MAX_JSON_DEPTH = 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_STRING_CHARS = 10_000
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_TEXT = re.compile(r"\\u[dD][89a-fA-F]")


def _path(parent: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def _too_deep(where: str) -> Exception:
    return invalid(f"{where}: JSON이 너무 깊게 중첩되었습니다 (최대 {MAX_JSON_DEPTH}단계).")


def _check_scalar(value: Any, where: str) -> None:
    if type(value) is int and not INT64_MIN <= value <= INT64_MAX:
        raise invalid(f"{where}: 64비트 정수 범위를 벗어났습니다.")
    if type(value) is str and len(value) > MAX_STRING_CHARS:
        raise invalid(f"{where}: 문자열이 너무 깁니다 (최대 {MAX_STRING_CHARS:,}자).")


def _check_surrogates(value: str, where: str) -> None:
    if _SURROGATE.search(value):
        raise invalid(f"{where}: 짝이 없는 UTF-16 서로게이트(\\ud800~\\udfff)는 쓸 수 없습니다.")


def check_json(value: Any, name: str = "", *, surrogates: bool = True) -> None:
    """Refuse (400 INVALID_REQUEST naming the field) JSON nested deeper than MAX_JSON_DEPTH, an
    integer outside 64 bits, a string longer than MAX_STRING_CHARS or, when `surrogates`, a
    string holding a lone surrogate (JSON may write `"\\ud800"`; such a str cannot be encoded
    again, so echoing it in an error or storing it would fail). Iterative: a deep value cannot
    exhaust the stack here."""
    _check_scalar(value, name or "요청 본문")
    if surrogates and type(value) is str:
        _check_surrogates(value, name or "요청 본문")
    stack: list[tuple[Any, str, int]] = [(value, name, 1)]
    while stack:
        item, path, depth = stack.pop()
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep(path or name or "요청 본문")
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in pairs:
            if type(key) is str:
                if len(key) > MAX_STRING_CHARS:
                    _check_scalar(key, f"{path or name or '요청 본문'}의 키")
                if surrogates:
                    _check_surrogates(key, f"{path or name or '요청 본문'}의 키")
            if isinstance(child, dict | list):
                stack.append((child, _path(path, key), depth + 1))
            elif type(child) is int or (type(child) is str and len(child) > MAX_STRING_CHARS):
                _check_scalar(child, _path(path, key))
            elif surrogates and type(child) is str:
                _check_surrogates(child, _path(path, key))


def _constant(name: str):
    raise ValueError(f"{name}은(는) JSON 값이 아닙니다")


def parse_json(raw: str | bytes, name: str = "") -> Any:
    """json.loads with the bounds of `check_json`; NaN and Infinity refused (strict JSON)."""
    where = name or "요청 본문"
    try:
        value = json.loads(raw, parse_constant=_constant)
    except RecursionError:
        raise _too_deep(where) from None
    except UnicodeDecodeError:
        raise invalid(f"{where}: UTF-8 JSON이어야 합니다.") from None
    except ValueError as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise invalid(f"{where}: JSON 형식이 아닙니다 ({detail}).") from None
    # A lone surrogate can only come from a `\uD800`-style escape: skip that scan without one.
    if isinstance(raw, str):
        suspect = bool(_SURROGATE_ESCAPE_TEXT.search(raw) or _SURROGATE.search(raw))
    else:
        suspect = _SURROGATE_ESCAPE.search(raw) is not None
    check_json(value, name, surrogates=suspect)
    return value


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with the API's bounds: a refusal is a 400 naming the field, never a
    RecursionError or an OverflowError further in."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if len(raw) > api_max_body_bytes():  # a stream read past Django's check (chunked)
            raise invalid("요청 본문이 너무 큽니다.")
        return parse_json(raw)


def api_max_body_bytes() -> int:
    return getattr(settings, "API_MAX_BODY_BYTES", 32 * 1024 * 1024)


def webhook_max_body_bytes() -> int:
    """PortOne's payment webhooks are a few hundred bytes; 1 MB leaves room and no more."""
    return getattr(settings, "WEBHOOK_MAX_BODY_BYTES", 1024 * 1024)


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
    value = parse_json(raw, "requestBody")
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
    # A page past the end is empty without asking the database: an OFFSET of number × size
    # beyond 64 bits would not even reach it.
    items = list(queryset[number * size : (number + 1) * size]) if number * size < total else []
    return items, {"number": number, "size": size, "totalCount": total}


class PortOneApiView(APIView):
    """Base for every integrator endpoint: PortOne auth, PortOne errors, JSON only."""

    parser_classes = [BoundedJSONParser]

    def get_exception_handler(self):
        return exception_handler
