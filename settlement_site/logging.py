"""No personal data or secret in a log line (README "Security").

`MaskSecretsFilter` rewrites each record's final text before any handler writes it: runserver's
and gunicorn's access logs (the account-holder lookup, GET /platform/bank-accounts/{bank}/{number}/
holder?birthdate=…, carries both in the URL), django.request's "Not Found: /…" lines, and the
text of an attached traceback. Settings wire it on every handler (LOGGING); gunicorn through
gunicorn.conf.py at the repository root.

What is masked:
- account-number-like digit runs: 10 or more digits, hyphens allowed between them
  (1234567890123, 110-123-456789, 주민등록번호-like 900101-1234567) -> the last 4 kept: ***6789
- birth dates given by name (birthdate=19900101, "birthDate": "900101") -> birthdate=***
- the Authorization header's value and PortOne/Bearer/Basic credentials -> PortOne ***
- secret-like tokens: sk_live_…, sk_test_…, whsec_…, and password=/secret=/token= values

`JsonFormatter` is LOG_FORMAT=json (docs/deploy.md#logs): one JSON object per line for a log
collector, masked the same way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from pythonjsonlogger.json import JsonFormatter as LibraryJsonFormatter

MASK = "***"

_TOKEN = re.compile(r"\b(sk|pk|rk|whsec)_[A-Za-z0-9_+/=-]{4,}")
_CREDENTIAL = re.compile(r"\b(PortOne|Bearer|Basic|Token)(\s+|%20|\+)[A-Za-z0-9._~+/=%-]{4,}", re.I)
_AUTHORIZATION = re.compile(
    r"""((?<![A-Za-z])authorization["']?\s*[:=]\s*["']?)(?:[A-Za-z]+\s+)?[^"',;}\s]+""", re.I
)
_NAMED = re.compile(
    r"""(\b(?:birth_?date|birthday|password|passwd|secret|token|api_?key|access_?key)"""
    r"""["']?\s*(?:=|:|%3D)\s*["']?)[^&"',;}\s]+""",
    re.I,
)
_DIGITS = re.compile(r"\d(?:[\d-]*\d)?")
# the account-holder lookup's path segment, whatever its length (short account numbers too)
_HOLDER_PATH = re.compile(r"(/bank-accounts/[A-Za-z_]+/)([^/\s?\"]+)(/holder)")


def _digits(match: re.Match) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    if len(digits) < 10:
        return text
    return MASK + digits[-4:]


def mask(text: str) -> str:
    """`text` with account numbers, birth dates and secrets masked."""
    text = _TOKEN.sub(lambda m: f"{m.group(1)}_{MASK}", text)
    text = _CREDENTIAL.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _AUTHORIZATION.sub(lambda m: m.group(1) + MASK, text)
    text = _NAMED.sub(lambda m: m.group(1) + MASK, text)
    text = _HOLDER_PATH.sub(lambda m: f"{m.group(1)}{MASK}{m.group(2)[-4:]}{m.group(3)}", text)
    return _DIGITS.sub(_digits, text)


class MaskSecretsFilter(logging.Filter):
    """Masks the record's message (arguments merged in) and traceback text; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping) and record.name == "gunicorn.access":
            _keep_access_fields(record)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error report
            return True
        masked = mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def _keep_access_fields(record: logging.LogRecord) -> None:
    """gunicorn's access line as fields (`http`, `request_id`) for the JSON lines, taken from its
    atoms before the filter merges them into the text."""
    atoms = record.args
    status = str(atoms["s"])
    record.http = {
        "method": atoms["m"],
        "path": mask(str(atoms["U"])),
        "status": int(status) if status.isdigit() else status,
        "bytes": atoms["B"],
        "duration_ms": atoms["M"],
        "remote_addr": atoms["h"],
    }
    if atoms["{x-request-id}i"] != "-":
        record.request_id = atoms["{x-request-id}i"]


class JsonFormatter(LibraryJsonFormatter):
    """One JSON object per line: `time` (RFC 3339, UTC), `level`, `logger`, `message`, and when
    known `request_id` (the proxy's X-Request-ID header), `status_code`, `http` (gunicorn's
    access fields) and `exception` (the traceback). Goes after MaskSecretsFilter: the traceback
    is the filter's masked text, and the whole line is masked once more for any field passed in
    `extra=`."""

    def __init__(self, *_args, **_kwargs):  # the fields are fixed: dictConfig passes nothing else
        super().__init__(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
            timestamp="time",
            json_ensure_ascii=False,
        )

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and record.exc_text:
            # the library would format exc_info afresh, unmasked; exc_text is the masked copy
            exc_info, record.exc_info = record.exc_info, None
            try:
                return super().format(record)
            finally:
                record.exc_info = exc_info
        return super().format(record)

    def add_fields(self, log_data, record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        ordered = {"time": log_data.pop("time"), **log_data}  # time first, as a reader scans
        log_data.clear()
        log_data.update(ordered)
        # django.request and django.server pass the request (or its socket) along: not JSON,
        # and its repr carries the full URL. Only its X-Request-ID is kept.
        request = log_data.pop("request", None)
        log_data.pop("server_time", None)
        headers = getattr(request, "headers", None)
        if "request_id" not in log_data and headers is not None and headers.get("X-Request-ID"):
            log_data["request_id"] = headers["X-Request-ID"]

    def serialize_log_record(self, log_data) -> str:
        return mask(super().serialize_log_record(log_data))
