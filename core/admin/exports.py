"""Excel download of exactly the filtered rows, on every admin list.

`ExcelExportMixin` adds `<changelist>/export.xlsx` and the button beside the list's tools
(templates/admin/change_list_object_tools.html); the download takes the list's own query string,
so what is filtered, searched and sorted on screen is what lands in the file. Rows stream from the
database in chunks into openpyxl's write-only workbook on a temporary file: memory stays flat
whatever the count.

Columns are the list's columns (`list_display`) unless the admin says otherwise
(`export_columns`). A column's value is what its display method says it exports (`export`, set by
core.admin.display for money and statuses), else the model field's value (choice labels, related
objects' names, local times), else the displayed text without its HTML.

A list of more than BACKGROUND_ROWS rows is written by a background job (core.models.Job, run by
django-q2) instead of inside the request: following the download link shows a confirmation whose
POST (CSRF-protected: a link on another site cannot start work) starts the job; its page follows a
progress bar and ends on a download link that only the user who asked, while they may still view
the list, can use. Every step needs the list's view permission (docs/payouts.md#roles). The job
replays the list's query string as that user, through the same hooks (`export_queryset`,
`export_columns`, `export_rows`), so an admin that overrides them gets the same file either way;
the file is kept encrypted (it may hold full account numbers) and deleted after a day.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, resolve, reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeString

from core.admin import jobs
from core.files import jobs as job_files
from core.files import sheets
from core.models import Job

CHUNK = 2000
#: a list of more rows than this is written in the background (tests lower it)
BACKGROUND_ROWS = 20_000


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    amount: bool = False
    #: the value is already what a cell holds (text, number, date, "" for none): `_plain`'s dozen
    #: type tests per cell are skipped (a partner download of 10^5 rows x 25 columns)
    plain: bool = False


def _plain(value: Any) -> Any:
    if isinstance(value, tuple) and len(value) == 2:  # unfold's (key, label) badge
        value = value[1]
    if isinstance(value, bool):
        return "예" if value else "아니오"
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, SafeString):
        return strip_tags(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, models.Model):
        return str(value)
    if value is None:
        return ""
    if hasattr(value, "__html__"):
        return strip_tags(str(value))
    return value


def column_for(model_admin, name: str) -> Column:
    """The export column of one list_display entry."""
    header = str(label_for_field(name, model_admin.model, model_admin))
    attr = getattr(model_admin, name, None) if isinstance(name, str) else name
    if attr is not None and hasattr(attr, "export"):
        return Column(header, attr.export, getattr(attr, "export_amount", False))
    try:
        field = model_admin.model._meta.get_field(name)
    except Exception:
        field = None
    if field is not None and getattr(field, "choices", None):
        return Column(header, _choice_label(field))

    def value(obj, n=name):
        try:
            _f, _attr, v = lookup_field(n, obj, model_admin)
        except ObjectDoesNotExist:
            return ""
        return _plain(v)

    return Column(header, value)


def _choice_label(field: models.Field) -> Callable[[Any], Any]:
    """`get_FOO_display()` with the labels resolved once, in the language active now (the
    request's, or the job's replay of it): Django's rebuilds the choices as a hashable dict and
    resolves a lazy translation for every cell."""
    labels = {value: str(label) for value, label in field.flatchoices}
    attname = field.attname

    def value(obj):
        v = getattr(obj, attname)
        try:
            return labels.get(v, v)
        except TypeError:  # an unhashable value: Django's own lookup copes with it
            return getattr(obj, f"get_{field.name}_display")()

    return value


class ExcelExportMixin:
    """For a ModelAdmin: the filtered list as XLSX. Set `excel_export = False` to leave it out."""

    excel_export = True
    export_select_related: Sequence[str] = ()

    def export_columns(self, request) -> list[Column]:
        names = [n for n in self.get_list_display(request) if n != "action_checkbox"]
        return [column_for(self, n) for n in names]

    def export_filename(self, request) -> str:
        opts = self.model._meta
        return f"{opts.model_name}-{timezone.localdate():%Y%m%d}.xlsx"

    def export_queryset(self, request):
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        if queryset.query.distinct and not queryset.query.distinct_fields:
            # A search across a multi-valued relation (a partner's tag rows) makes the list
            # DISTINCT: over every column of the joined rows, which PostgreSQL sorts on disk
            # (100k partners x 2 tags: ~440 MB, most of the download's time). The same rows,
            # picked by a DISTINCT of their keys alone, in the list's order:
            keys = queryset.order_by().values("pk")
            queryset = (
                self.get_queryset(request).filter(pk__in=keys).order_by(*queryset.query.order_by)
            )
        related = self.export_select_related or self.list_select_related
        if related and related is not True:
            queryset = queryset.select_related(*related)
        return queryset

    def export_rows(self, queryset, columns: list[Column]) -> Iterator[list[Any]]:
        values = [column.value for column in columns]
        if all(column.plain for column in columns):
            for obj in queryset.iterator(chunk_size=CHUNK):
                yield [value(obj) for value in values]
            return
        pairs = [(column.value, column.plain) for column in columns]
        for obj in queryset.iterator(chunk_size=CHUNK):
            yield [value(obj) if plain else _plain(value(obj)) for value, plain in pairs]

    def export_sheet(self, request, columns: list[Column], rows) -> sheets.SheetSpec:
        return sheets.SheetSpec(
            title=str(self.model._meta.verbose_name_plural),
            headers=[c.header for c in columns],
            rows=rows,
            amount_columns=frozenset(i for i, c in enumerate(columns) if c.amount),
            widths=[max(10, min(40, len(c.header) * 2 + 4)) for c in columns],
        )

    def export_xlsx_view(self, request) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            queryset = self.export_queryset(request)
            count = queryset.count() if BACKGROUND_ROWS else 0
        except IncorrectLookupParameters:
            messages.error(request, "목록 필터가 올바르지 않아 내려받을 수 없습니다.")
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        if count > BACKGROUND_ROWS:
            if request.method != "POST":
                return self._confirm_export_job(request, count)
            return self._start_export_job(request, count)
        columns = self.export_columns(request)
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
        sheets.write_xlsx(
            spool, [self.export_sheet(request, columns, self.export_rows(queryset, columns))]
        )
        spool.seek(0)
        return FileResponse(
            spool,
            as_attachment=True,
            filename=self.export_filename(request),
            content_type=sheets.XLSX_CONTENT_TYPE,
        )

    def _back_url(self, request) -> str:
        opts = self.model._meta
        query = request.GET.urlencode()
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return f"{changelist}?{query}" if query else changelist

    def _confirm_export_job(self, request, count: int) -> HttpResponse:
        """The page whose POST starts the job (a GET only shows it)."""
        opts = self.model._meta
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": f"{opts.verbose_name_plural} 엑셀 다운로드 ({count:,}행)",
            "count": count,
            "back_url": self._back_url(request),
        }
        return TemplateResponse(request, "admin/export_confirm.html", context)

    def _start_export_job(self, request, count: int) -> HttpResponse:
        opts = self.model._meta
        query = request.GET.urlencode()
        job = Job.objects.create(
            kind=Job.Kind.EXPORT,
            title=f"{opts.verbose_name_plural} 엑셀 다운로드 ({count:,}행)",
            owner=request.user,
            total=count,
            message=f"{count:,}행을 백그라운드에서 엑셀 파일로 만듭니다.",
            result_name=self.export_filename(request),
            params={
                "model": opts.label_lower,
                "query": query,
                "path": request.path,
                "back_url": self._back_url(request),
                "content_type": sheets.XLSX_CONTENT_TYPE,
            },
        )
        return jobs.start(job)

    def run_export_job(self, job: Job, progress: job_files.Progress) -> None:
        """In the worker: the list as the job's owner asked for it, into the job's file."""
        request = _replayed_request(job)
        if not self.has_view_permission(request):
            raise PermissionDenied
        queryset = self.export_queryset(request)
        columns = self.export_columns(request)
        progress.phase("엑셀 파일을 만드는 중입니다.", total=job.total)
        written = 0

        def rows():
            nonlocal written
            for row in progress.counted(self.export_rows(queryset, columns), every=500):
                written += 1
                yield row

        name = job_files.new_name(job, "export")
        with tempfile.TemporaryFile() as spool:
            sheets.write_xlsx(spool, [self.export_sheet(request, columns, rows())])
            spool.seek(0)
            job_files.write_file(name, spool)
        Job.objects.filter(pk=job.pk).update(
            result_file=name,
            done=written,
            total=written,
            message=f"{written:,}행을 엑셀 파일로 만들었습니다.",
            status=Job.Status.SUCCEEDED,
            finished_at=timezone.now(),
        )

    def get_urls(self):
        urls = super().get_urls()
        if not self.excel_export:
            return urls
        opts = self.model._meta
        return [
            path(
                "export.xlsx",
                self.admin_site.admin_view(self.export_xlsx_view),
                name=f"{opts.app_label}_{opts.model_name}_export_xlsx",
            ),
            *urls,
        ]


def _replayed_request(job: Job) -> HttpRequest:
    """The changelist request of the job's owner, as far as a list needs one: the query string,
    the user (permissions, personal data), the path."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = job.params["path"]
    request.GET = QueryDict(job.params["query"])
    request.META = {
        "QUERY_STRING": job.params["query"],
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "REQUEST_METHOD": "GET",
    }
    request.user = job.owner
    request.resolver_match = resolve(job.params["path"])
    return request


def _model_admin(job: Job):
    from django.apps import apps

    model = apps.get_model(job.params["model"])
    return admin.site._registry[model]


@job_files.runner(Job.Kind.EXPORT)
def run_export(job: Job, progress: job_files.Progress) -> None:
    _model_admin(job).run_export_job(job, progress)


@jobs.access(Job.Kind.EXPORT)
def export_allowed(request, job: Job) -> bool:
    """An export's result and file only while its owner may still view the list."""
    try:
        model_admin = _model_admin(job)
    except (LookupError, KeyError):
        return False
    return model_admin.has_view_permission(request)


@jobs.result_page(Job.Kind.EXPORT)
def export_result_page(request, job: Job) -> HttpResponse:
    if job_files.exists(job.result_file):
        return jobs.job_page(request, job, download_url=reverse("core-job-download", args=[job.pk]))
    return jobs.job_page(request, job, download_expired=True)
