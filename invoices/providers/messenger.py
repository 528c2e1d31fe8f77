"""KakaoTalk 알림톡-style messenger beside e-mail: the reverse-issuance request and the news of an
invoice reach the partner's phone too (docs/invoices.md#notifications).

The house shape of a provider: a ``Protocol`` (``MessengerClient.send``), a deterministic
``SandboxMessengerClient`` (the default), a real ``HttpMessengerClient`` (a generic JSON POST, the
shape most 알림톡 relays take), the factory ``get_messenger_client()`` and one error type,
``MessengerError(permanent=...)``.

The sandbox keeps every message it accepts twice: in ``outbox`` (an in-process list, like
``django.core.mail.outbox``, for tests) and as one JSON line in ``VAR_DIR/messenger/outbox.jsonl``
(so someone running the app sees what would have reached a phone). Rehearsal numbers:

| 번호 (number)   | 결과 (result)                                             |
|-----------------|-----------------------------------------------------------|
| 010-0000-0000   | 영구 실패 MessengerError(permanent=True): 없는 번호        |
| 010-9999-9999   | 일시 실패 MessengerError(permanent=False): 중계 서버 장애  |
| 그 밖의 번호    | 발송 성공 (기록만 남김)                                    |

What this module must NOT do: touch the ORM or decide whom to tell (services do), retry on its
own (callers look at ``permanent``). Vendor exceptions (httpx) never escape.

Settings, read lazily with ``getattr``: ``MESSENGER_PROVIDER`` (``sandbox`` | ``http`` |
``none``), ``MESSENGER_API_URL``, ``MESSENGER_API_KEY``, ``MESSENGER_SENDER_KEY`` (optional,
sent as ``senderKey``), ``MESSENGER_TIMEOUT_SECONDS``, ``VAR_DIR``.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from ulid import ULID

from partners.providers.transport import DEFAULT_TIMEOUT_SECONDS, tls_context

#: sandbox rehearsal numbers (digits only)
PERMANENT_FAILURE_NUMBER: Final = "01000000000"
TEMPORARY_FAILURE_NUMBER: Final = "01099999999"


class MessengerError(Exception):
    """The messenger could not deliver. ``permanent=True``: the same message will never go (bad
    number, template refused, bad key); ``permanent=False``: try again later."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class MessageReceipt:
    message_id: str
    to_phone: str
    provider: str


@dataclass(frozen=True)
class SentMessage:
    """One message the sandbox accepted (what `outbox` holds)."""

    message_id: str
    to_phone: str
    template_code: str
    variables: dict[str, Any]
    text: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class MessengerClient(Protocol):
    def send(
        self, to_phone: str, template_code: str, variables: dict[str, Any], text: str
    ) -> MessageReceipt:
        """Send one message; raises ``ValueError`` for a number that is not a phone number
        (before any call) and ``MessengerError``."""
        ...


def normalise_phone(raw: str) -> str:
    """'010-1234-5678' / '+82 10 1234 5678' -> '01012345678'; ValueError when not a number."""
    digits = re.sub(r"[\s\-().]", "", raw or "")
    if digits.startswith("+82"):
        digits = "0" + digits[3:]
    if not digits.isascii() or not digits.isdigit() or not 9 <= len(digits) <= 11:
        raise ValueError(f"전화번호 형식이 아닙니다: {raw!r}")
    return digits


#: what the sandbox accepted in this process (tests empty it: `outbox.clear()`)
outbox: list[SentMessage] = []
_file_lock = threading.Lock()


def outbox_file() -> Path:
    return Path(getattr(settings, "VAR_DIR", "var")) / "messenger" / "outbox.jsonl"


class SandboxMessengerClient:
    """Deterministic and offline: records, never sends. Rules in the module docstring."""

    name = "sandbox"

    def send(
        self, to_phone: str, template_code: str, variables: dict[str, Any], text: str
    ) -> MessageReceipt:
        phone = normalise_phone(to_phone)
        if phone == PERMANENT_FAILURE_NUMBER:
            raise MessengerError("[sandbox] 없는 번호입니다 (010-0000-0000)", permanent=True)
        if phone == TEMPORARY_FAILURE_NUMBER:
            raise MessengerError("[sandbox] 중계 서버 일시 장애 (010-9999-9999)", permanent=False)
        message = SentMessage(
            message_id=f"sandbox-{ULID()}",
            to_phone=phone,
            template_code=template_code,
            variables=dict(variables),
            text=text,
        )
        outbox.append(message)
        self._record(message)
        return MessageReceipt(message.message_id, phone, self.name)

    @staticmethod
    def _record(message: SentMessage) -> None:
        line = json.dumps(
            {
                "messageId": message.message_id,
                "at": message.at.isoformat(),
                "to": message.to_phone,
                "templateCode": message.template_code,
                "variables": message.variables,
                "text": message.text,
            },
            ensure_ascii=False,
            default=str,
        )
        path = outbox_file()
        try:
            with _file_lock:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as out:
                    out.write(line + "\n")
        except OSError:  # a read-only VAR_DIR must not fail a send the outbox list has kept
            pass


class HttpMessengerClient:
    """A relay that takes ``POST {api_url}`` with JSON ``{to, templateCode, variables, text,
    senderKey?}`` and ``Authorization: Bearer {api_key}``, and answers 2xx with ``{messageId}``
    (or ``{id}``). 4xx but 408/429 are permanent; 408, 429, 5xx, time-outs and transport errors
    temporary."""

    name = "http"

    def __init__(self, *, api_url: str, api_key: str, timeout: float, sender_key: str = "") -> None:
        self.api_url = api_url
        self._api_key = api_key
        self.timeout = timeout
        self.sender_key = sender_key

    def send(
        self, to_phone: str, template_code: str, variables: dict[str, Any], text: str
    ) -> MessageReceipt:
        phone = normalise_phone(to_phone)
        body: dict[str, Any] = {
            "to": phone,
            "templateCode": template_code,
            "variables": {k: str(v) for k, v in variables.items()},
            "text": text,
        }
        if self.sender_key:
            body["senderKey"] = self.sender_key
        response = self._post(body)
        status = response.status_code
        if status >= 500 or status in (408, 429):
            raise MessengerError(f"메신저 중계 서버 오류 (HTTP {status})", permanent=False)
        if status >= 400:
            raise MessengerError(
                f"메신저 발송 거부 (HTTP {status}: {_reason(response)})", permanent=True
            )
        try:
            payload = response.json()
        except ValueError:
            payload = None
        message_id = ""
        if isinstance(payload, dict):
            message_id = str(payload.get("messageId") or payload.get("id") or "")
        if not message_id:
            raise MessengerError("메신저 응답에 messageId가 없습니다", permanent=False)
        return MessageReceipt(message_id, phone, self.name)

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        """The single network chokepoint (respx answers here in tests)."""
        try:
            with httpx.Client(timeout=self.timeout, verify=tls_context()) as client:
                return client.post(
                    self.api_url,
                    json=body,
                    headers={
                        "Authorization": f"Bearer {self._api_key}",
                        "Accept": "application/json",
                    },
                )
        except httpx.TimeoutException:
            raise MessengerError(
                f"메신저 응답 시간 초과 ({self.timeout:g}초)", permanent=False
            ) from None
        except httpx.HTTPError as exc:
            raise MessengerError(
                f"메신저 연결 실패 ({type(exc).__name__})", permanent=False
            ) from None


def _reason(response: httpx.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return response.text[:100]
    if isinstance(payload, dict):
        return str(payload.get("message") or payload.get("error") or "")[:100]
    return ""


def messenger_enabled() -> bool:
    return getattr(settings, "MESSENGER_PROVIDER", "sandbox") != "none"


def get_messenger_client() -> MessengerClient | None:
    """``settings.MESSENGER_PROVIDER``: ``"sandbox"`` (default), ``"http"`` or ``"none"`` (no
    messenger: None)."""
    kind = getattr(settings, "MESSENGER_PROVIDER", "sandbox") or "sandbox"
    if kind == "none":
        return None
    if kind == "sandbox":
        return SandboxMessengerClient()
    if kind == "http":
        api_url = getattr(settings, "MESSENGER_API_URL", "")
        api_key = getattr(settings, "MESSENGER_API_KEY", "")
        if not api_url or not api_key:
            raise ImproperlyConfigured(
                "MESSENGER_PROVIDER=http needs MESSENGER_API_URL and MESSENGER_API_KEY"
            )
        return HttpMessengerClient(
            api_url=api_url,
            api_key=api_key,
            timeout=float(getattr(settings, "MESSENGER_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)),
            sender_key=getattr(settings, "MESSENGER_SENDER_KEY", "") or "",
        )
    raise ImproperlyConfigured(
        f"MESSENGER_PROVIDER must be 'sandbox', 'http' or 'none', not {kind!r}"
    )
