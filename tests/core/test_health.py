"""GET /health/ and /health/web/, and the workers' `manage.py health_check health --no-http`
(core/health.py, docs/deploy.md#health-checks)."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError, connections
from django.test import Client, override_settings
from django.utils import timezone
from django_q.models import OrmQ, Schedule
from django_q.signing import SignedPackage

DATABASE = "Database(alias='default')"
ORM_BROKER = "OrmBroker()"
QUEUE = "QueueAge(max_age_seconds=300)"

pytestmark = pytest.mark.django_db


def _health(client, path="/health/?format=json", **headers):
    response = client.get(path, **headers)
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_healthy_answers_200_with_every_check_named_and_no_login(client):
    assert _health(client) == (200, {DATABASE: "OK", ORM_BROKER: "OK", QUEUE: "OK"})
    # Accept instead of ?format=json, as a monitoring agent sends it
    status, body = _health(client, "/health/", HTTP_ACCEPT="application/json")
    assert status == 200 and set(body) == {DATABASE, ORM_BROKER, QUEUE}


def test_the_web_check_leaves_the_queue_out(client):
    OrmQ.objects.create(key="settlement", payload="-", lock=timezone.now() - timedelta(hours=1))
    assert _health(client, "/health/web/?format=json") == (200, {DATABASE: "OK", ORM_BROKER: "OK"})


def test_the_html_page_carries_our_content_security_policy(client):
    response = client.get("/health/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"System status" in response.content
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_https_redirects_everything_but_the_health_check():
    with override_settings(SECURE_SSL_REDIRECT=True):
        client = Client()
        assert client.get("/health/?format=json").status_code == 200
        assert client.get("/admin/login/").status_code == 301


def test_database_down_fails_with_the_database_check_named(client):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.temporary_connection",
        side_effect=OperationalError("connection refused: is the server running?"),
    ):
        status, body = _health(client)
    assert status == 500
    assert body[DATABASE].startswith("Unavailable: connection refused")
    assert body[ORM_BROKER] == "OK" and body[QUEUE] == "OK"


def test_a_task_waiting_too_long_fails_the_queue_check(client):
    now = timezone.now()
    OrmQ.objects.create(key="settlement", payload="-", lock=now - timedelta(seconds=30))
    assert _health(client)[0] == 200
    # taken by a cluster: locked until now + retry, not waiting
    OrmQ.objects.create(key="settlement", payload="-", lock=now + timedelta(seconds=300))
    assert _health(client)[0] == 200
    OrmQ.objects.create(key="settlement", payload="-", lock=now - timedelta(seconds=420))
    status, body = _health(client)
    assert status == 500 and body[DATABASE] == "OK" and body[ORM_BROKER] == "OK"
    assert body[QUEUE].startswith("Unavailable: oldest queued task waiting 42")
    assert "(limit 300 s): no worker is taking work" in body[QUEUE]


def test_an_overdue_schedule_fails_the_queue_check(client):
    """No cluster running means no scheduler either: the schedules fall behind."""
    Schedule.objects.create(
        name="every-minute",
        func="core.tasks.purge_idempotency_keys",
        schedule_type=Schedule.MINUTES,
        minutes=1,
        repeats=-1,
        next_run=timezone.now() - timedelta(seconds=100),
    )
    assert _health(client)[0] == 200
    Schedule.objects.update(next_run=timezone.now() - timedelta(minutes=10))
    status, body = _health(client)
    assert status == 500 and "a schedule overdue by 60" in body[QUEUE]
    # a schedule that has run out (repeats=0) is never due again
    Schedule.objects.update(repeats=0)
    assert _health(client)[0] == 200


@override_settings(Q_MAX_QUEUE_AGE=30)
def test_the_age_limit_is_a_setting(client):
    OrmQ.objects.create(key="settlement", payload="-", lock=timezone.now() - timedelta(seconds=45))
    status, body = _health(client)
    assert status == 500 and "(limit 30 s)" in body["QueueAge(max_age_seconds=30)"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_q_cluster(settings, port: int) -> dict:
    q_cluster = {k: v for k, v in settings.Q_CLUSTER.items() if k != "orm"}
    return {**q_cluster, "redis": f"redis://127.0.0.1:{port}/0"}


def test_redis_down_fails_the_broker_and_queue_checks(client, settings):
    port = _closed_port()
    settings.Q_CLUSTER = _redis_q_cluster(settings, port)
    status, body = _health(client)
    redis_check = f"Redis(db=0, host='127.0.0.1', port={port})"
    assert status == 500 and set(body) == {DATABASE, redis_check, QUEUE}
    assert body[redis_check] == "Unavailable: Unable to connect to Redis: Connection Error"
    assert body[QUEUE] == "Unavailable: queue unreadable: ConnectionError"
    assert body[DATABASE] == "OK"
    # the web check names the same failure
    status, body = _health(client, "/health/web/?format=json")
    assert status == 500 and body[redis_check].startswith("Unavailable")


def test_with_redis_the_queue_age_is_the_head_of_the_list(client, settings, redis_port):
    import redis

    settings.Q_CLUSTER = _redis_q_cluster(settings, redis_port)
    redis_check = f"Redis(db=0, host='127.0.0.1', port={redis_port})"
    assert _health(client) == (200, {DATABASE: "OK", redis_check: "OK", QUEUE: "OK"})
    stale = {"id": "t1", "func": "math.floor", "started": timezone.now() - timedelta(minutes=7)}
    redis.Redis(port=redis_port).rpush("django_q:settlement:q", SignedPackage.dumps(stale))
    status, body = _health(client)
    assert status == 500 and body[redis_check] == "OK"
    assert body[QUEUE].startswith("Unavailable: oldest queued task waiting 42")
    assert body[QUEUE].endswith("; 0 clusters reporting a heartbeat")


@pytest.mark.django_db(transaction=True)
def test_the_workers_check_is_the_management_command():
    """What settlement-health.service runs: in-process, exit 0 or 1."""
    assert _health_command() == 0
    OrmQ.objects.create(key="settlement", payload="-", lock=timezone.now() - timedelta(hours=1))
    assert _health_command() == 1


def _health_command() -> int:
    """`manage.py health_check health --no-http`'s exit status. In a thread of its own, as in
    the command's own process: the command calls asyncio.run(), which refuses to run where an
    event loop is running (the browser tests' Playwright leaves one in this worker's thread)."""
    codes = []

    def run():
        try:
            call_command("health_check", "health", "--no-http")
        except SystemExit as exit_:
            codes.append(exit_.code)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert codes, "the command did not exit"
    return codes[0]
