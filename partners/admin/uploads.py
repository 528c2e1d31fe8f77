"""The partner file pages of the admin: bulk registration (파트너 일괄 등록) on the shared upload
machine (core.admin.uploads), and the export of the filtered changelist.

Thin: what a row means, its validation and the write are partners.files; the machine keeps the
uploaded file (encrypted: it holds account numbers) between the preview and the confirm, and
the confirm validates it again before the one all-or-nothing write.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone

from core.admin.uploads import Checked, Done, FileRefused, SheetUpload, mode_label
from core.files import sheets
from partners.files import template
from partners.files.export import PartnerResource
from partners.files.upload import ImportRefused, plan_commit, validate_table
from partners.models import Partner


class PartnerUpload(SheetUpload):
    title = "파트너 일괄 등록"
    page_template = "partners/import.html"
    permissions = ("partners.add_partner",)
    model = Partner
    url_names = (
        "partners_partner_import",
        "partners_partner_import_confirm",
        "partners_partner_import_template",
    )
    paths = ("import/", "import/confirm/", "import/template/<str:fmt>/")
    template_filename = "partners-template"

    def check(self, table: sheets.Table, *, is_for_test: bool) -> Checked:
        plan = validate_table(table, is_for_test=is_for_test)
        if plan.errors:
            return Checked(errors=plan.errors)
        return Checked(
            count=len(plan.items),
            context={"counts": plan.counts_by_type(), "preview": plan.preview()},
        )

    def commit(self, table: sheets.Table, *, is_for_test: bool) -> Done:
        plan = validate_table(table, is_for_test=is_for_test)
        if plan.errors:
            raise FileRefused(plan.errors)
        try:
            created = plan_commit(plan)
        except ImportRefused as exc:
            raise FileRefused(exc.errors) from exc
        return Done(
            count=len(created),
            message=f"파트너 {len(created):,}명을 {mode_label(is_for_test)} 모드로 등록했습니다. "
            "계좌·사업자 확인은 백그라운드에서 진행됩니다.",
        )

    def template_sheet(self) -> sheets.SheetSpec:
        return template.template_sheet()

    def template_xlsx(self) -> bytes:
        return template.template_xlsx()


PARTNER_UPLOAD = PartnerUpload()
#: where the upload waits between preview and confirm
STAGE = PARTNER_UPLOAD.stage
SESSION_KEY = STAGE.session_key

FORMATS = ("csv", "xlsx")


def export_view(model_admin, request, fmt: str) -> HttpResponse:
    """The changelist as it is filtered now (same query string), with personal data masked:
    CSV streamed in chunks, XLSX written row by row to a temporary file."""
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
    resource = PartnerResource()
    rows = resource.export_rows(queryset.iterator(chunk_size=2000))
    filename = f"partners-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            sheets.csv_stream(resource.export_headers(), rows),
            content_type=sheets.CSV_CONTENT_TYPE,
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    sheets.write_xlsx(spool, [sheets.SheetSpec(template.TITLE, resource.export_headers(), rows)])
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=filename, content_type=sheets.XLSX_CONTENT_TYPE
    )


def urls(model_admin) -> list:
    """The pages PartnerAdmin.get_urls() puts before its own."""
    site = model_admin.admin_site

    def export(request, fmt: str) -> HttpResponse:
        return export_view(model_admin, request, fmt)

    return [
        *PARTNER_UPLOAD.urls(site.admin_view),
        path("export/<str:fmt>/", site.admin_view(export), name="partners_partner_export"),
    ]
