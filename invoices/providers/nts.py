"""Transmission of issued invoices to the NTS (국세청 전송), docs/invoices.md#transmission.

The house shape of a provider: a ``Protocol`` (``NtsProvider``), a deterministic
``SandboxNtsProvider`` (the default), an ``ExportNtsProvider`` that writes the NTS standard XML
(``NTS_PROVIDER=export``), the factory ``get_nts_provider()`` and one error type,
``NtsError(permanent=...)``.

A provider is asked two things, and answers with an ``NtsReport`` (where the document is now):

* ``submit(document, now=)`` — take an issued invoice for transmission (ISSUED → BEFORE_SENDING);
* ``progress(document, status, now=)`` — the next step of one under way
  (BEFORE_SENDING → WAITING_SENDING → SENDING → SENDING_COMPLETED | SENDING_FAILED).

The sandbox walks one step every ``NTS_SANDBOX_STEP_SECONDS`` and keeps no state (what it
answers follows from the document and the status it is asked about). Rehearsal inputs:

* recipient BRN digits 4-5 ``97`` → SENDING_FAILED ``SVR001`` (공급받는자 미등록 사업자)
* supplier BRN digits 4-5 ``96`` → SENDING_FAILED ``CRT003`` (공급자 인증서 폐지·만료)
* total supply amount ending in ``999`` (absolute value) → SENDING_FAILED ``AMT002``
  (품목 합계 불일치)
* either BRN starting with ``999`` → NtsError(permanent=False), 전송 서비스 점검
  (send-to-nts answers 502 B2B_EXTERNAL_SERVICE; the schedule tries again later)
* anything else → SENDING_COMPLETED ``SUC001`` (국세청 전송 완료)

What this module must NOT do: touch the ORM or change a status (services do, through
invoices.services.transitions), retry on its own (callers look at ``permanent``).

Settings, read lazily with ``getattr``: ``NTS_PROVIDER`` (``sandbox`` | ``export``),
``NTS_SANDBOX_STEP_SECONDS``, ``NTS_EXPORT_DIR``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from invoices.domain import nts_xml
from invoices.domain.nts_xml import NtsInvoice

BEFORE_SENDING: Final = "BEFORE_SENDING"
WAITING_SENDING: Final = "WAITING_SENDING"
SENDING: Final = "SENDING"
SENDING_COMPLETED: Final = "SENDING_COMPLETED"
SENDING_FAILED: Final = "SENDING_FAILED"

#: the walk after submission: status -> the next one (SENDING ends completed or failed)
NEXT: Final[dict[str, str]] = {BEFORE_SENDING: WAITING_SENDING, WAITING_SENDING: SENDING}

SUCCESS_CODE: Final = "SUC001"
SUCCESS_TEXT: Final = "국세청 전송이 완료되었습니다."

#: the sandbox's rehearsal rejections: (code, ntsResult)
REJECT_RECIPIENT: Final = (
    "SVR001",
    "공급받는자 사업자등록번호가 국세청에 등록되지 않은 번호입니다.",
)
REJECT_CERTIFICATE: Final = ("CRT003", "공급자 전자서명 인증서가 폐지되었거나 만료되었습니다.")
REJECT_AMOUNT: Final = ("AMT002", "공급가액 합계가 품목별 공급가액의 합과 일치하지 않습니다.")
OUTAGE_TEXT: Final = "국세청 전송 서비스 점검 중입니다. 잠시 후 다시 시도해 주세요."


class NtsError(Exception):
    """The provider could not take or report the document. ``permanent=True``: this document
    will never go as it is (``code`` names why, NTS-style); ``permanent=False``: try later."""

    def __init__(self, message: str, *, permanent: bool, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code


@dataclass(frozen=True)
class NtsReport:
    """Where a document is at the provider. ``next_check_at``: when to ask again (None once
    the status is final); ``result_code``/``result``: the NTS's answer, on the final step."""

    status: str
    next_check_at: datetime | None
    result_code: str | None = None
    result: str | None = None

    @property
    def is_final(self) -> bool:
        return self.status in (SENDING_COMPLETED, SENDING_FAILED)


class NtsProvider(Protocol):
    name: str

    def available(self, document: NtsInvoice) -> None: ...

    def submit(self, document: NtsInvoice, *, now: datetime) -> NtsReport: ...

    def progress(self, document: NtsInvoice, status: str, *, now: datetime) -> NtsReport: ...


def _digits(party) -> str:
    return str((party or {}).get("brn") or "")


def rehearsal_rejection(document: NtsInvoice) -> tuple[str, str] | None:
    """The sandbox's answer to the documented rehearsal inputs (None: accepted)."""
    if _digits(document.recipient)[3:5] == "97":
        return REJECT_RECIPIENT
    if _digits(document.supplier)[3:5] == "96":
        return REJECT_CERTIFICATE
    if abs(int(document.total_supply_amount)) % 1000 == 999:
        return REJECT_AMOUNT
    return None


def _check_outage(document: NtsInvoice) -> None:
    if _digits(document.supplier).startswith("999") or _digits(document.recipient).startswith(
        "999"
    ):
        raise NtsError(OUTAGE_TEXT, permanent=False)


class _Walk:
    """The walk both adapters share: one step per `step` seconds, the final answer from the
    rehearsal rules (the export adapter has no NTS to ask: its file is the hand-over)."""

    name = "walk"

    def step(self) -> timedelta:
        raise NotImplementedError

    def available(self, document: NtsInvoice) -> None:
        """Raises NtsError(permanent=False) when the service cannot be reached."""

    def progress(self, document: NtsInvoice, status: str, *, now: datetime) -> NtsReport:
        self.available(document)
        if status in NEXT:
            return NtsReport(NEXT[status], now + self.step())
        if status == SENDING:
            return self.final(document)
        raise NtsError(f"전송 중인 문서가 아닙니다: {status}", permanent=True, code="DOC009")

    def final(self, document: NtsInvoice) -> NtsReport:
        rejection = rehearsal_rejection(document)
        if rejection is not None:
            return NtsReport(SENDING_FAILED, None, *rejection)
        return NtsReport(SENDING_COMPLETED, None, SUCCESS_CODE, SUCCESS_TEXT)


class SandboxNtsProvider(_Walk):
    """Deterministic and stateless (see the module docstring for its rehearsal inputs)."""

    name = "sandbox"

    def __init__(self, step_seconds: float | None = None) -> None:
        self.step_seconds = (
            float(getattr(settings, "NTS_SANDBOX_STEP_SECONDS", 2))
            if step_seconds is None
            else float(step_seconds)
        )

    def step(self) -> timedelta:
        return timedelta(seconds=max(self.step_seconds, 0))

    def available(self, document: NtsInvoice) -> None:
        _check_outage(document)

    def submit(self, document: NtsInvoice, *, now: datetime) -> NtsReport:
        _check_outage(document)
        return NtsReport(BEFORE_SENDING, now + self.step())


class ExportNtsProvider(_Walk):
    """Writes the NTS standard XML of each document into `directory` (`<승인번호>.xml`, written
    to a temporary name and renamed, so a reader never sees half a file), for an operator or an
    outside tool to hand to the NTS. The walk after the file is written is immediate."""

    name = "export"

    def __init__(self, directory: str | os.PathLike | None = None) -> None:
        self.directory = Path(directory if directory is not None else settings.NTS_EXPORT_DIR)

    def step(self) -> timedelta:
        return timedelta(0)

    def path_of(self, document: NtsInvoice) -> Path:
        return self.directory / nts_xml.file_name(document)

    def submit(self, document: NtsInvoice, *, now: datetime) -> NtsReport:
        try:
            body = nts_xml.build(document)
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise NtsError(
                f"표준 XML을 만들 수 없습니다: {exc}", permanent=True, code="DOC001"
            ) from exc
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".nts-", suffix=".xml")
            with os.fdopen(fd, "wb") as out:
                out.write(body)
            os.replace(tmp, self.path_of(document))
        except OSError as exc:
            raise NtsError(f"표준 XML 파일을 쓸 수 없습니다: {exc}", permanent=False) from exc
        return NtsReport(BEFORE_SENDING, now)

    def final(self, document: NtsInvoice) -> NtsReport:
        return NtsReport(
            SENDING_COMPLETED,
            None,
            SUCCESS_CODE,
            f"표준 XML로 내보냈습니다: {nts_xml.file_name(document)}",
        )


def get_nts_provider() -> NtsProvider:
    kind = getattr(settings, "NTS_PROVIDER", "sandbox")
    if kind == "sandbox":
        return SandboxNtsProvider()
    if kind == "export":
        return ExportNtsProvider()
    raise ImproperlyConfigured(f"unknown NTS_PROVIDER: {kind}")
