"""The admin's spreadsheet upload pages, one machine for every app: a form; the whole file checked
with nothing written, answering every error by row and column or a preview with a confirm
button; the confirm committing every row or none; the template as CSV and XLSX.

An app declares its upload as a `SheetUpload` subclass (in `<app>/admin/`) that says what a
checked file looks like (`check`) and how it is written (`commit`); what a row means lives in
`<app>/files/`. Between preview and confirm the file waits, encrypted, in a `core.files.stage`
(never in the page), and the confirm checks it again inside the write: a row that became invalid
meanwhile refuses the file rather than slipping in.

A file of more than BACKGROUND_ROWS rows is checked, and then committed, by a background job
(core.models.Job, run by django-q2): the page follows a progress bar and ends on the same preview,
errors or done message as a small file does. The job calls the very same `check` and `commit` of
the upload, so an app's SheetUpload needs nothing for it; the job's copy of the file is encrypted
like the stage's (core.files.jobs).
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import HORIZONTAL
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldAdminRadioSelectWidget

from core.admin import jobs
from core.files import jobs as job_files
from core.files import sheets
from core.files.rows import RowError
from core.files.stage import StagedUpload, UploadStage
from core.models import Job

MAX_ERRORS_SHOWN = 500
#: a file of more rows than this is checked and committed in the background (tests lower it)
BACKGROUND_ROWS = 5_000
#: every SheetUpload by its first URL name, for the background jobs to find their upload
UPLOADS: dict[str, SheetUpload] = {}
FORMATS = {"csv": sheets.CSV_CONTENT_TYPE, "xlsx": sheets.XLSX_CONTENT_TYPE}


class UploadForm(forms.Form):
    file = forms.FileField(
        label="파일 (CSV 또는 XLSX)",
        help_text="첫 행은 템플릿의 열 이름이어야 합니다. "
        "CSV는 UTF-8 또는 CP949(엑셀)로 저장하세요.",
        widget=UnfoldAdminFileFieldWidget(attrs={"accept": ".csv,.xlsx"}),
    )
    mode = forms.ChoiceField(
        label="등록 모드",
        choices=[("live", "운영"), ("test", "테스트")],
        initial="live",
        widget=UnfoldAdminRadioSelectWidget(radio_style=HORIZONTAL),
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
        UPLOADS[self.url_names[0]] = self

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
        namespace = getattr(request, "upload_namespace", None)  # set on a job's result page
        if namespace is None:
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

    def _preview_page(
        self, request, checked: Checked, staged: StagedUpload, seconds: float
    ) -> HttpResponse:
        check = self.stage.put_upload(request, staged)
        mode = "test" if staged.is_for_test else "live"
        return self._page(
            request,
            form=UploadForm(initial={"mode": mode}),
            checked=checked,
            is_for_test=staged.is_for_test,
            filename=staged.filename,
            seconds=seconds,
            check=check,
            **checked.context,
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
        staged = StagedUpload(
            data=upload.read(),
            filename=upload.name,
            is_for_test=form.cleaned_data["mode"] == "test",
        )
        started = time.perf_counter()
        table = sheets.read_table_or_errors(staged.data, staged.filename)
        if not isinstance(table, list) and len(table.rows) > BACKGROUND_ROWS:
            self.stage.discard(request)
            return self._start_job(request, Job.Kind.UPLOAD_CHECK, staged, len(table.rows))
        checked = Checked(errors=table) if isinstance(table, list) else None
        if checked is None:
            checked = self.check(table, is_for_test=staged.is_for_test)
        if checked.errors:
            self.stage.discard(request)
            return self._errors_page(request, form, checked.errors)
        return self._preview_page(request, checked, staged, round(time.perf_counter() - started, 2))

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
        if len(table.rows) > BACKGROUND_ROWS:
            return self._start_job(request, Job.Kind.UPLOAD_COMMIT, staged, len(table.rows))
        try:
            done = self.commit(table, is_for_test=staged.is_for_test)
        except FileRefused as exc:
            return self._errors_page(request, UploadForm(), exc.errors)
        messages.success(request, done.message)
        return redirect(self.done_url(request, is_for_test=staged.is_for_test))

    # --- in the background ---

    def _start_job(self, request, kind: str, staged: StagedUpload, rows: int) -> HttpResponse:
        step = "검증" if kind == Job.Kind.UPLOAD_CHECK else "등록"
        job = Job.objects.create(
            kind=kind,
            title=f"{self.title}: {staged.filename} {step}",
            owner=request.user,
            total=rows,
            message=f"{rows:,}행을 백그라운드에서 {step}합니다.",
            params={
                "upload": self.url_names[0],
                "namespace": request.resolver_match.namespace if request.resolver_match else "",
                "filename": staged.filename,
                "is_for_test": staged.is_for_test,
                "back_url": self._url(request, 0),
            },
        )
        job.input_file = job_files.new_name(job, "input")
        job_files.write_bytes(job.input_file, _pack(staged))
        job.save(update_fields=["input_file"])
        return jobs.start(job)

    def run_check(self, job: Job, progress: job_files.Progress) -> None:
        staged = _unpack(job_files.read_bytes(job.input_file))
        progress.phase("파일을 읽는 중입니다.")
        started = time.perf_counter()
        table = sheets.read_table_or_errors(staged.data, staged.filename)
        if isinstance(table, list):
            checked = Checked(errors=table)
        else:
            progress.phase(f"{len(table.rows):,}행을 검증하는 중입니다.", total=len(table.rows))
            table.rows = _CountedRows(table.rows, progress)
            checked = self.check(table, is_for_test=staged.is_for_test)
        seconds = round(time.perf_counter() - started, 2)
        if checked.errors:
            message = f"오류 {len(checked.errors):,}개를 찾았습니다. 아무것도 등록하지 않았습니다."
        else:
            message = f"모든 행({checked.count:,}행)이 검증을 통과했습니다."
        _finish(job, {"checked": checked, "seconds": seconds}, message, len(checked.errors))

    def run_commit(self, job: Job, progress: job_files.Progress) -> None:
        staged = _unpack(job_files.read_bytes(job.input_file))
        progress.phase("파일을 읽는 중입니다.")
        table = sheets.read_table_or_errors(staged.data, staged.filename)
        if isinstance(table, list):
            outcome: dict[str, Any] = {"errors": table}
        else:
            progress.phase(f"{len(table.rows):,}행을 등록하는 중입니다.", total=len(table.rows))
            table.rows = _CountedRows(table.rows, progress)
            try:
                outcome = {"done": self.commit(table, is_for_test=staged.is_for_test)}
            except FileRefused as exc:
                outcome = {"errors": exc.errors}
        errors = outcome.get("errors") or []
        message = (
            outcome["done"].message
            if "done" in outcome
            else (f"등록하지 않았습니다: 오류 {len(errors):,}개.")
        )
        _finish(job, outcome, message, len(errors))
        job_files.delete(job.input_file)  # written, or refused: the copy is not needed again
        Job.objects.filter(pk=job.pk).update(input_file="")

    def result_page(self, request, job: Job) -> HttpResponse:
        """Where a finished job of this upload ends: the preview with its confirm button, the
        row errors, or the list with the done message."""
        self._require(request)
        request.upload_namespace = job.params.get("namespace", "")
        if not job_files.exists(job.result_file):
            messages.error(request, "작업 결과의 보관 기간이 지났습니다. 파일을 다시 올려 주세요.")
            return redirect(self._url(request, 0))
        # pickle of our own outcome, read back from a Fernet-authenticated file
        outcome = pickle.loads(job_files.read_bytes(job.result_file))
        if job.kind == Job.Kind.UPLOAD_COMMIT:
            if outcome.get("errors"):
                return self._errors_page(request, UploadForm(), outcome["errors"])
            messages.success(request, outcome["done"].message)
            return redirect(self.done_url(request, is_for_test=job.params["is_for_test"]))
        checked: Checked = outcome["checked"]
        if checked.errors:
            self.stage.discard(request)
            return self._errors_page(request, UploadForm(), checked.errors)
        if not job_files.exists(job.input_file):
            messages.error(request, "올린 파일의 보관 기간이 지났습니다. 파일을 다시 올려 주세요.")
            return redirect(self._url(request, 0))
        staged = _unpack(job_files.read_bytes(job.input_file))
        return self._preview_page(request, checked, staged, outcome["seconds"])

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


# --- background jobs ------------------------------------------------------------------------


class _CountedRows(list):
    """A table's rows that report how far an iteration over them got (the check and the commit
    of an app read `table.rows` as a list; they see one)."""

    def __init__(self, rows, progress: job_files.Progress) -> None:
        super().__init__(rows)
        self._progress = progress

    def __iter__(self):
        return self._progress.counted(super().__iter__())


def _pack(staged: StagedUpload) -> bytes:
    return pickle.dumps(staged, protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(data: bytes) -> StagedUpload:
    return pickle.loads(data)  # written by _pack into a Fernet-authenticated file


def _finish(job: Job, outcome: dict[str, Any], message: str, error_count: int) -> None:
    """Keep the outcome (encrypted: a preview or an error can quote personal data) and end."""
    from django.utils import timezone

    job.result_file = job_files.new_name(job, "result")
    job_files.write_bytes(job.result_file, pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    Job.objects.filter(pk=job.pk).update(
        result_file=job.result_file,
        message=message[:500],
        error_count=error_count,
        done=job.total,
        status=Job.Status.SUCCEEDED,
        finished_at=timezone.now(),
    )


def _upload_of(job: Job) -> SheetUpload:
    name = job.params["upload"]
    if name not in UPLOADS:  # a worker that has not imported the pages yet
        from importlib import import_module

        from django.conf import settings

        import_module(settings.ROOT_URLCONF)
    return UPLOADS[name]


@job_files.runner(Job.Kind.UPLOAD_CHECK)
def run_upload_check(job: Job, progress: job_files.Progress) -> None:
    _upload_of(job).run_check(job, progress)


@job_files.runner(Job.Kind.UPLOAD_COMMIT)
def run_upload_commit(job: Job, progress: job_files.Progress) -> None:
    _upload_of(job).run_commit(job, progress)


@jobs.result_page(Job.Kind.UPLOAD_CHECK)
@jobs.result_page(Job.Kind.UPLOAD_COMMIT)
def upload_result_page(request, job: Job) -> HttpResponse:
    return _upload_of(job).result_page(request, job)
