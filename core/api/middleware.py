"""JSON errors on API paths whatever DEBUG is.

The SDK calls `response.json()` on every non-200 answer. Django answers some errors before any of
our views or handlers run, and in HTML: with DEBUG on, an unknown path gets the technical 404 page
(handler404 is skipped), a CSRF or size refusal gets its own page. This middleware turns any
non-JSON error answer on an API path into the PortOne shape, keeping the status code.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from core.api.views import API_PREFIXES

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
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith((*API_PREFIXES, WEBHOOK_PREFIX))
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replaced = json_error(response.status_code)
            if "Allow" in response:
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
