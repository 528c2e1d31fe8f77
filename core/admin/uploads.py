"""The admin's spreadsheet upload pages, one machine for every app: a form; the whole file checked
with nothing written, answering every error by row and column or a preview with a confirm
button; the confirm committing every row or none; the template as CSV and XLSX.

An app declares its upload as a `SheetUpload` subclass (in `<app>/admin/`) that says what a
checked file looks like (`check`) and how it is written (`commit`); what a row means lives in
`<app>/files/`. Between preview and confirm the file waits, encrypted, in a `core.files.stage`
(never in the page), and the confirm checks it again inside the write: a row that became invalid
meanwhile refuses the file rather than slipping in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse

from core.files import sheets
from core.files.rows import RowError
from core.files.stage import StagedUpload, UploadStage

MAX_ERRORS_SHOWN = 500
FORMATS = {"csv": sheets.CSV_CONTENT_TYPE, "xlsx": sheets.XLSX_CONTENT_TYPE}


class UploadForm(forms.Form):
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

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > sheets.MAX_FILE_BYTES:  # refused before it is read into memory
            raise forms.ValidationError(
                f"파일이 너무 큽니다 (최대 {sheets.MAX_FILE_BYTES >> 20} MB)."
            )
        return upload


@dataclass
class Checked:
    """A checked file: its errors, or what confirming it would write (`context` feeds the page's
    preview block)."""

    errors: list[RowError] = field(default_factory=list)
    count: int = 0
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class Done:
    count: int
    message: str  # for the page after the commit, e.g. "수기 정산 12건을 운영 모드로 등록했습니다."


def mode_label(is_for_test: bool) -> str:
    return "테스트" if is_for_test else "운영"


class FileRefused(Exception):
    """The confirm found errors (e.g. an id taken since the preview); nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.message for e in errors[:3]))
        self.errors = errors


class SheetUpload:
    """One upload page. Subclasses set the attributes and implement `check`, `commit` and
    `template_sheet`; `urls()` gives its three URL patterns."""

    title: str
    page_template: str  # extends "admin/upload.html"
    permissions: tuple[str, ...]
    model: type  # breadcrumbs, and the list shown after a commit
    url_names: tuple[str, str, str]  # upload, confirm, template download
    paths: tuple[str, str, str] = ("", "confirm/", "template/<str:fmt>/")
    template_filename: str  # "partners-template" -> partners-template.xlsx

    def __init__(self) -> None:
        self.stage = UploadStage(f"uploads-{self.url_names[0]}", f"upload_{self.url_names[0]}")

    # --- what an app provides ---

    def check(self, table: sheets.Table, *, is_for_test: bool) -> Checked:
        raise NotImplementedError

    def commit(self, table: sheets.Table, *, is_for_test: bool) -> Done:
        """Write every row or none; raise FileRefused when a row is refused."""
        raise NotImplementedError

    def template_sheet(self) -> sheets.SheetSpec:
        raise NotImplementedError

    def template_xlsx(self) -> bytes:
        """The XLSX template; an upload may override it with a richer workbook (text columns,
        drop-down lists) than the plain sheet of `template_sheet`."""
        return sheets.xlsx_bytes([self.template_sheet()])

    def done_url(self, request, *, is_for_test: bool) -> str:
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return f"{url}?is_for_test__exact={int(is_for_test)}"

    # --- the machine ---

    def urls(self, wrap=None) -> list:
        wrap = wrap or admin.site.admin_view
        upload, confirm, template = self.paths
        return [
            path(upload, wrap(self.upload_view), name=self.url_names[0]),
            path(confirm, wrap(self.confirm_view), name=self.url_names[1]),
            path(template, wrap(self.template_view), name=self.url_names[2]),
        ]

    def _require(self, request) -> None:
        if not request.user.has_perms(self.permissions):
            raise PermissionDenied

    def _url(self, request, index: int, *args: Any) -> str:
        namespace = request.resolver_match.namespace if request.resolver_match else ""
        name = self.url_names[index]
        return reverse(f"{namespace}:{name}" if namespace else name, args=args)

    def _page(self, request, **extra: Any) -> HttpResponse:
        context = {
            **admin.site.each_context(request),
            "opts": self.model._meta,
            "title": self.title,
            "max_errors": MAX_ERRORS_SHOWN,
            "upload_url": self._url(request, 0),
            "confirm_url": self._url(request, 1),
            "template_xlsx_url": self._url(request, 2, "xlsx"),
            "template_csv_url": self._url(request, 2, "csv"),
            **extra,
        }
        return render(request, self.page_template, context)

    def _errors_page(self, request, form: forms.Form, errors: list[RowError]) -> HttpResponse:
        return self._page(
            request,
            form=form,
            errors=errors[:MAX_ERRORS_SHOWN],
            error_count=len(errors),
            error_rows=len({e.row for e in errors if e.row}),
        )

    def upload_view(self, request) -> HttpResponse:
        """GET: the form. POST: check the whole file; nothing is written here."""
        self._require(request)
        if request.method != "POST":
            return self._page(request, form=UploadForm())
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form=form)
        upload = form.cleaned_data["file"]
        data = upload.read()
        is_for_test = form.cleaned_data["mode"] == "test"
        started = time.perf_counter()
        table = sheets.read_table_or_errors(data, upload.name)
        checked = Checked(errors=table) if isinstance(table, list) else None
        if checked is None:
            checked = self.check(table, is_for_test=is_for_test)
        if checked.errors:
            self.stage.discard(request)
            return self._errors_page(request, form, checked.errors)
        check = self.stage.put_upload(
            request, StagedUpload(data=data, filename=upload.name, is_for_test=is_for_test)
        )
        return self._page(
            request,
            form=UploadForm(initial={"mode": form.cleaned_data["mode"]}),
            checked=checked,
            is_for_test=is_for_test,
            filename=upload.name,
            seconds=round(time.perf_counter() - started, 2),
            check=check,
            **checked.context,
        )

    def confirm_view(self, request) -> HttpResponse:
        """Write the previewed file, every row or none."""
        self._require(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        staged = self.stage.take_upload(request, request.POST.get("check") or None)
        if staged is None:
            messages.error(
                request,
                "확인할 업로드가 없거나 만료되었습니다 (다른 탭에서 새 파일을 올렸다면 그 화면에서 "
                "등록하세요). 파일을 다시 올려 주세요.",
            )
            return redirect(self._url(request, 0))
        table = sheets.read_table_or_errors(staged.data, staged.filename)
        if isinstance(table, list):
            return self._errors_page(request, UploadForm(), table)
        try:
            done = self.commit(table, is_for_test=staged.is_for_test)
        except FileRefused as exc:
            return self._errors_page(request, UploadForm(), exc.errors)
        messages.success(request, done.message)
        return redirect(self.done_url(request, is_for_test=staged.is_for_test))

    def template_view(self, request, fmt: str) -> HttpResponse:
        self._require(request)
        if fmt not in FORMATS:
            raise Http404
        if fmt == "csv":
            spec = self.template_sheet()
            body = sheets.csv_bytes(spec.headers, spec.rows)
        else:
            body = self.template_xlsx()
        response = HttpResponse(body, content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="{self.template_filename}.{fmt}"'
        return response
