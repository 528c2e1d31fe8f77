"""The admin home (UNFOLD["DASHBOARD_CALLBACK"]): what the finance team looks at first."""

from __future__ import annotations

from typing import Any

from core.admin.navigation import links


def dashboard_callback(request, context: dict[str, Any]) -> dict[str, Any]:
    context["sections"] = links(request)
    return context
