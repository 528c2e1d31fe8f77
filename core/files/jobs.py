"""The files and the progress of background jobs (core.models.Job).

Files live under VAR_DIR/jobs (shared storage when several servers run, as for upload stages),
encrypted with core.crypto: an uploaded partner sheet or a workbook written with the
personal-data permission holds account numbers. They are written in Fernet tokens of 1 MiB of
plain text, one per line, so a workbook of any size is encrypted and decrypted in flat memory.

Progress is a small JSON file beside them, not the job's row: an upload's commit runs inside one
database transaction, and a progress UPDATE made inside it would be invisible to the page that
polls (and rolled back with the work). The row holds the outcome once the job ends.

Runners: an interface module (core.admin.uploads, core.admin.exports) registers, per job kind,
the function that does the work; core.tasks.run_job looks it up here, so the tasks layer never
imports the admin.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from core.crypto import decrypt_bytes, encrypt_bytes
from core.models import Job

DIRECTORY = "jobs"
CHUNK_BYTES = 1 << 20
#: at most one progress write per this many seconds (the page polls about once a second)
PROGRESS_EVERY_SECONDS = 0.5

Runner = Callable[[Job, "Progress"], None]
RUNNERS: dict[str, Runner] = {}


def runner(kind: str) -> Callable[[Runner], Runner]:
    """Register the function that runs jobs of `kind` (in the worker)."""

    def register(func: Runner) -> Runner:
        RUNNERS[kind] = func
        return func

    return register


def directory() -> Path:
    path = Path(settings.VAR_DIR) / DIRECTORY
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _path(name: str) -> Path:
    if not name or "/" in name or name.startswith("."):
        raise ValueError("bad job file name")
    return directory() / name


def new_name(job: Job, suffix: str) -> str:
    return f"{job.pk}-{suffix}-{secrets.token_urlsafe(12)}.bin"


def write_chunks(name: str, chunks: Iterable[bytes]) -> None:
    """Encrypt `chunks` into the file `name` (written aside, then renamed into place)."""
    target = _path(name)
    partial = target.with_suffix(".part")
    with partial.open("wb") as out:

        def put(plain: bytes) -> None:
            out.write(encrypt_bytes(plain) + b"\n")

        buffer = bytearray()
        for chunk in chunks:
            view, start = memoryview(chunk), 0
            if buffer:
                start = min(CHUNK_BYTES - len(buffer), len(view))
                buffer += view[:start]
                if len(buffer) == CHUNK_BYTES:
                    put(bytes(buffer))
                    buffer.clear()
            while len(view) - start >= CHUNK_BYTES:
                put(bytes(view[start : start + CHUNK_BYTES]))
                start += CHUNK_BYTES
            buffer += view[start:]
        if buffer or out.tell() == 0:
            put(bytes(buffer))
    os.replace(partial, target)


def write_bytes(name: str, data: bytes) -> None:
    write_chunks(name, [data])


def write_file(name: str, source: IO[bytes]) -> None:
    write_chunks(name, iter(lambda: source.read(CHUNK_BYTES), b""))


def read_chunks(name: str) -> Iterator[bytes]:
    with _path(name).open("rb") as stored:
        for line in stored:
            if line.strip():
                yield decrypt_bytes(line.strip())


def read_bytes(name: str) -> bytes:
    return b"".join(read_chunks(name))


def exists(name: str) -> bool:
    return bool(name) and _path(name).exists()


def delete(*names: str) -> None:
    for name in names:
        if name:
            _path(name).unlink(missing_ok=True)


# --- progress ---------------------------------------------------------------------------------


def _progress_path(job_pk: int) -> Path:
    return directory() / f"{int(job_pk)}.progress.json"


def read_progress(job_pk: int) -> dict[str, Any] | None:
    try:
        return json.loads(_progress_path(job_pk).read_text())
    except (FileNotFoundError, ValueError):
        return None


def clear_progress(job_pk: int) -> None:
    _progress_path(job_pk).unlink(missing_ok=True)


class Progress:
    """What a running job reports: rows done of the total, and what it is doing."""

    def __init__(self, job: Job) -> None:
        self.job_pk = job.pk
        self.total = job.total
        self.done = 0
        self.message = ""
        self._written = 0.0

    def _write(self) -> None:
        path = _progress_path(self.job_pk)
        partial = path.with_suffix(".part")
        payload = {"done": self.done, "total": self.total, "message": self.message}
        partial.write_text(json.dumps(payload, ensure_ascii=False))
        os.replace(partial, path)
        self._written = time.monotonic()

    def phase(self, message: str, *, total: int | None = None) -> None:
        """A new step ("검증하는 중"): its row count starts again from 0."""
        self.message = message
        if total is not None:
            self.total = total
        self.done = 0
        self._write()

    def advance(self, done: int) -> None:
        """`done` rows of the step are through (never goes back)."""
        if done <= self.done:
            return
        self.done = min(done, self.total) if self.total else done
        if time.monotonic() - self._written >= PROGRESS_EVERY_SECONDS:
            self._write()

    def counted(self, rows: Iterable[Any], every: int = 200) -> Iterator[Any]:
        """`rows`, reporting each `every` rows through."""
        count = 0
        for row in rows:
            yield row
            count += 1
            if count % every == 0:
                self.advance(count)
        self.advance(count)


def purge_files(older_than_seconds: int, keep: set[str]) -> int:
    """Delete job files older than the limit, except those in `keep`; how many were deleted."""
    cutoff = time.time() - older_than_seconds
    deleted = 0
    for stale in directory().iterdir():
        if stale.name in keep:
            continue
        try:
            if stale.stat().st_mtime < cutoff:
                stale.unlink()
                deleted += 1
        except FileNotFoundError:
            pass
    return deleted


def start(job: Job) -> None:
    """Hand the job to django-q2 once the row is committed (the worker must find it)."""
    from django.db import transaction
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task("core.tasks.run_job", job.pk, task_name=f"job-{job.pk}-{job.kind}")
    )
