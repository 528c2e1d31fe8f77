"""The partner file pages of the admin: bulk registration and re-import (파트너 일괄 등록·수정) on
the shared upload machine (core.admin.uploads), and the CSV export of the filtered changelist.

Thin: what a row means, its validation and the write are partners.files; the machine keeps the
uploaded file (encrypted: it holds account numbers) between the preview and the confirm, and
the confirm validates it again before the one all-or-nothing write.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone

from core.admin.uploads import Checked, Done, FileRefused, SheetUpload, mode_label
from core.files import sheets
from partners.files import template
from partners.files.upload import ImportRefused, plan_commit, validate_table
from partners.models import Partner


class PartnerUpload(SheetUpload):
    """파트너 일괄 등록·수정: new ids are created, existing ids updated (what changes is previewed
    field by field), in one all-or-nothing write."""

    title = "파트너 일괄 등록·수정"
    page_template = "partners/import.html"
    permissions = ("partners.add_partner", "partners.change_partner")
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
        SNAPSHOTS.put(table, is_for_test, plan.snapshot())
        return Checked(
            count=len(plan.items),
            context={
                "counts": plan.counts_by_type(),
                "preview": plan.preview(),
                "new_count": len(plan.creates),
                "updates": plan.update_preview(),
                "update_count": len(plan.updates),
                "unchanged": plan.unchanged_preview(),
                "unchanged_count": len(plan.unchanged),
            },
        )

    def commit(self, table: sheets.Table, *, is_for_test: bool) -> Done:
        plan = validate_table(table, is_for_test=is_for_test)
        if plan.errors:
            raise FileRefused(plan.errors)
        snapshot = SNAPSHOTS.take(table, is_for_test)
        stale = plan.stale_errors(snapshot) if snapshot is not None else []
        if stale:
            raise FileRefused(stale)
        try:
            done = plan_commit(plan)
        except ImportRefused as exc:
            raise FileRefused(exc.errors) from exc
        parts = []
        if done.created:
            parts.append(f"{len(done.created):,}명 등록")
        if done.updated:
            parts.append(f"{len(done.updated):,}명 수정")
        if not parts:
            message = "바뀐 파트너가 없어 아무것도 저장하지 않았습니다."
        else:
            message = (
                f"파트너 {' · '.join(parts)}을 {mode_label(is_for_test)} 모드로 마쳤습니다. "
                "계좌·사업자 확인은 백그라운드에서 진행됩니다."
            )
            if plan.unchanged:
                message += f" (변경 없음 {len(plan.unchanged):,}명)"
        return Done(count=len(done), message=message)

    def template_sheet(self) -> sheets.SheetSpec:
        return template.template_sheet()

    def template_xlsx(self) -> bytes:
        return template.template_xlsx()


class PlanSnapshots:
    """What each preview saw (PlanSnapshot.snapshot()), kept beside the staged file under VAR_DIR
    by the file's content, so the confirm (in this process or a background worker) refuses a
    file whose rows would now do something the preview did not show."""

    directory = "uploads-partner-plans"

    def _path(self, table: sheets.Table, is_for_test: bool) -> Path:
        # list.__iter__: the background machine counts progress on iterating `table.rows`
        rows = list.__iter__(table.rows) if isinstance(table.rows, list) else iter(table.rows)
        digest = hashlib.sha256(
            json.dumps([is_for_test, table.headers, list(rows)], ensure_ascii=False).encode()
        ).hexdigest()
        folder = Path(settings.VAR_DIR) / self.directory
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder / f"{digest}.json"

    def put(self, table: sheets.Table, is_for_test: bool, snapshot: dict) -> None:
        path = self._path(table, is_for_test)
        cutoff = time.time() - 24 * 3600
        for stale in path.parent.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if stale.stat().st_mtime < cutoff:
                    stale.unlink()
        path.write_text(json.dumps(snapshot))

    def take(self, table: sheets.Table, is_for_test: bool) -> dict | None:
        path = self._path(table, is_for_test)
        try:
            snapshot = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return None
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return snapshot


SNAPSHOTS = PlanSnapshots()
PARTNER_UPLOAD = PartnerUpload()
#: where the upload waits between preview and confirm
STAGE = PARTNER_UPLOAD.stage
SESSION_KEY = STAGE.session_key

FORMATS = ("csv", "xlsx")


def export_view(model_admin, request, fmt: str) -> HttpResponse:
    """The changelist as it is filtered now (same query string), in the list's export columns
    (PartnerAdmin.export_columns: full account numbers only with the personal-data permission):
    XLSX is the list's Excel download, CSV is streamed in chunks."""
    if fmt not in FORMATS:
        raise Http404
    if fmt == "xlsx":
        return model_admin.export_xlsx_view(request)
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        queryset = model_admin.export_queryset(request)
    except IncorrectLookupParameters:
        messages.error(request, "목록 필터가 올바르지 않아 내보낼 수 없습니다.")
        return redirect("admin:partners_partner_changelist")
    columns = model_admin.export_columns(request)
    response = StreamingHttpResponse(
        sheets.csv_stream([c.header for c in columns], model_admin.export_rows(queryset, columns)),
        content_type=sheets.CSV_CONTENT_TYPE,
    )
    filename = f"partners-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def urls(model_admin) -> list:
    """The pages PartnerAdmin.get_urls() puts before its own."""
    site = model_admin.admin_site

    def export(request, fmt: str) -> HttpResponse:
        return export_view(model_admin, request, fmt)

    return [
        *PARTNER_UPLOAD.urls(site.admin_view),
        path("export/<str:fmt>/", site.admin_view(export), name="partners_partner_export"),
    ]
