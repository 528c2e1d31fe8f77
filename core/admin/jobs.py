"""The pages of a background job (core.models.Job): its progress (a bar that polls a small JSON
status), its result (what the kind's handler shows: an upload's preview or errors, a download
link) and its file. Only the job's owner sees any of them; to anyone else the job does not exist.

Kinds register what their result page is with `result_page(kind)`; core.admin.uploads and
core.admin.exports do. A kind may also register whether its owner may still open its result and file
(`access(kind)`: an export only while the owner keeps the list's view permission); refused, they
answer 403. `urls()` is mounted by the site's URLconf.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header

from core.files import jobs as job_files
from core.models import Job

ResultPage = Callable[[Any, Job], HttpResponse]
RESULT_PAGES: dict[str, ResultPage] = {}
Access = Callable[[Any, Job], bool]
ACCESS: dict[str, Access] = {}


def result_page(kind: str) -> Callable[[ResultPage], ResultPage]:
    def register(func: ResultPage) -> ResultPage:
        RESULT_PAGES[kind] = func
        return func

    return register


def access(kind: str) -> Callable[[Access], Access]:
    def register(func: Access) -> Access:
        ACCESS[kind] = func
        return func

    return register


def owned_job(request, pk: int, *, result: bool = False) -> Job:
    """The job, if the user asked for it; 404 otherwise (even for a superuser: a job's file can
    hold personal data its owner was allowed to see). For its `result` (page or file), 403 if the
    owner has since lost the right its kind asks for (`access`)."""
    job = get_object_or_404(Job, pk=pk, owner_id=request.user.pk)
    allowed = ACCESS.get(job.kind)
    if result and allowed is not None and not allowed(request, job):
        raise PermissionDenied
    return job


def start(job: Job) -> HttpResponse:
    """Queue the job and answer with its progress page's address (a redirect)."""
    from django.shortcuts import redirect

    job_files.start(job)
    return redirect("core-job", pk=job.pk)


def state(job: Job) -> dict[str, Any]:
    """The job as the status endpoint answers it: the running numbers from the progress file,
    the row's once it has ended."""
    done, total, message = job.done, job.total, job.message
    if job.status == Job.Status.RUNNING:
        running = job_files.read_progress(job.pk) or {}
        done = running.get("done", done)
        total = running.get("total", total) or total
        message = running.get("message", message)
    elif job.status == Job.Status.QUEUED:
        message = message or "차례를 기다리는 중입니다."
    percent = (
        100
        if job.status == Job.Status.SUCCEEDED
        else (min(100, done * 100 // total) if total else 0)
    )
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.finished,
        "done": done,
        "total": total,
        "percent": percent,
        "message": message,
        "result_url": reverse("core-job-result", args=[job.pk]) if job.finished else "",
    }


def job_page(request, job: Job, **extra: Any) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": job.title,
        "job": job,
        "job_state": state(job),
        "status_url": reverse("core-job-status", args=[job.pk]),
        **extra,
    }
    return render(request, "admin/job.html", context)


def job_view(request, pk: int) -> HttpResponse:
    job = owned_job(request, pk)
    if job.finished:
        return result_view(request, pk)
    return job_page(request, job)


def status_view(request, pk: int) -> JsonResponse:
    response = JsonResponse(state(owned_job(request, pk)))
    response["Cache-Control"] = "no-store"
    return response


def result_view(request, pk: int) -> HttpResponse:
    job = owned_job(request, pk, result=True)
    if not job.finished:
        return job_page(request, job)
    handler = RESULT_PAGES.get(job.kind)
    if job.status == Job.Status.FAILED or handler is None:
        return job_page(request, job)
    return handler(request, job)


def download_view(request, pk: int) -> HttpResponse:
    job = owned_job(request, pk, result=True)
    if job.status != Job.Status.SUCCEEDED or not job_files.exists(job.result_file):
        raise Http404("파일이 없거나 보관 기간(하루)이 지났습니다.")
    content_type = job.params.get("content_type", "application/octet-stream")
    response = StreamingHttpResponse(
        job_files.read_chunks(job.result_file), content_type=content_type
    )
    response["Content-Disposition"] = content_disposition_header(True, job.result_name)
    return response


def urls(wrap=None) -> list:
    wrap = wrap or admin.site.admin_view
    return [
        path("jobs/<int:pk>/", wrap(job_view), name="core-job"),
        path("jobs/<int:pk>/status/", wrap(status_view), name="core-job-status"),
        path("jobs/<int:pk>/result/", wrap(result_view), name="core-job-result"),
        path("jobs/<int:pk>/download/", wrap(download_view), name="core-job-download"),
    ]
