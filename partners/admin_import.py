"""Admin pages for partner files: bulk registration (파트너 일괄 등록) with preview and confirm,
the download template, and the export of the filtered changelist.

Thin: reading, validation and the import itself are `partners.resources`; the write is one
`partners.services.partners_create` call. Between preview and confirm the *validated* rows wait in
a server-side file (Fernet-encrypted: it holds account numbers) named by a random token that only
the session knows, so the page never carries the data and a confirm cannot be replayed.
The store is a directory under VAR_DIR: with several web servers it must be shared storage
(the django-import-export temp-file pitfall, anchors.md §1.1, issue #807).
"""

from __future__ import annotations

import json
import tempfile
import time
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from core.crypto import decrypt, encrypt
from core.files import sheets
from core.files.stage import UploadStage
from partners import resources
from partners.models import Partner

ADD_PERMISSION = "partners.add_partner"
SESSION_KEY = "partners_import"
MAX_ERRORS_SHOWN = 500
FORMATS = ("csv", "xlsx")


def urls(model_admin) -> list:
    """URL patterns that PartnerAdmin.get_urls() puts before its own."""
    site = model_admin.admin_site

    def view(func):
        def wrapped(request, *args, **kwargs):
            return func(model_admin, request, *args, **kwargs)

        wrapped.__name__ = func.__name__
        return site.admin_view(wrapped)

    return [
        path("import/", view(import_view), name="partners_partner_import"),
        path("import/confirm/", view(confirm_view), name="partners_partner_import_confirm"),
        path(
            "import/template/<str:fmt>/",
            view(template_view),
            name="partners_partner_import_template",
        ),
        path("export/<str:fmt>/", view(export_view), name="partners_partner_export"),
    ]


# --- server-side store of the validated plan ----------------------------------------------------


STAGE = UploadStage("partner-imports", SESSION_KEY)


def _discard(request) -> None:
    STAGE.discard(request)


def _store(request, plan: resources.ImportPlan) -> str:
    """Keep the plan server-side, encrypted (it holds account numbers); return the check value
    the confirm form echoes."""
    payload = encrypt(json.dumps(plan.as_json(), ensure_ascii=False, separators=(",", ":")))
    return STAGE.put(request, payload.encode("ascii"))


def _load(request, check: str) -> resources.ImportPlan | None:
    payload = STAGE.take(request, check)
    if payload is None:
        return None
    return resources.ImportPlan.from_json(json.loads(decrypt(payload.decode("ascii"))))


# --- views ---------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        label="파일 (CSV 또는 XLSX)",
        help_text="첫 행은 템플릿의 열 이름이어야 합니다. "
        "CSV는 UTF-8 또는 CP949(엑셀)로 저장하세요.",
    )
    mode = forms.ChoiceField(
        label="등록 모드",
        choices=[("live", "운영"), ("test", "테스트")],
        initial="live",
        widget=forms.RadioSelect,
    )


def _require_add(request) -> None:
    if not request.user.has_perm(ADD_PERMISSION):
        raise PermissionDenied


def _context(model_admin, request, **extra: Any) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": Partner._meta,
        "title": "파트너 일괄 등록",
        "max_errors": MAX_ERRORS_SHOWN,
        **extra,
    }


def _render_errors(model_admin, request, form, plan: resources.ImportPlan, errors) -> HttpResponse:
    return render(
        request,
        "partners/import.html",
        _context(
            model_admin,
            request,
            form=form,
            plan=plan,
            errors=errors[:MAX_ERRORS_SHOWN],
            error_count=len(errors),
            error_rows=len({e.row for e in errors}),
        ),
    )


def import_view(model_admin, request) -> HttpResponse:
    """GET: the upload form. POST: validate the whole file; show every error, or a summary and
    a confirm button. Nothing is written here."""
    _require_add(request)
    if request.method != "POST":
        return render(
            request, "partners/import.html", _context(model_admin, request, form=ImportForm())
        )
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "partners/import.html", _context(model_admin, request, form=form))
    upload = form.cleaned_data["file"]
    if upload.size > sheets.MAX_FILE_BYTES:  # refuse before reading it into memory
        form.add_error("file", f"파일이 너무 큽니다 (최대 {sheets.MAX_FILE_BYTES >> 20} MB).")
        return render(request, "partners/import.html", _context(model_admin, request, form=form))
    is_for_test = form.cleaned_data["mode"] == "test"
    started = time.perf_counter()
    plan = resources.validate_file(upload.read(), upload.name, is_for_test=is_for_test)
    if plan.errors:
        _discard(request)
        return _render_errors(model_admin, request, form, plan, plan.errors)
    check = _store(request, plan)
    return render(
        request,
        "partners/import.html",
        _context(
            model_admin,
            request,
            form=ImportForm(initial={"mode": form.cleaned_data["mode"]}),
            plan=plan,
            filename=upload.name,
            counts=plan.counts_by_type(),
            preview=plan.preview(),
            seconds=round(time.perf_counter() - started, 2),
            check=check,
        ),
    )


def confirm_view(model_admin, request) -> HttpResponse:
    """Create every previewed row in one `partners_create` call, or none."""
    _require_add(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    plan = _load(request, request.POST.get("check", ""))
    if plan is None:
        messages.error(
            request,
            "확인할 업로드가 없거나 만료되었습니다 (다른 탭에서 새 파일을 올렸다면 그 화면에서 "
            "등록하세요). 파일을 다시 올려 주세요.",
        )
        return redirect("admin:partners_partner_import")
    try:
        created = resources.plan_commit(plan)
    except resources.ImportRefused as exc:
        return _render_errors(model_admin, request, ImportForm(), plan, exc.errors)
    mode = "테스트" if plan.is_for_test else "운영"
    messages.success(
        request,
        f"파트너 {len(created):,}명을 {mode} 모드로 등록했습니다. "
        "계좌·사업자 확인은 백그라운드에서 진행됩니다.",
    )
    changelist = reverse("admin:partners_partner_changelist")
    return redirect(f"{changelist}?is_for_test__exact={int(plan.is_for_test)}")


def template_view(model_admin, request, fmt: str) -> HttpResponse:
    _require_add(request)
    if fmt == "csv":
        response = HttpResponse(resources.template_csv(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            resources.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="partners-template.{fmt}"'
    return response


def export_view(model_admin, request, fmt: str) -> HttpResponse:
    """The changelist as it is filtered now (same query string), with personal data masked."""
    if fmt not in FORMATS:
        raise Http404
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        changelist = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters:
        messages.error(request, "목록 필터가 올바르지 않아 내보낼 수 없습니다.")
        return redirect("admin:partners_partner_changelist")
    queryset = changelist.queryset.select_related("default_contract")
    resource = resources.PartnerResource()
    rows = resource.export_rows(queryset.iterator(chunk_size=2000))
    filename = f"partners-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            resources.csv_chunks(resource.export_headers(), rows),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    resources.write_xlsx(spool, resource.export_headers(), rows, title="파트너")
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
