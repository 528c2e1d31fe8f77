"""LOG_FORMAT=json: one JSON object per line, masked like the text lines
(settlement_site/logging.py JsonFormatter, gunicorn.conf.py, docs/deploy.md#logs)."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from settlement_site.logging import JsonFormatter, MaskSecretsFilter

NUMBER = "1234567890123"
BIRTHDATE = "19900101"
HOLDER_PATH = f"/platform/bank-accounts/KOOKMIN/{NUMBER}/holder?birthdate={BIRTHDATE}&test=true"
ROOT = Path(settings.BASE_DIR)


def _format(record: logging.LogRecord) -> dict:
    assert MaskSecretsFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    return json.loads(line)


def test_a_record_is_one_masked_json_object_with_its_exception():
    try:
        raise ValueError(f"bad account {NUMBER}")
    except ValueError:
        record = logging.LogRecord(
            "payouts.runner", logging.ERROR, __file__, 1, "계좌 %s 실패", (NUMBER,), sys.exc_info()
        )
    record.partner_id = "p-1"  # as logger.error(..., extra={"partner_id": ...}) sets it
    record.token = "sk_live_AbCdEf012345"
    data = _format(record)
    assert list(data)[:4] == ["time", "level", "logger", "message"]
    assert data["level"] == "ERROR" and data["logger"] == "payouts.runner"
    assert data["message"] == "계좌 ***0123 실패"
    assert data["time"].endswith("+00:00")
    assert "ValueError: bad account ***0123" in data["exception"]
    assert data["partner_id"] == "p-1" and "AbCdEf012345" not in json.dumps(data)


def test_the_request_is_reduced_to_its_request_id(rf):
    request = rf.get(HOLDER_PATH, HTTP_X_REQUEST_ID="req-42")
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Unauthorized: %s", (request.path,), None
    )
    record.request, record.status_code = request, 401
    data = _format(record)
    assert data["request_id"] == "req-42" and data["status_code"] == 401
    assert "request" not in data and NUMBER not in json.dumps(data)
    assert "exception" not in data


def _run(code: str, log_format: str | None, tmp_path) -> str:
    env = {**os.environ, "VAR_DIR": str(tmp_path)}
    env["DJANGO_SETTINGS_MODULE"] = "settlement_site.settings"
    env.pop("DATABASE_URL", None)
    env.pop("LOG_FORMAT", None)
    if log_format:
        env["LOG_FORMAT"] = log_format
    script = f"import django, logging\ndjango.setup()\n{code}"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr  # StreamHandler writes to stderr


def test_django_logging_writes_json_lines_when_asked_and_text_by_default(tmp_path):
    code = (
        f"logging.getLogger('core.demo').warning('lookup %s', '{NUMBER}')\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n"
        "    logging.getLogger('django.request').exception('boom')"
    )
    lines = [line for line in _run(code, "json", tmp_path).splitlines() if line.strip()]
    objects = [json.loads(line) for line in lines]  # every line is one JSON object
    demo = next(o for o in objects if o["logger"] == "core.demo")
    assert demo["message"] == "lookup ***0123" and demo["level"] == "WARNING"
    boom = next(o for o in objects if o["logger"] == "django.request")
    assert "ZeroDivisionError" in boom["exception"]

    text = _run(code, None, tmp_path)
    assert "lookup ***0123" in text.splitlines()
    assert not any(line.startswith("{") for line in text.splitlines())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_access_and_error_logs_are_json_lines(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "settlement_site.settings",
        "LOG_FORMAT": "json",
    }
    env.pop("DATABASE_URL", None)  # the answer does not matter, only the log lines
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "settlement_site.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                url = f"http://127.0.0.1:{port}{HOLDER_PATH}"
                httpx.get(url, headers={"X-Request-ID": "req-7"}, timeout=30)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "no gunicorn"
                time.sleep(0.3)
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert NUMBER not in out + err and BIRTHDATE not in out + err, (out, err)
    access = [json.loads(line) for line in out.splitlines() if line.strip()]
    holder = next(o for o in access if o["logger"] == "gunicorn.access")
    assert holder["http"]["method"] == "GET" and holder["http"]["status"] == 401
    assert holder["http"]["path"] == "/platform/bank-accounts/KOOKMIN/***0123/holder"
    assert holder["request_id"] == "req-7"
    errors = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(o["logger"] == "gunicorn.error" and "Listening at" in o["message"] for o in errors)
    # Django's own lines (django.request's 401) are JSON too, on the same stream
    assert any(o["logger"] == "django.request" for o in errors), err
    assert not [line for line in err.splitlines() if line.strip() and not line.startswith("{")]


@pytest.mark.parametrize("value", ["JSON", "yaml"])
def test_an_unknown_log_format_fails_at_start_up(tmp_path, value):
    env = {**os.environ, "VAR_DIR": str(tmp_path), "LOG_FORMAT": value}
    env["DJANGO_SETTINGS_MODULE"] = "settlement_site.settings"
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "LOG_FORMAT must be text or json" in done.stderr
