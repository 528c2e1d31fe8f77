"""Outgoing webhooks' rows (docs/webhooks.md): where to send, what was sent, how each try went.

* `WebhookEndpoint` — a receiver's URL, its `whsec_` secret (encrypted at rest, like every
  secret we must be able to read back), the event types it subscribes to, live or test mode, and
  the state of the automatic disabling;
* `WebhookMessage` — one event for one endpoint: the exact body signed, its `webhook-id`, the
  next attempt's time; retried until it succeeds or its attempts run out;
* `WebhookAttempt` — the delivery log: one row per HTTP try.
"""

from __future__ import annotations

import base64
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ulid import ULID

from core.crypto import EncryptedBinaryField
from core.outbound.events import EVENT_TYPES

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (the Standard Webhooks form)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    return f"msg_{ULID()}"


class WebhookEndpoint(models.Model):
    public_id = models.CharField(_("아이디"), max_length=40, unique=True)
    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("설명"), max_length=200, blank=True)
    event_types = models.JSONField(
        _("구독 이벤트"), default=list, help_text=_("비우면 모든 이벤트를 받습니다.")
    )
    enabled = models.BooleanField(_("사용"), default=True)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    secret_sealed = EncryptedBinaryField(_("시크릿"))
    previous_secret_sealed = EncryptedBinaryField(_("이전 시크릿"), null=True, blank=True)
    previous_secret_expires_at = models.DateTimeField(_("이전 시크릿 만료"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("연속 실패"), default=0)
    failing_since = models.DateTimeField(_("실패 시작"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("자동 중지 시각"), null=True, blank=True)
    disabled_reason = models.CharField(_("중지 사유"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("등록 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    class Meta:
        verbose_name = _("웹훅 엔드포인트")
        verbose_name_plural = _("웹훅 엔드포인트")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.url} ({self.public_id})"

    @property
    def secret(self) -> str:
        return bytes(self.secret_sealed).decode()

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_sealed = value.encode()

    def signing_secrets(self, now=None) -> list[str]:
        """The current secret, and the previous one while its overlap window lasts."""
        now = now or timezone.now()
        out = [self.secret]
        if (
            self.previous_secret_sealed
            and self.previous_secret_expires_at
            and self.previous_secret_expires_at > now
        ):
            out.append(bytes(self.previous_secret_sealed).decode())
        return out

    def subscribes_to(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class MessageStatus(models.TextChoices):
    PENDING = "PENDING", _("전송 대기")
    SUCCEEDED = "SUCCEEDED", _("전송 성공")
    FAILED = "FAILED", _("전송 실패")


class WebhookMessage(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("웹훅 엔드포인트"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    message_id = models.CharField(_("webhook-id"), max_length=40, unique=True)
    event_type = models.CharField(_("이벤트"), max_length=60, choices=EVENT_TYPES)
    payload = models.TextField(_("본문"))
    status = models.CharField(
        _("상태"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempt_count = models.PositiveIntegerField(_("시도 횟수"), default=0)
    next_attempt_at = models.DateTimeField(_("다음 시도"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("마지막 응답 코드"), null=True, blank=True)
    created_at = models.DateTimeField(_("발생 시각"), default=timezone.now)
    delivered_at = models.DateTimeField(_("전송 완료 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("웹훅 전송 내역")
        verbose_name_plural = _("웹훅 전송 내역")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_msg_due")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"


class WebhookAttempt(models.Model):
    message = models.ForeignKey(
        WebhookMessage,
        verbose_name=_("웹훅 전송 내역"),
        on_delete=models.CASCADE,
        related_name="attempts",
    )
    number = models.PositiveIntegerField(_("회차"))
    attempted_at = models.DateTimeField(_("시도 시각"), default=timezone.now)
    status_code = models.PositiveIntegerField(_("응답 코드"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("소요 시간(ms)"), default=0)
    succeeded = models.BooleanField(_("성공"), default=False)
    error = models.CharField(_("오류"), max_length=500, blank=True)
    response_body = models.TextField(_("응답 본문(앞부분)"), blank=True)
    manual = models.BooleanField(_("수동 재전송"), default=False)

    class Meta:
        verbose_name = _("웹훅 전송 시도")
        verbose_name_plural = _("웹훅 전송 시도")
        ordering = ["message_id", "number"]

    def __str__(self) -> str:
        return f"{self.message} #{self.number}"
