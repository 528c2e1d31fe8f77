"""GET /health/ and `manage.py health_check health --no-http` (docs/deploy.md#health-checks).

django-health-check 4.x runs a list of checks (dataclasses with a `run` that raises
ServiceUnavailable) and answers 200 when every one passes, 500 with the failing check named
otherwise, as HTML, text (`Accept: text/plain`) or JSON (`?format=json` or `Accept:
application/json`). Ours: its Database check, the broker django-q2 uses (Redis PING when
REDIS_URL is set, the ORM broker's table otherwise) and the queue's age, the one sign that a
worker is taking work whichever host it runs on.

/health/web/ leaves the queue out: a load balancer must not take the web tier out of rotation
because the workers are behind.

The checks that read through the ORM run in the request's own thread (sync_to_async is
thread-sensitive), so they use the request's connection and nothing stays open in a pool thread;
the library's Database check opens and closes a temporary connection of its own.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from datetime import datetime

import redis
import redis.asyncio
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Min
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule
from django_q.signing import BadSignature, SignedPackage
from health_check import Database, HealthCheck
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

REDIS_TIMEOUT_SECONDS = 2


def _closing_pool_connections(probe):
    """In the request's thread the request's connection is used and kept (CONN_MAX_AGE). Off
    it (`health_check --no-http` runs the checks in asyncio's executor thread) nothing would
    ever close the thread's connection: close it after the probe."""

    @functools.wraps(probe)
    def run(*args):
        try:
            return probe(*args)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()

    return run


def redis_settings() -> str | dict | None:
    """django-q2's Redis connection (a URL or keyword arguments), None with the ORM broker."""
    return settings.Q_CLUSTER.get("redis")


def redis_client() -> redis.Redis:
    conf = redis_settings()
    options = {"socket_timeout": REDIS_TIMEOUT_SECONDS, "socket_connect_timeout": 2}
    if isinstance(conf, str):
        return redis.Redis.from_url(conf, **options)
    return redis.Redis(**{**options, **conf})


def async_redis_client() -> redis.asyncio.Redis:
    conf = redis_settings()
    options = {"socket_timeout": REDIS_TIMEOUT_SECONDS, "socket_connect_timeout": 2}
    if isinstance(conf, str):
        return redis.asyncio.Redis.from_url(conf, **options)
    return redis.asyncio.Redis(**{**options, **conf})


@dataclasses.dataclass
class OrmBroker(HealthCheck):
    """django-q2's ORM broker: its queue table answers a read."""

    async def run(self) -> None:
        await sync_to_async(self._probe)()

    @_closing_pool_connections
    def _probe(self) -> None:
        try:
            OrmQ.objects.using(Conf.ORM or "default").exists()
        except DatabaseError as exc:
            raise ServiceUnavailable(f"queue table unreadable: {type(exc).__name__}") from exc


@dataclasses.dataclass
class QueueAge(HealthCheck):
    """Work is being taken: the oldest task waiting in the broker, and the most overdue schedule
    (schedules are turned into tasks by the clusters' schedulers, every 30 s while one runs), are
    both younger than `max_age_seconds`."""

    max_age_seconds: int = 300

    async def run(self) -> None:
        await sync_to_async(self._probe)()

    @_closing_pool_connections
    def _probe(self) -> None:
        now = timezone.now()
        try:
            oldest = self._oldest_waiting(now)
            overdue = (
                Schedule.objects.exclude(repeats=0)
                .filter(next_run__lt=now)
                .aggregate(first=Min("next_run"))["first"]
            )
        except (DatabaseError, redis.RedisError) as exc:
            raise ServiceUnavailable(f"queue unreadable: {type(exc).__name__}") from exc
        problems = []
        if oldest is not None and (now - oldest).total_seconds() > self.max_age_seconds:
            problems.append(f"oldest queued task waiting {(now - oldest).total_seconds():.0f} s")
        if overdue is not None and (now - overdue).total_seconds() > self.max_age_seconds:
            problems.append(f"a schedule overdue by {(now - overdue).total_seconds():.0f} s")
        if problems:
            raise ServiceUnavailable(
                f"{'; '.join(problems)} (limit {self.max_age_seconds} s): no worker is taking "
                f"work{self._clusters_note()}"
            )

    @staticmethod
    def _oldest_waiting(now: datetime) -> datetime | None:
        """When the oldest task ready to run was queued. ORM broker: a row's `lock` is its
        enqueue time until a cluster takes it (then now + `retry`: not waiting, unless that
        cluster died and the lock ran out). Redis: the head of the list, whose signed package
        carries `started`, the enqueue time."""
        if redis_settings() is None:
            return (
                OrmQ.objects.using(Conf.ORM or "default")
                .filter(lock__lte=now)
                .aggregate(first=Min("lock"))["first"]
            )
        head = redis_client().lindex(f"django_q:{Conf.CLUSTER_NAME}:q", 0)
        if head is None:
            return None
        try:
            return SignedPackage.loads(head).get("started")
        except BadSignature:
            return None

    @staticmethod
    def _clusters_note() -> str:
        """With Redis, clusters report a heartbeat there every 0.5 s (3 s time to live)."""
        if redis_settings() is None:
            return ""
        try:
            alive = len(redis_client().keys(f"{Conf.Q_STAT}:*"))
        except redis.RedisError:
            return ""
        return f"; {alive} clusters reporting a heartbeat"


class WebHealthView(HealthCheckView):
    """Database and broker: what a web process needs to serve and to enqueue."""

    def get_checks(self):
        yield Database()
        if redis_settings() is not None:
            yield Redis(client_factory=async_redis_client)
        else:
            yield OrmBroker()


class HealthView(WebHealthView):
    """The web checks and the queue's age: for monitoring and the workers' own check."""

    def get_checks(self):
        yield from super().get_checks()
        yield QueueAge(max_age_seconds=settings.Q_MAX_QUEUE_AGE)
