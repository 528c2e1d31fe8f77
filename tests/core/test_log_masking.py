"""No account number, birth date or secret in a log line (settlement_site/logging.py, README
"Security").

The account-holder lookup (GET /platform/bank-accounts/{bank}/{number}/holder?birthdate=…) puts
both in its URL, so the access logs (runserver's django.server, gunicorn's gunicorn.access) and
django.request's "Unauthorized: /…" lines are where they would leak.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

from settlement_site.logging import MaskSecretsFilter, mask

NUMBER = "1234567890123"
BIRTHDATE = "19900101"
HOLDER_PATH = f"/platform/bank-accounts/KOOKMIN/{NUMBER}/holder?birthdate={BIRTHDATE}&test=true"
ROOT = Path(settings.BASE_DIR)


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def records():
    """Every line django.server and django.request write, as their handlers would see it."""
    handler = _Records()
    loggers = [logging.getLogger("django.server"), logging.getLogger("django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.lines
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        (f"GET /platform/bank-accounts/KOOKMIN/{NUMBER}/holder", NUMBER, "***0123"),
        ("GET /platform/bank-accounts/KOOKMIN/12345678/holder?x", "12345678", "***5678/holder"),
        ("account 110-123-456789 on 2026-12-02", "110-123-456789", "2026-12-02"),
        ("주민 900101-1234567", "900101-1234567", "주민"),
        (f"?birthdate={BIRTHDATE}&test=true", BIRTHDATE, "&test=true"),
        ('{"birthDate": "900101"}', "900101", "birthDate"),
        ("Authorization: PortOne sk_test_0123456789abcdef", "0123456789abcdef", "Authorization"),
        ("'HTTP_AUTHORIZATION': 'Bearer eyJhbGciOi.J9abc'", "eyJhbGciOi", "HTTP_AUTHORIZATION"),
        ("secret sk_live_AbCdEf012345 created", "AbCdEf012345", "created"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw+x/=", "MfKQ9r8GKYqr", "whsec_"),
        ("password=hunter2&next=/admin/", "hunter2", "next=/admin/"),
    ],
)
def test_mask_hides_numbers_birthdates_and_secrets(text, hidden, kept):
    masked = mask(text)
    assert hidden not in masked and kept in masked, masked


@pytest.mark.parametrize(
    "text",
    [
        '"GET /admin/payouts/bulkpayout/?page=2 HTTP/1.1" 200 34567',
        "payout 01H7MCX58SGYCNVN1CWY3HXM6D on 2026-12-02 12:34:56, 1,234,567원",
    ],
)
def test_mask_leaves_ordinary_lines_alone(text):
    assert mask(text) == text


def test_the_filter_masks_arguments_and_tracebacks():
    try:
        raise ValueError(f"bad account {NUMBER}")
    except ValueError:
        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Lookup %s failed",
            (NUMBER,),
            sys.exc_info(),
        )
    assert MaskSecretsFilter().filter(record) is True
    text = logging.Formatter().format(record)
    assert NUMBER not in text and "***0123" in text and "ValueError" in text


def test_django_request_lines_for_the_holder_path_are_masked(client, db, records):
    response = client.get(HOLDER_PATH)  # no API secret: 401, logged by django.request
    assert response.status_code == 401
    assert records and any("/holder" in line for line in records), records
    assert not any(NUMBER in line or BIRTHDATE in line for line in records), records


def _plain_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def test_runserver_access_log_masks_the_account_number(records):
    """runserver's own request handler (the `make run` access log), on a real socket."""
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(_plain_app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        assert httpx.get(f"http://127.0.0.1:{port}{HOLDER_PATH}").status_code == 200
    finally:
        server.shutdown()
        server.server_close()
    access = [line for line in records if "/holder" in line]
    assert access, records
    assert NUMBER not in access[0] and BIRTHDATE not in access[0] and "***0123" in access[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_access_log_masks_the_account_number(tmp_path):
    """gunicorn started from the repository root reads gunicorn.conf.py: its access log and error
    log go through the same filter."""
    pytest.importorskip("gunicorn")
    port = _free_port()
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "settlement_site.settings",
    }
    env.pop("DATABASE_URL", None)  # the request's answer does not matter, only its log line
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "settlement_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}{HOLDER_PATH}", timeout=30)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, (
                    "gunicorn did not start"
                )
                time.sleep(0.3)
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    access = [line for line in out.splitlines() if "/holder" in line]
    assert access, (out, err)
    assert NUMBER not in out + err and BIRTHDATE not in out + err, (out, err)
    assert "***0123" in access[0]
