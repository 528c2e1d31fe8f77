"""`manage.py worker`: django-q2's `qcluster` that stops within seconds on SIGTERM.

django-q2 1.11's own stop (`Sentinel.stop`) lets the workers run every task the pusher has already
taken from the broker before they read their STOP pill: up to `queue_limit` (50) tasks, each
allowed the 300 s `timeout`. The pusher may also sit blocked putting into that full queue. So
`qcluster` stays in "stopping" as long as that backlog takes (40 two-second tasks on 2 workers:
38 s; long tasks: past systemd's 90 s), and whatever stopped it fell back to SIGKILL. This command
runs the same cluster with another stop (docs/deploy.md#stopping-a-worker):

1. the pusher stops taking tasks; the tasks it had queued but no worker started are given back to
   the broker at once (ORM broker: their lock is lifted, so any cluster takes them on its next
   poll instead of after `retry` seconds; Redis broker: pushed back to the head of the list,
   where BLPOP had removed them for good);
2. a task that is running finishes if it can within `Q_STOP_GRACE_SECONDS` (10), and its result is
   saved and acknowledged as usual;
3. past the grace the worker is told to give up (SIGUSR1 raises `WorkerStopped` inside the task,
   so its transaction rolls back and its `finally` blocks run; SIGKILL 2 s later if it is stuck)
   and the task it was running goes back to the broker as in 1, to run again from the start:
   tasks are written to be re-run (conditional-UPDATE claims, docs/payouts.md#exactly-once).

A SIGTERM sent to the whole process group (Heroku, `KillMode=control-group`) starts the same
stop instead of killing the sentinel and the workers where they stand; SIGINT (Ctrl-C) stops it
through the main process only (the others ignore it), as with `qcluster`. Nothing here patches
django-q2: its Cluster and Sentinel are subclassed and its worker signals (post_spawn,
pre_execute, post_execute_in_worker) record which task each worker runs.
"""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import uuid
from multiprocessing import Event
from time import monotonic, sleep

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.cluster import Cluster, Sentinel, get_mp_context
from django_q.conf import Conf, logger
from django_q.models import OrmQ
from django_q.signals import post_execute_in_worker, post_spawn, pre_execute
from django_q.signing import SignedPackage
from django_q.status import Stat

#: how long a stuck worker gets between SIGUSR1 and SIGKILL
ESCALATION_SECONDS = 2.0
#: how long the pusher (one broker poll: 0.5 s ORM, 1 s Redis) and the monitor (saving the last
#: results) get to exit before they are killed
AUX_SECONDS = 5.0
#: a worker abandoned past the grace exits with this code
STOPPED_EXIT_CODE = 3
#: room for one task's signed package in a worker's in-flight slot (larger: ack id only)
SLOT_BYTES = 64 * 1024

# Set in the sentinel just before it forks each worker, so the worker finds its own slot.
_slot = None
_stop_event = None


class WorkerStopped(SystemExit):
    """Raised inside a task the cluster gave up waiting for. A SystemExit: a task's `except
    Exception` cannot swallow it and carry on, and the worker process ends with its code, quietly
    (the sentinel logs what it stopped)."""


def _requeue_pack(task: dict) -> bytes:
    """The task as the broker held it, without what the pusher added on the way."""
    task = {k: v for k, v in task.items() if k not in ("ack_id", "cluster")}
    return SignedPackage.dumps(task).encode()


def _record_task(sender, func, task, **kwargs) -> None:
    """pre_execute, in a worker: note the task it starts, for the sentinel to give back."""
    if _slot is None:
        return
    ack_id = task.get("ack_id")
    pack = _requeue_pack(task) if ack_id is None else b""
    head = f"{ack_id if ack_id is not None else ''}\n".encode()
    record = head + pack if len(head) + len(pack) <= SLOT_BYTES else head
    _slot.raw = record.ljust(SLOT_BYTES, b"\0")


def _clear_task(sender, func, task, **kwargs) -> None:
    """post_execute_in_worker: the task ended (its result goes to the monitor)."""
    if _slot is not None:
        _slot.raw = b"\0" * SLOT_BYTES


def _give_up(signum, frame) -> None:
    raise WorkerStopped(STOPPED_EXIT_CODE)


def _on_sigterm(signum, frame) -> None:
    """In a worker. Sent to the whole group, SIGTERM reaches the main process too, which sets
    the stop event: then the running task goes on within the grace. Sent to this worker alone
    (django-q2 replacing a worker stuck past its timeout), it kills as by default."""
    if _stop_event is not None and _stop_event.wait(1.0):
        return
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _arm_worker(sender, proc_name, **kwargs) -> None:
    """post_spawn, in a worker: SIGTERM as above; SIGUSR1, sent by the sentinel past the grace,
    abandons the running task."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGUSR1, _give_up)


class GracefulSentinel(Sentinel):
    def __init__(self, stop_event, start_event, cluster_id, broker=None, timeout=None, start=True):
        global _stop_event
        super().__init__(stop_event, start_event, cluster_id, broker, timeout, start=False)
        _stop_event = stop_event
        # A SIGTERM to the whole group reaches the main process, whose handler sets the stop
        # event: the sentinel, and the pusher and monitor it forks, must not die of it meanwhile.
        # (Setting the event from a handler here could deadlock: the guard loop waits on it.)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        post_spawn.connect(_arm_worker, dispatch_uid="graceful-worker-arm")
        pre_execute.connect(_record_task, dispatch_uid="graceful-worker-record")
        post_execute_in_worker.connect(_clear_task, dispatch_uid="graceful-worker-clear")
        if start:
            self.start()

    def spawn_worker(self):
        global _slot
        _slot = get_mp_context().RawArray(ctypes.c_char, SLOT_BYTES)
        super().spawn_worker()
        self.pool[-1].inflight = _slot

    def stop(self):
        Stat(self).save()
        name = self.name
        grace = settings.Q_STOP_GRACE_SECONDS
        logger.info("%s stopping cluster processes (grace %s s)", name, grace)
        self.event_out.set()
        waiting = []
        # The pusher may be blocked putting into a full task queue: empty it while it stops.
        until = monotonic() + AUX_SECONDS
        while self.pusher.is_alive() and monotonic() < until:
            waiting += self._drain(wait=0.1)
        if self.pusher.is_alive():
            self.pusher.kill()  # hung on the broker: what it holds stays locked (ORM) or is lost
        self.pusher.join(ESCALATION_SECONDS)
        deadline = monotonic() + grace
        waiting += self._drain(wait=0.2)
        self._give_back([(t.get("ack_id"), t) for t in waiting])
        if waiting:
            logger.info("%s gave %s queued tasks back to the broker", name, len(waiting))
        for _ in self.pool:
            self.task_queue.put("STOP")
        self.task_queue.close()
        self.task_queue.join_thread()
        self._wait_for_workers(deadline)
        self.result_queue.put("STOP")
        self.result_queue.close()
        self.result_queue.join_thread()
        self.monitor.join(AUX_SECONDS)
        if self.monitor.is_alive():  # results it had not saved are re-run (ORM: not acked)
            self.monitor.kill()
        Stat(self).save()

    def _drain(self, wait: float) -> list[dict]:
        tasks = []
        while True:
            try:
                item = self.task_queue.get(timeout=wait)
            except queue.Empty:
                return tasks
            if item != "STOP":
                tasks.append(item)

    def _wait_for_workers(self, deadline: float) -> None:
        while self.pool and monotonic() < deadline:
            self.pool = [p for p in self.pool if p.is_alive()]
            sleep(0.1)
        stuck = [p for p in self.pool if p.is_alive()]
        for p in stuck:
            os.kill(p.pid, signal.SIGUSR1)
        until = monotonic() + ESCALATION_SECONDS
        while any(p.is_alive() for p in stuck) and monotonic() < until:
            sleep(0.1)
        for p in stuck:
            if p.is_alive():
                p.kill()
            p.join(ESCALATION_SECONDS)
        running = [_read_slot(p.inflight) for p in stuck]
        running = [r for r in running if r is not None]
        self._give_back(running)
        if stuck:
            logger.warning(
                "%s stopped %s workers after the grace; %s running tasks given back",
                self.name,
                len(stuck),
                len(running),
            )
        self.pool = []

    def _give_back(self, tasks: list[tuple[object, dict | bytes]]) -> None:
        """Tasks this cluster took but did not finish, back to the broker for any cluster."""
        if not tasks:
            return
        try:
            self._push_back(tasks)
        except Exception:  # broker down: ORM rows stay locked until `retry`, then run again
            logger.exception("%s could not give %s tasks back to the broker", self.name, len(tasks))

    def _push_back(self, tasks: list[tuple[object, dict | bytes]]) -> None:
        if isinstance(self.broker, ORM):
            ids = [ack_id for ack_id, _ in tasks if ack_id is not None]
            OrmQ.objects.using(Conf.ORM).filter(pk__in=ids).update(lock=timezone.now())
        elif hasattr(getattr(self.broker, "connection", None), "lpush"):
            packs = [t if isinstance(t, bytes) else _requeue_pack(t) for _, t in tasks]
            # to the head of the list, oldest first again: BLPOP takes from the head
            self.broker.connection.lpush(self.broker.list_key, *reversed([p for p in packs if p]))
        else:  # other brokers redeliver unacknowledged tasks themselves
            logger.warning("%s: %s tasks left to the broker's own redelivery", self.name, tasks)


def _read_slot(slot) -> tuple[object, bytes] | None:
    """(ack id or None, signed package or b"") of the task a stopped worker was running."""
    raw = slot.raw.rstrip(b"\0")
    if not raw:
        return None
    head, _, pack = raw.partition(b"\n")
    return (int(head) if head else None), pack


class GracefulCluster(Cluster):
    """django-q2's Cluster.start with the sentinel above (the library names its class inline)."""

    def start(self) -> int:
        self.stop_event = Event()
        self.start_event = Event()
        self.sentinel = get_mp_context().Process(
            target=GracefulSentinel,
            name=f"Process-{uuid.uuid4().hex}",
            args=(self.stop_event, self.start_event, self.cluster_id, self.broker, self.timeout),
        )
        self.sentinel.start()
        logger.info("Q Cluster %s starting.", self.name)
        while self.start_event and not self.start_event.is_set():
            if not self.sentinel.is_alive():
                if self.sentinel.exitcode == 0:
                    break  # stopped by a signal while starting
                raise RuntimeError(
                    f"Q Cluster {self.name} failed to start: sentinel exited with code "
                    f"{self.sentinel.exitcode}"
                )
            sleep(0.1)
        return self.pid


class Command(BaseCommand):
    help = "django-q2 cluster (like qcluster) that stops within seconds on SIGTERM."

    def add_arguments(self, parser):
        parser.add_argument("--run-once", action="store_true", help="Start, then stop at once.")

    def handle(self, *args, **options):
        # As qcluster: the main process returns and waits for the sentinel at interpreter exit,
        # its SIGTERM/SIGINT handler (Cluster.sig_handler) setting the stop event.
        cluster = GracefulCluster()
        cluster.start()
        if options["run_once"]:
            cluster.stop()
