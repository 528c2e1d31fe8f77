"""The pages behind the signed viewer URLs of `GET /b2b/tax-invoices/{key}/pdf-download-url`,
`print-url` and `popup-url` (docs/invoices.md#pdf-and-viewer-urls), under `/tax-invoices/`:

* `v/<token>/pdf`: the PDF (WeasyPrint), as a download;
* `v/<token>/print`: the document and the browser's print dialog;
* `v/<token>/popup`: the document, with a small menu (print, PDF, close) unless the URL was made
  with includeMenu=false.

No login: the token is the permission (invoices.services.viewer). An expired token answers 410, a
tampered one (or one of a deleted invoice, or of another page) 404; nothing is cached.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.html import format_html
from django.views.decorators.http import require_GET

from invoices.services import pdf, viewer

_PAGE = (
    '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title>'
    "</head><body style=\"font-family: 'NanumGothic', 'Noto Sans KR', sans-serif; "
    'padding: 2rem; color: #1f2328"><h1 style="font-size: 1.25rem">{}</h1><p>{}</p></body></html>'
)


def _refused(exc: viewer.ViewerLinkError) -> HttpResponse:
    if isinstance(exc, viewer.ViewerLinkExpired):
        title, text = (
            "링크가 만료되었습니다",
            "세금계산서 보기 링크의 유효 시간이 지났습니다. 새 링크를 받아 다시 열어 주세요.",
        )
        status = 410
    else:
        title, text = "링크를 찾을 수 없습니다", "올바르지 않은 세금계산서 보기 링크입니다."
        status = 404
    response = HttpResponse(format_html(_PAGE, title, title, text), status=status)
    return _private(response)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _pdf_url(invoice) -> str:
    return viewer.viewer_path(viewer.make_token(invoice, "pdf"), "pdf")


@require_GET
def pdf_view(request, token: str):
    try:
        link = viewer.read_token(token, "pdf")
    except viewer.ViewerLinkError as exc:
        return _refused(exc)
    return _private(pdf.invoice_pdf_response(link.invoice, as_attachment=True))


@require_GET
def print_view(request, token: str):
    try:
        link = viewer.read_token(token, "print")
    except viewer.ViewerLinkError as exc:
        return _refused(exc)
    context = {"invoice": link.invoice, "pdf_url": _pdf_url(link.invoice), "auto_print": True}
    return _private(render(request, "invoices/print.html", context))


@require_GET
def popup_view(request, token: str):
    try:
        link = viewer.read_token(token, "popup")
    except viewer.ViewerLinkError as exc:
        return _refused(exc)
    context = {
        "invoice": link.invoice,
        "include_menu": link.include_menu,
        "pdf_url": _pdf_url(link.invoice) if link.include_menu else "",
    }
    return _private(render(request, "invoices/popup.html", context))


urlpatterns = [
    path("v/<str:token>/pdf", pdf_view, name="viewer_pdf"),
    path("v/<str:token>/print", print_view, name="viewer_print"),
    path("v/<str:token>/popup", popup_view, name="viewer_popup"),
]
