"""JSON 404/500 for API paths: the SDK calls `response.json()` on every non-200 answer."""

from django.http import JsonResponse
from django.views import defaults

from core.api.views import API_PREFIXES


def not_found(request, exception=None):
    if request.path.startswith(API_PREFIXES):
        return JsonResponse(
            {"type": "NOT_FOUND", "message": "경로를 찾을 수 없습니다."}, status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIXES):
        return JsonResponse(
            {"type": "INTERNAL", "message": "서버 내부 오류가 발생했습니다."}, status=500
        )
    return defaults.server_error(request)
