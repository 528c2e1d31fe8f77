"""Admin pages for settlement files: 주문 정산 파일 업로드 (ORDER transfers) and 결제 파일 업로드
(payments from any PG), each as upload -> preview (every row validated and computed, nothing
written) -> confirm (all rows or none), plus the templates to download.

Thin: parsing and validation are `settlements.order_files` / `settlements.payment_files`; the
writes are one `bulk.order_transfers_create_bulk` / `payment_files.payments_import` call. Between
preview and confirm the uploaded file waits in a server-side file named by a random token that
only the session knows, so the page never carries data and a confirm cannot be replayed; confirm
validates again against the database as it is then. With several web servers the store directory
(under VAR_DIR) must be shared storage.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse

from core.files.stage import UploadStage
from settlements import order_files, payment_files
from settlements.models import Payment, Transfer

MAX_ERRORS_SHOWN = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def urls() -> list:
    """Staff-only pages; mounted by settlement_site/urls.py (e.g. under admin/settlements/…)."""
    view = admin.site.admin_view
    return [
        path("", view(order_upload_view), name="settlements_order_upload"),
        path("confirm/", view(order_confirm_view), name="settlements_order_upload_confirm"),
        path(
            "template.<str:fmt>",
            view(order_template_view),
            name="settlements_order_upload_template",
        ),
        path("payments/", view(payment_upload_view), name="settlements_payment_upload"),
        path(
            "payments/confirm/",
            view(payment_confirm_view),
            name="settlements_payment_upload_confirm",
        ),
        path(
            "payments/template.<str:fmt>",
            view(payment_template_view),
            name="settlements_payment_upload_template",
        ),
    ]


# --- server-side store of the previewed upload ---------------------------------------------------


def _stage(kind: str) -> UploadStage:
    return UploadStage("settlement-uploads", f"settlements_upload_{kind}")


def _discard(request, kind: str) -> None:
    _stage(kind).discard(request)


def _store(request, kind: str, data: bytes, filename: str, is_for_test: bool) -> None:
    meta = json.dumps({"filename": filename, "is_for_test": is_for_test}).encode()
    _stage(kind).put(request, meta + b"\n" + data)


def _load(request, kind: str) -> tuple[bytes, str, bool] | None:
    payload = _stage(kind).take(request)
    if payload is None:
        return None
    meta, _, data = payload.partition(b"\n")
    info = json.loads(meta)
    return data, info["filename"], info["is_for_test"]


# --- shared ---


class UploadForm(forms.Form):
    file = forms.FileField(
        label="파일 (CSV 또는 XLSX)",
        help_text="첫 행은 템플릿의 열 이름이어야 합니다. "
        "CSV는 UTF-8 또는 CP949(엑셀)로 저장하세요.",
    )
    mode = forms.ChoiceField(
        label="모드",
        choices=[("live", "운영"), ("test", "테스트")],
        initial="live",
        widget=forms.RadioSelect,
    )


def _url(request, name: str, *args: Any) -> str:
    namespace = request.resolver_match.namespace if request.resolver_match else ""
    return reverse(f"{namespace}:{name}" if namespace else name, args=args)


def _require(request, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


def _context(request, kind: str, **extra: Any) -> dict[str, Any]:
    prefix = f"settlements_{kind}_upload"
    return {
        **admin.site.each_context(request),
        "opts": (Transfer if kind == "order" else Payment)._meta,
        "title": "주문 정산 파일 업로드" if kind == "order" else "결제 파일 업로드",
        "max_errors": MAX_ERRORS_SHOWN,
        "upload_url": _url(request, prefix),
        "confirm_url": _url(request, f"{prefix}_confirm"),
        "template_xlsx_url": _url(request, f"{prefix}_template", "xlsx"),
        "template_csv_url": _url(request, f"{prefix}_template", "csv"),
        **extra,
    }


def _errors_context(errors: list) -> dict[str, Any]:
    return {
        "errors": errors[:MAX_ERRORS_SHOWN],
        "error_count": len(errors),
        "error_rows": len({e.row for e in errors}),
    }


def _changelist(request, model: type, is_for_test: bool, fallback: str) -> str:
    try:
        url = reverse(f"admin:settlements_{model._meta.model_name}_changelist")
    except NoReverseMatch:
        return _url(request, fallback)
    return f"{url}?is_for_test__exact={int(is_for_test)}"


def _template_response(fmt: str, csv_bytes, xlsx_bytes, name: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(csv_bytes(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(), content_type=XLSX)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# --- 주문 정산 파일 ---

ORDER_PERMS = ("settlements.add_transfer",)
ORDER_TEMPLATE = "settlements/order_upload.html"


def order_upload_view(request) -> HttpResponse:
    """GET: the form. POST: validate and compute every row (dry run); show the errors, or the
    totals and a confirm button. Nothing is written here."""
    _require(request, *ORDER_PERMS)
    if request.method != "POST":
        return render(request, ORDER_TEMPLATE, _context(request, "order", form=UploadForm()))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, ORDER_TEMPLATE, _context(request, "order", form=form))
    upload = form.cleaned_data["file"]
    data = upload.read()
    is_for_test = form.cleaned_data["mode"] == "test"
    started = time.perf_counter()
    result = order_files.import_order_file(data, upload.name, is_for_test=is_for_test, dry_run=True)
    if not result.ok:
        _discard(request, "order")
        context = _context(request, "order", form=form, **_errors_context(result.errors))
        return render(request, ORDER_TEMPLATE, context)
    _store(request, "order", data, upload.name, is_for_test)
    return render(
        request,
        ORDER_TEMPLATE,
        _context(
            request,
            "order",
            form=UploadForm(initial={"mode": form.cleaned_data["mode"]}),
            result=result,
            filename=upload.name,
            preview=result.preview(),
            seconds=round(time.perf_counter() - started, 2),
        ),
    )


def order_confirm_view(request) -> HttpResponse:
    """Create every previewed transfer in one bulk call, or none."""
    _require(request, *ORDER_PERMS)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    stored = _load(request, "order")
    if stored is None:
        messages.error(request, "확인할 업로드가 없거나 만료되었습니다. 파일을 다시 올려 주세요.")
        return redirect(_url(request, "settlements_order_upload"))
    data, filename, is_for_test = stored
    result = order_files.import_order_file(data, filename, is_for_test=is_for_test)
    if not result.ok:
        context = _context(request, "order", form=UploadForm(), **_errors_context(result.errors))
        return render(request, ORDER_TEMPLATE, context)
    mode = "테스트" if is_for_test else "운영"
    messages.success(
        request,
        f"{filename}: 주문 정산건 {len(result.transfers):,}건을 {mode} 모드로 만들었습니다.",
    )
    return redirect(_changelist(request, Transfer, is_for_test, "settlements_order_upload"))


def order_template_view(request, fmt: str) -> HttpResponse:
    _require(request, *ORDER_PERMS)
    return _template_response(
        fmt, order_files.template_csv, order_files.template_xlsx, "order-transfers-template"
    )


# --- 결제 파일 ---

PAYMENT_PERMS = ("settlements.add_payment", "settlements.change_payment")
PAYMENT_TEMPLATE = "settlements/payment_upload.html"


def payment_upload_view(request) -> HttpResponse:
    _require(request, *PAYMENT_PERMS)
    if request.method != "POST":
        return render(request, PAYMENT_TEMPLATE, _context(request, "payment", form=UploadForm()))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, PAYMENT_TEMPLATE, _context(request, "payment", form=form))
    upload = form.cleaned_data["file"]
    data = upload.read()
    is_for_test = form.cleaned_data["mode"] == "test"
    result = payment_files.import_payment_file(
        data, upload.name, is_for_test=is_for_test, dry_run=True
    )
    if not result.ok:
        _discard(request, "payment")
        context = _context(request, "payment", form=form, **_errors_context(result.errors))
        return render(request, PAYMENT_TEMPLATE, context)
    _store(request, "payment", data, upload.name, is_for_test)
    return render(
        request,
        PAYMENT_TEMPLATE,
        _context(
            request,
            "payment",
            form=UploadForm(initial={"mode": form.cleaned_data["mode"]}),
            result=result,
            filename=upload.name,
            preview=result.file.preview(),
        ),
    )


def payment_confirm_view(request) -> HttpResponse:
    _require(request, *PAYMENT_PERMS)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    stored = _load(request, "payment")
    if stored is None:
        messages.error(request, "확인할 업로드가 없거나 만료되었습니다. 파일을 다시 올려 주세요.")
        return redirect(_url(request, "settlements_payment_upload"))
    data, filename, is_for_test = stored
    result = payment_files.import_payment_file(data, filename, is_for_test=is_for_test)
    if not result.ok:
        context = _context(request, "payment", form=UploadForm(), **_errors_context(result.errors))
        return render(request, PAYMENT_TEMPLATE, context)
    messages.success(
        request,
        f"{filename}: 결제 {result.created:,}건을 새로 등록하고 {result.updated:,}건을 고쳤습니다.",
    )
    return redirect(_changelist(request, Payment, is_for_test, "settlements_payment_upload"))


def payment_template_view(request, fmt: str) -> HttpResponse:
    _require(request, *PAYMENT_PERMS)
    return _template_response(
        fmt, payment_files.template_csv, payment_files.template_xlsx, "payments-template"
    )


#: so that `include("settlements.admin_order_upload")` works as well as `include(urls())`
urlpatterns = urls()
