"""The page behind `GET /b2b/counterparties/<brn>/certificate/registration-url`:
`/tax-invoices/certificates/<token>/`, where a counterparty registers its 공동인증서
(docs/invoices.md#counterparties).

Sandbox: no real certificate is read. Pressing the button registers a 전자세금용 (E_TAX) sandbox
certificate valid for one year; registering again replaces it. The signed token is the only
credential (valid a day, invoices.services.counterparties.CERTIFICATE_URL_MAX_AGE); a tampered or
expired one answers 404 and changes nothing. A plain form with Django's CSRF token, no JavaScript.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from invoices.domain.statuses import NtsConnectionStatus
from invoices.services import counterparties

PAGE = """{% extends "invoices/portal/base.html" %}
{% block title %}{{ title }}{% endblock %}
{% block content %}
<div class="card" id="certificate">
  <h1>{{ title }}</h1>
  {% if message %}
  <div class="msg {{ tone }}" role="status" id="certificate-message">{{ message }}</div>
  {% endif %}
  {% if company %}
  <p><strong>{{ company }}</strong><br><span class="muted">{{ brn_label }} {{ brn }}</span></p>
  {% if registered_at %}
  <p class="muted" id="certificate-current">
    {{ current_label }}: {{ issuer }} · {{ expires_label }} {{ expires_at|date:"Y-m-d" }}
  </p>
  {% endif %}
  <p class="muted">{{ help }}</p>
  {% if can_register %}
  <form method="post" id="certificate-form">
    {% csrf_token %}
    <button type="submit" class="primary">{{ button }}</button>
  </form>
  {% endif %}
  {% endif %}
</div>
{% endblock %}
"""


def _render(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    template = engines["django"].from_string(PAGE)
    return HttpResponse(template.render(context, request), status=status)


@require_http_methods(["GET", "POST"])
def certificate_page(request: HttpRequest, token: str) -> HttpResponse:
    cp = counterparties.certificate_target(token)
    if cp is None:
        return _render(
            request,
            {
                "title": _("링크를 찾을 수 없습니다"),
                "message": _(
                    "주소가 잘못되었거나 유효 기간(1일)이 지난 링크입니다. 새 링크를 요청해 주세요."
                ),
                "tone": "error",
            },
            status=404,
        )
    connected = cp.nts_connection_status == NtsConnectionStatus.CONNECTED
    message, tone = "", ""
    if request.method == "POST":
        if connected:
            cp = counterparties.certificate_register(cp)
            message, tone = (
                _("인증서가 등록되었습니다. 이제 세금계산서에 서명할 수 있습니다."),
                "success",
            )
        else:
            message, tone = _("국세청 연동이 끝난 뒤에 인증서를 등록할 수 있습니다."), "error"
    elif not connected:
        message, tone = _("국세청 연동이 끝난 뒤에 인증서를 등록할 수 있습니다."), "error"
    fields = counterparties.current_fields(cp)
    return _render(
        request,
        {
            "title": _("공동인증서 등록"),
            "message": message,
            "tone": tone,
            "company": fields["company_name"],
            "brn_label": _("사업자등록번호"),
            "brn": f"{cp.brn[:3]}-{cp.brn[3:5]}-{cp.brn[5:]}",
            "registered_at": cp.certificate_registered_at,
            "issuer": cp.certificate_issuer,
            "current_label": _("등록된 인증서"),
            "expires_label": _("만료일"),
            "expires_at": cp.certificate_expires_at,
            "help": _(
                "테스트(샌드박스) 환경입니다. 버튼을 누르면 1년간 유효한 전자세금용 테스트 "
                "인증서가 등록됩니다. 실제 인증서 파일이나 비밀번호는 필요 없습니다."
            ),
            "can_register": connected,
            "button": _("인증서 다시 등록") if cp.certificate_registered_at else _("인증서 등록"),
        },
        status=200 if connected or request.method == "GET" else 400,
    )


urlpatterns = [
    path("certificates/<str:token>/", certificate_page, name="certificate"),
]
