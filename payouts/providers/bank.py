"""The bank behind AGENCY payouts (firm banking, 펌뱅킹): send a transfer under an idempotency key,
and ask what became of one (docs/payouts.md#bank-adapters).

The house shape of a provider: a ``Protocol``, a deterministic ``SandboxBankClient`` (the
default, and always the bank of test mode), the real ``HttpBankClient``, and the factory
``get_bank_client()``. Answers are values (``BankAnswer``), never exceptions: a time-out, a
5xx or a garbled body is the outcome ``UNKNOWN`` — the money may or may not have left — and the
caller must ``inquire`` before anything is sent again. ``RETRY`` means the bank refused the
request before accepting it (maintenance): nothing was recorded under the key, so the same key
may be sent again after a pause.

What this module must NOT do: touch the ORM (the sandbox keeps its book in a file of its own),
decide a payout's status, retry on its own, or log account numbers in full.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from partners.providers.account_holder import BANK_CODES
from partners.providers.transport import DEFAULT_TIMEOUT_SECONDS, tls_context

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    SUCCEEDED = "SUCCEEDED"  # the money reached the partner's account
    FAILED = "FAILED"  # refused for good (reason says why); nothing left the account
    RETRY = "RETRY"  # refused for now, nothing recorded under the key: send again later
    UNKNOWN = "UNKNOWN"  # no answer (time-out, 5xx, garbled): inquire before sending again
    NOT_FOUND = "NOT_FOUND"  # inquiry only: the bank has nothing under this key


# failReason texts (docs/payouts.md#bank-adapters)
REASON_ACCOUNT = "계좌번호 오류"
REASON_HOLDER = "예금주 불일치"
REASON_RESTRICTED = "수취계좌 거래 제한"
REASON_MAINTENANCE = "은행 점검 시간"
REASON_BALANCE = "잔액 부족"
REASON_INSTITUTION = "기관 응답 오류"


@dataclass(frozen=True)
class BankTransfer:
    idempotency_key: str
    bank: str  # PortOne Bank enum value
    account_number: str
    holder: str
    amount: int
    currency: str = "KRW"
    withdrawal_memo: str | None = None  # 보내는 통장 표시
    deposit_memo: str | None = None  # 받는 통장 표시


@dataclass(frozen=True)
class BankAnswer:
    outcome: Outcome
    reason: str | None = None
    reference: str | None = None  # the bank's transaction id, when it gives one


class BankClient(Protocol):
    def send(self, transfer: BankTransfer) -> BankAnswer: ...

    def inquire(self, transfer: BankTransfer) -> BankAnswer:
        """What the bank holds under ``transfer.idempotency_key``; the rest of ``transfer`` is
        context only (a sandbox may use it)."""
        ...


def _masked(number: str) -> str:
    return "*" * max(len(number) - 4, 0) + number[-4:]


# --- sandbox ------------------------------------------------------------------------------------

SANDBOX_BANK_RULES: Final = """
| 계좌번호 끝자리 (last digit) | 결과 (result) |
|---|---|
| 9 | FAILED "계좌번호 오류" |
| 8 | 은행 점검 (bank maintenance): temporary, retried with back-off; FAILED "은행 점검 시간" after PAYOUT_MAX_ATTEMPTS sends |
| 7 | time-out, outcome unknown; the status inquiry (asked before anything is sent again) reports SUCCEEDED |
| anything else | SUCCEEDED |
"""  # noqa: E501


class SandboxBankClient:
    """Deterministic, offline (rules in :data:`SANDBOX_BANK_RULES`). What it accepted is kept in
    the sandbox bank's own book, a small SQLite file (``PAYOUT_SANDBOX_BANK_BOOK``, by default
    ``var/sandbox-bank.sqlite3``) apart from our database, like a real bank's records: shared by
    the web process and every worker process on the machine, untouched by our rollbacks, kept
    across restarts. A repeated key is answered from the book and never "sent" twice, so a
    time-out ("7") is answered SUCCEEDED by the inquiry whichever process asks. ``sends``
    counts the requests made from this process per key (for tests)."""

    _lock = threading.Lock()
    _connections = threading.local()
    sends: dict[str, int] = {}

    def __init__(self, *, latency_ms: int = 0, book: str | Path | None = None) -> None:
        self.latency_ms = latency_ms
        self._book_path = str(book) if book is not None else None

    @property
    def book_path(self) -> str:
        return self._book_path or str(sandbox_book_path())

    @classmethod
    def reset(cls) -> None:
        """Forget the requests counted in this process and empty the default book."""
        with cls._lock:
            cls.sends.clear()
        book = cls()
        book._db().execute("DELETE FROM book")

    def _db(self) -> sqlite3.Connection:
        """This thread's connection to the book (a forked process opens its own)."""
        path = self.book_path
        cache = self._connections.__dict__.setdefault("by_path", {})
        cached = cache.get(path)
        if cached is not None and cached[0] == os.getpid():
            return cached[1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS book (key TEXT PRIMARY KEY, outcome TEXT NOT NULL,"
            " reason TEXT, reference TEXT, amount INTEGER NOT NULL, booked_at TEXT NOT NULL)"
        )
        cache[path] = (os.getpid(), db)
        return db

    def _booked(self, key: str) -> BankAnswer | None:
        row = (
            self._db()
            .execute("SELECT outcome, reason, reference FROM book WHERE key = ?", (key,))
            .fetchone()
        )
        return BankAnswer(Outcome(row[0]), row[1], row[2]) if row else None

    def _book(self, transfer: BankTransfer, answer: BankAnswer) -> BankAnswer:
        """Book the answer unless the key is booked already; the answer booked first wins
        (two processes racing on one key move the money once)."""
        db = self._db()
        cursor = db.execute(
            "INSERT OR IGNORE INTO book (key, outcome, reason, reference, amount, booked_at)"
            " VALUES (?, ?, ?, ?, ?, datetime('now'))",
            (
                transfer.idempotency_key,
                answer.outcome.value,
                answer.reason,
                answer.reference,
                transfer.amount,
            ),
        )
        if cursor.rowcount == 1:
            return answer
        booked = self._booked(transfer.idempotency_key)
        assert booked is not None
        return booked

    def _wait(self) -> None:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)

    def send(self, transfer: BankTransfer) -> BankAnswer:
        self._wait()
        key = transfer.idempotency_key
        with self._lock:
            self.sends[key] = self.sends.get(key, 0) + 1
        booked = self._booked(key)
        if booked is not None:  # a replay: the first answer, nothing moves again
            return booked
        last = "".join(c for c in transfer.account_number or "" if c.isdigit())[-1:]
        if last == "8":
            return BankAnswer(Outcome.RETRY, REASON_MAINTENANCE)  # nothing booked
        if last == "9":
            return self._book(transfer, BankAnswer(Outcome.FAILED, REASON_ACCOUNT))
        answer = self._book(transfer, BankAnswer(Outcome.SUCCEEDED, reference=f"SBX-{key}"))
        if last == "7" and answer.outcome is Outcome.SUCCEEDED:
            # done at the bank, but the answer never arrives
            return BankAnswer(Outcome.UNKNOWN, "은행 응답 시간 초과")
        return answer

    def inquire(self, transfer: BankTransfer) -> BankAnswer:
        self._wait()
        return self._booked(transfer.idempotency_key) or BankAnswer(Outcome.NOT_FOUND)


def sandbox_book_path() -> Path:
    configured = getattr(settings, "PAYOUT_SANDBOX_BANK_BOOK", "") or ""
    return Path(configured) if configured else Path(settings.VAR_DIR) / "sandbox-bank.sqlite3"


# --- HTTP ---------------------------------------------------------------------------------------

# Error codes of our contract -> (outcome, failReason)
_ERROR_CODES: Final[dict[str, tuple[Outcome, str]]] = {
    "ACCOUNT_NOT_FOUND": (Outcome.FAILED, REASON_ACCOUNT),
    "INVALID_ACCOUNT": (Outcome.FAILED, REASON_ACCOUNT),
    "HOLDER_MISMATCH": (Outcome.FAILED, REASON_HOLDER),
    "ACCOUNT_RESTRICTED": (Outcome.FAILED, REASON_RESTRICTED),
    "INSUFFICIENT_BALANCE": (Outcome.FAILED, REASON_BALANCE),
    "BANK_MAINTENANCE": (Outcome.RETRY, REASON_MAINTENANCE),
    "RATE_LIMITED": (Outcome.RETRY, REASON_INSTITUTION),
}
_STATUSES: Final[dict[str, Outcome]] = {
    "SUCCEEDED": Outcome.SUCCEEDED,
    "FAILED": Outcome.FAILED,
    "PROCESSING": Outcome.UNKNOWN,
    "PENDING": Outcome.UNKNOWN,
}


class HttpBankClient:
    """A firm-banking API speaking our JSON contract (a vendor is fronted to speak it):

    * ``POST {api_url}/transfers`` with headers ``X-API-Key`` and ``Idempotency-Key`` and body
      ``{"bank_code": "004", "account_number": "…", "holder": "…", "amount": 10000,
      "currency": "KRW", "withdrawal_memo": "…", "deposit_memo": "…"}``. The bank keeps one
      transfer per key: a repeated key answers the first result and moves nothing.
    * ``GET {api_url}/transfers/{key}`` (header ``X-API-Key``): the transfer under that key, or
      404 when there is none.
    * A transfer answers 200 ``{"status": "SUCCEEDED"|"FAILED"|"PROCESSING", "fail_code"?,
      "fail_reason"?, "reference"?}``. An error answers ``{"error": {"code", "message"}}``:
      4xx with a code of ``_ERROR_CODES`` is that outcome (e.g. 503 ``BANK_MAINTENANCE`` = not
      accepted, send again later); 401/403 is not accepted (RETRY, "기관 응답 오류"); any other
      5xx, a time-out, a broken connection or a body that is not the JSON above is UNKNOWN.
    """

    API_KEY_HEADER: Final = "X-API-Key"

    def __init__(self, *, api_url: str, api_key: str, timeout: float) -> None:
        self.api_url = api_url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        headers = {self.API_KEY_HEADER: self._api_key, "Accept": "application/json"}
        headers.update(kwargs.pop("headers", {}))
        try:
            with httpx.Client(timeout=self.timeout, verify=tls_context()) as client:
                return client.request(method, self.api_url + path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            logger.warning("bank %s %s: %s", method, path, type(exc).__name__)
            return None

    def send(self, transfer: BankTransfer) -> BankAnswer:
        bank_code = BANK_CODES.get(transfer.bank)
        if bank_code is None:
            return BankAnswer(Outcome.FAILED, f"지원하지 않는 은행 ({transfer.bank})")
        body = {
            "bank_code": bank_code,
            "account_number": transfer.account_number,
            "holder": transfer.holder,
            "amount": transfer.amount,
            "currency": transfer.currency,
            "withdrawal_memo": transfer.withdrawal_memo,
            "deposit_memo": transfer.deposit_memo,
        }
        response = self._request(
            "POST", "/transfers", json=body, headers={"Idempotency-Key": transfer.idempotency_key}
        )
        answer = self._parse(response, inquiry=False)
        logger.info(
            "bank send key=%s account=%s outcome=%s",
            transfer.idempotency_key,
            _masked(transfer.account_number),
            answer.outcome,
        )
        return answer

    def inquire(self, transfer: BankTransfer) -> BankAnswer:
        response = self._request("GET", f"/transfers/{transfer.idempotency_key}")
        return self._parse(response, inquiry=True)

    @staticmethod
    def _parse(response: httpx.Response | None, *, inquiry: bool) -> BankAnswer:
        if response is None:
            return BankAnswer(Outcome.UNKNOWN, "은행 응답 없음")
        status = response.status_code
        try:
            payload: Any = response.json()
        except ValueError:
            payload = None
        if status == 404 and inquiry:
            return BankAnswer(Outcome.NOT_FOUND)
        if 200 <= status < 300:
            state = payload.get("status") if isinstance(payload, dict) else None
            outcome = _STATUSES.get(state) if isinstance(state, str) else None
            if outcome is None:
                return BankAnswer(Outcome.UNKNOWN, "은행 응답 형식 오류")
            reference = payload.get("reference")
            reference = str(reference) if reference is not None else None
            if outcome is Outcome.FAILED:
                code = str(payload.get("fail_code") or "")
                reason = _ERROR_CODES.get(code, (None, None))[1] or str(
                    payload.get("fail_reason") or REASON_INSTITUTION
                )
                return BankAnswer(Outcome.FAILED, reason[:200], reference)
            return BankAnswer(outcome, reference=reference)
        error = payload.get("error") if isinstance(payload, dict) else None
        code = str(error.get("code") or "") if isinstance(error, dict) else ""
        known = _ERROR_CODES.get(code)
        if known is not None and (status < 500 or known[0] is Outcome.RETRY):
            return BankAnswer(known[0], known[1])
        if status in (401, 403):
            return BankAnswer(Outcome.RETRY, REASON_INSTITUTION)
        return BankAnswer(Outcome.UNKNOWN, f"은행 응답 오류 (HTTP {status})")


def get_bank_client(*, is_for_test: bool) -> BankClient:
    """Test mode: always the sandbox. Live: ``settings.PAYOUT_BANK_PROVIDER`` ("sandbox" or
    "http")."""
    latency = int(getattr(settings, "PAYOUT_BANK_LATENCY_MS", 0))
    provider = getattr(settings, "PAYOUT_BANK_PROVIDER", "sandbox")
    if is_for_test or provider == "sandbox":
        return SandboxBankClient(latency_ms=latency)
    if provider == "http":
        api_url = getattr(settings, "PAYOUT_BANK_API_URL", "")
        api_key = getattr(settings, "PAYOUT_BANK_API_KEY", "")
        if not api_url or not api_key:
            raise ImproperlyConfigured(
                "PAYOUT_BANK_PROVIDER=http needs PAYOUT_BANK_API_URL and PAYOUT_BANK_API_KEY"
            )
        return HttpBankClient(
            api_url=api_url,
            api_key=api_key,
            timeout=float(
                getattr(settings, "PAYOUT_BANK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
            ),
        )
    raise ImproperlyConfigured(
        f"PAYOUT_BANK_PROVIDER must be 'sandbox' or 'http', not {provider!r}"
    )
