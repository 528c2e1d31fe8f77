"""django-q2 targets for core: one line each where the work lives in core.services; the admin's
background jobs (core.models.Job) run here through the runner their kind registered
(core.files.jobs.RUNNERS)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.files import jobs as job_files
from core.models import Job
from core.services import idempotency_keys_purge

logger = logging.getLogger(__name__)

#: a job's files are deleted a day after it was asked for; the row is kept a month
JOB_FILES_TTL = timedelta(days=1)
JOB_ROWS_TTL = timedelta(days=30)
#: a job still queued or running after this is taken as lost (its worker died)
JOB_LOST_AFTER = timedelta(hours=2)


def purge_idempotency_keys() -> int:
    return idempotency_keys_purge()


def _ensure_runner(kind: str) -> None:
    """Runners register when their admin module is imported; a bare worker may not have loaded
    the URLconf that imports them yet."""
    if kind not in job_files.RUNNERS:
        from importlib import import_module

        import_module(settings.ROOT_URLCONF)


def run_job(job_pk: int) -> str:
    """Run one job. Claimed with a conditional UPDATE, so a job handed out twice (the broker's
    retry) runs once."""
    if not Job.objects.filter(pk=job_pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    ):
        return "skipped"
    job = Job.objects.get(pk=job_pk)
    _ensure_runner(job.kind)
    progress = job_files.Progress(job)
    try:
        run = job_files.RUNNERS[job.kind]
        run(job, progress)
    except Exception:
        logger.exception("background job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            message="처리 중 오류가 발생했습니다. 다시 시도하고, 계속되면 관리자에게 알려 주세요.",
            finished_at=timezone.now(),
        )
        return "failed"
    finally:
        job_files.clear_progress(job.pk)
    job.refresh_from_db()
    if not job.finished:  # a runner that did not say otherwise succeeded
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED, done=job.total, finished_at=timezone.now()
        )
    return "done"


def purge_jobs() -> int:
    """Jobs asked for more than JOB_ROWS_TTL ago are deleted; the files of those older than
    JOB_FILES_TTL too (a download link then says it has expired); lost jobs are failed."""
    now = timezone.now()
    Job.objects.filter(
        status__in=[Job.Status.QUEUED, Job.Status.RUNNING], created_at__lt=now - JOB_LOST_AFTER
    ).update(
        status=Job.Status.FAILED,
        message="작업이 제시간에 끝나지 않았습니다. 다시 시도해 주세요.",
        finished_at=now,
    )
    expired = Job.objects.filter(created_at__lt=now - JOB_FILES_TTL).exclude(
        input_file="", result_file=""
    )
    for input_file, result_file in expired.values_list("input_file", "result_file"):
        job_files.delete(input_file, result_file)
    expired.update(input_file="", result_file="")
    deleted, _ = Job.objects.filter(created_at__lt=now - JOB_ROWS_TTL).delete()
    live = Job.objects.exclude(status__in=Job.FINISHED)
    keep = {n for pair in live.values_list("input_file", "result_file") for n in pair if n}
    job_files.purge_files(int(JOB_FILES_TTL.total_seconds()), keep)
    return deleted
