"""The lockout page django-axes shows after too many failed logins (settings AXES_*)."""

from __future__ import annotations

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """templates/axes/lockout.html in the admin's look (unfold's colours and title), status 429."""
    cool_off = get_cool_off(request)
    context = {
        **admin.site.each_context(request),
        "title": "로그인 잠김",
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "axes/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
