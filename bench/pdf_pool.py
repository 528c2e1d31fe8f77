"""What the PDF benches share: rendering in two processes recycled like django-q2's workers
(`run_pool`), each task's CPU time and peak memory (`task_result`), and the reference — the same
number of trivial one-paragraph PDFs (`render_trivial`)."""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from functools import partial

from django.db import connections


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def task_result(size: int, cpu_started: float) -> tuple[int, int, int, float]:
    """(pid, PDF bytes, peak RSS in KiB, CPU s) of a task that began at `cpu_started`."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return os.getpid(), size, peak, cpu_seconds() - cpu_started


def _render_trivial(html: str, count: int) -> tuple[int, int, int, float]:
    from weasyprint import HTML

    cpu = cpu_seconds()
    size = 0
    for _ in range(count):
        size += len(HTML(string=html).write_pdf())
    return task_result(size, cpu)


def render_trivial(html: str):
    """A pool task rendering `count` PDFs of `html` (the reference of a bench)."""
    return partial(_render_trivial, html)


def _worker_start() -> None:
    connections.close_all()  # each process its own connection (the forked one is the parent's)


def run_pool(fn, tasks: list, tasks_per_worker: int) -> tuple[float, int, dict[int, int], float]:
    """Two processes, each replaced after `tasks_per_worker` tasks, like django-q2's recycle."""
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    started = time.perf_counter()
    peaks: dict[int, int] = {}
    size, cpu = 0, 0.0
    with ctx.Pool(2, initializer=_worker_start, maxtasksperchild=tasks_per_worker or None) as pool:
        for pid, n_bytes, rss, task_cpu in pool.imap_unordered(fn, tasks):
            peaks[pid] = max(peaks.get(pid, 0), rss)
            size += n_bytes
            cpu += task_cpu
    return time.perf_counter() - started, size, peaks, cpu
