"""JSON errors on API paths whatever DEBUG is.

The SDK calls `response.json()` on every non-200 answer. Django answers some errors before any of
our views or handlers run, and in HTML: with DEBUG on, an unknown path gets the technical 404 page
(handler404 is skipped), a CSRF or size refusal gets its own page. This middleware turns any
non-JSON error answer on an API path into the PortOne shape, keeping the status code.

It also owns the API's body limit (docs/api.md, "Limits"): Django's DATA_UPLOAD_MAX_MEMORY_SIZE
(2.5 MB) is too small for the documented batches (10,000 partners is ~3.2 MB), and past it
`request.body` raises RequestDataTooBig wherever it is first read. On API paths the body is read
here, up to `API_MAX_BODY_BYTES` (32 MB by default); a larger Content-Length answers 413 before
anything reads it.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from core.api.views import API_PREFIXES, api_max_body_bytes, webhook_max_body_bytes

WEBHOOK_PREFIX = "/webhooks/"

_TYPES = {
    400: ("INVALID_REQUEST", "요청이 올바르지 않습니다."),
    401: ("UNAUTHORIZED", "인증 정보가 올바르지 않습니다."),
    403: ("FORBIDDEN", "요청이 거절되었습니다."),
    404: ("NOT_FOUND", "경로를 찾을 수 없습니다."),
    # As core.api.errors answers DRF's MethodNotAllowed: one type for a 405 wherever it comes from.
    405: ("METHOD_NOT_ALLOWED", "허용되지 않는 메서드입니다."),
    413: ("INVALID_REQUEST", "요청 본문이 너무 큽니다."),
}


def json_error(status: int) -> JsonResponse:
    kind, message = _TYPES.get(status, ("INTERNAL", "서버 내부 오류가 발생했습니다."))
    if 400 <= status < 500 and status not in _TYPES:
        kind, message = "INVALID_REQUEST", "요청이 올바르지 않습니다."
    return JsonResponse({"type": kind, "message": message}, status=status)


class JsonApiErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        on_api = request.path.startswith((*API_PREFIXES, WEBHOOK_PREFIX))
        if on_api:
            refused = self._read_body(request)
            if refused is not None:
                return refused
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and on_api
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replaced = json_error(response.status_code)
            if "Allow" in response:
                replaced["Allow"] = response["Allow"]
            return replaced
        return response

    @staticmethod
    def _read_body(request: HttpRequest) -> JsonResponse | None:
        """Read the body within the API's limit (Django's own check then does not apply), or
        answer 413 / 400 without reading it."""
        # Webhooks come before any authentication: the signature is checked on a body already
        # read, so an anonymous sender gets no more than WEBHOOK_MAX_BODY_BYTES of our memory.
        limit = (
            webhook_max_body_bytes()
            if request.path.startswith(WEBHOOK_PREFIX)
            else api_max_body_bytes()
        )
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return JsonResponse(
                {"type": "INVALID_REQUEST", "message": "Content-Length 헤더가 올바르지 않습니다."},
                status=400,
            )
        if length > limit:
            return JsonResponse(
                {
                    "type": "INVALID_REQUEST",
                    "message": f"요청 본문이 너무 큽니다 (최대 {limit:,}바이트, 받은 크기 "
                    f"{length:,}바이트).",
                },
                status=413,
            )
        if length > 0 and not hasattr(request, "_body"):
            body = request.read(limit + 1)
            if len(body) > limit:
                return json_error(413)
            request._body = body  # what HttpRequest.body would have read, without its 2.5 MB cap
            request._stream = io.BytesIO(body)
        return None
