"""`manage.py worker` stops within seconds on SIGTERM and loses no task
(core/management/commands/worker.py, docs/deploy.md#stopping-a-worker).

A real cluster in a subprocess, on the test database: one task that cannot finish within the
grace, short ones that can, more waiting in the queue. After SIGTERM the process exits 0 well
before django-q2's own stop would (it runs every queued task first), every task that started
and could finish has its result, and every other one is back in the queue, free to run at once
(not locked for `retry` seconds).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ, Task
from django_q.signing import SignedPackage
from django_q.tasks import async_task

ROOT = Path(settings.BASE_DIR)
GRACE_SECONDS = 3
TASK = "tests.core.test_worker_shutdown.mark_and_sleep"
STOP_DEADLINE_SECONDS = 15  # a functional bound: django-q2's own stop took 38 s here
START_DEADLINE_SECONDS = 120  # a loaded 2-core machine takes ~10 s to boot the cluster


def mark_and_sleep(marker_dir: str, name: str, seconds: float) -> str:
    """The task: says it started (a file), then works for `seconds`."""
    Path(marker_dir, name).touch()
    time.sleep(seconds)
    return name


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(tmp_path: Path, redis_url: str | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",
        # the same signing key as this process, which signed the queued tasks
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        "Q_STOP_GRACE_SECONDS": str(GRACE_SECONDS),
        "Q_WORKERS": "2",
        "VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, so killpg reaches it and not pytest
    )


def _wait_for(condition, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{what}: {process.communicate()[0]}")
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("target", ["main process", "process group"])
def test_sigterm_stops_the_cluster_promptly_and_loses_no_task(tmp_path, target):
    markers = tmp_path / "started"
    markers.mkdir()
    long_id = async_task(TASK, str(markers), "long", 600, task_name="long")
    short_ids = {
        async_task(TASK, str(markers), f"short-{i}", 0.5, task_name=f"short-{i}"): (f"short-{i}")
        for i in range(12)
    }
    assert OrmQ.objects.count() == 13

    worker = _start_worker(tmp_path)
    # Up, with the long task running on one worker and the other taking short ones.
    _wait_for(
        lambda: (markers / "long").exists() and len(list(markers.iterdir())) >= 2,
        worker,
        "the cluster did not start its tasks",
    )
    if target == "main process":
        worker.send_signal(signal.SIGTERM)
    else:
        os.killpg(worker.pid, signal.SIGTERM)  # Heroku, systemd KillMode=control-group
    try:
        output, _ = worker.communicate(timeout=STOP_DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        pytest.fail(f"still stopping after {STOP_DEADLINE_SECONDS} s: {worker.communicate()[0]}")
    assert worker.returncode == 0, output
    assert "has stopped" in output, output
    assert "stopped 1 workers after the grace; 1 running tasks given back" in output, output
    assert "Traceback" not in output, output

    started = {path.name for path in markers.iterdir()}
    finished = set(Task.objects.filter(success=True).values_list("id", flat=True))
    now = timezone.now()
    queued = {row.task_id(): row.lock for row in OrmQ.objects.all()}
    # The long task was abandoned after the grace and is back in the queue, free to run now.
    assert long_id not in finished
    assert long_id in queued and queued[long_id] <= now, output
    # Every short task that started had time to finish; every other one is back in the queue.
    for task_id, name in short_ids.items():
        if name in started:
            assert task_id in finished, (name, output)
        else:
            assert task_id in queued and queued[task_id] <= now, (name, output)
    assert set(queued) | finished == {long_id, *short_ids}
    assert not set(queued) & finished
    assert not Task.objects.filter(success=False).exists()


@pytest.mark.django_db(transaction=True)
def test_with_redis_the_tasks_taken_from_the_list_go_back_to_it(tmp_path, redis_url, monkeypatch):
    """Redis has no acknowledgement: a task BLPOPed by a stopping cluster would be gone."""
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", redis_url)
    broker = get_broker()
    markers = tmp_path / "started"
    markers.mkdir()
    long_id = async_task(TASK, str(markers), "long", 600, task_name="long", broker=broker)
    short_ids = {
        async_task(TASK, str(markers), f"s-{i}", 0.5, task_name=f"s-{i}", broker=broker): f"s-{i}"
        for i in range(12)
    }
    worker = _start_worker(tmp_path, redis_url)
    _wait_for(
        lambda: (markers / "long").exists() and len(list(markers.iterdir())) >= 2,
        worker,
        "the cluster did not start its tasks",
    )
    worker.send_signal(signal.SIGTERM)
    try:
        output, _ = worker.communicate(timeout=STOP_DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        pytest.fail(f"still stopping after {STOP_DEADLINE_SECONDS} s: {worker.communicate()[0]}")
    assert worker.returncode == 0, output

    started = {path.name for path in markers.iterdir()}
    finished = set(Task.objects.filter(success=True).values_list("id", flat=True))
    listed = broker.connection.lrange(broker.list_key, 0, -1)
    queued = [SignedPackage.loads(pack)["id"] for pack in listed]
    assert queued[0] == long_id, output  # back at the head, first to run again
    assert len(queued) == len(set(queued))  # each once
    for task_id, name in short_ids.items():
        assert (task_id in finished) == (name in started), (name, output)
    assert set(queued) | finished == {long_id, *short_ids}
    assert not set(queued) & finished
