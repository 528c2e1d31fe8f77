"""Installation-wide records that every app relies on: API secrets, idempotency keys, bulk tasks
and the admin's background jobs.

One installation serves one platform operator (single tenant), so API secrets carry no
merchant or store: the secret alone identifies the caller, as PortOne's SDK assumes.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.crypto import EncryptedBinaryField

SECRET_PREFIX = "sk_"


def hash_secret(raw: str) -> str:
    """SHA-256 of the secret. Secrets are 256-bit random, so a plain hash is enough (no KDF)."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiSecret(models.Model):
    """An API secret (API 시크릿) an integrator sends as `Authorization: PortOne <secret>`.

    Only the hash is stored; the secret is shown once, when it is created. A read-only secret
    may only read (GET/HEAD/OPTIONS); core.api.auth.HasApiSecret refuses its writes.
    """

    name = models.CharField(_("이름"), max_length=100)
    prefix = models.CharField(_("앞자리"), max_length=12, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("마지막 사용"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("폐기 시각"), null=True, blank=True)
    read_only = models.BooleanField(
        _("읽기 전용"),
        default=False,
        help_text=_("켜면 조회(GET)만 할 수 있고 쓰기 요청은 403 FORBIDDEN으로 거절됩니다."),
    )

    class Meta:
        verbose_name = _("API 시크릿")
        verbose_name_plural = pgettext_lazy("plural", "API 시크릿")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def issue(cls, *, name: str, read_only: bool = False) -> tuple["ApiSecret", str]:
        raw = SECRET_PREFIX + secrets.token_urlsafe(32)
        obj = cls.objects.create(
            name=name, prefix=raw[:8], secret_hash=hash_secret(raw), read_only=read_only
        )
        return obj, raw

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


@dataclass(frozen=True)
class ApiPrincipal:
    """Who is calling: an API secret. Stands in for `request.user` on API requests."""

    secret: ApiSecret
    is_authenticated: bool = True
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def label(self) -> str:
        return f"API:{self.secret.name}"

    def __str__(self) -> str:
        return self.label


class IdempotencyKey(models.Model):
    """The first answer to a POST carrying an `Idempotency-Key` header.

    The row is inserted in the same transaction as the work it guards, so a concurrent duplicate
    waits on the unique index and then replays the stored answer: the database serialises it.
    The stored answer is encrypted like the personal data it may carry (account numbers, birth
    dates): a copy here must not be more readable than the partner row itself.
    """

    key = models.CharField(max_length=255)
    caller = models.CharField(
        max_length=64, help_text="hash of the authenticated API secret (core.api.idempotency)"
    )
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = EncryptedBinaryField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("멱등 키")
        verbose_name_plural = pgettext_lazy("plural", "멱등 키")
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="core_idempotency_unique_key"),
        ]

    def __str__(self) -> str:
        return self.key


class BulkTask(models.Model):
    """A background job over many rows (PortOne's PlatformBulkTask): member-company connections,
    statement mailings, ... with progress counts the API and admin show."""

    class Status(models.TextChoices):
        PREPARED = "PREPARED", _("준비")
        PROCESSING = "PROCESSING", _("처리 중")
        COMPLETED = "COMPLETED", _("완료")
        CANCELED = "CANCELED", _("취소")

    class Type(models.TextChoices):
        CREATE_TRANSFERS = "CREATE_TRANSFERS", _("정산건 생성")
        CREATE_PARTNERS = "CREATE_PARTNERS", _("파트너 생성")
        CONNECT_MEMBER_COMPANIES = "CONNECT_MEMBER_COMPANIES", _("국세청 연동")
        DISCONNECT_MEMBER_COMPANIES = "DISCONNECT_MEMBER_COMPANIES", _("국세청 연동 해제")
        SEND_PAYOUT_SETTLEMENT_STATEMENTS = "SEND_PAYOUT_SETTLEMENT_STATEMENTS", _("정산서 발송")

    public_id = models.CharField(max_length=40, unique=True)
    is_for_test = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREPARED)
    type = models.CharField(max_length=40, choices=Type.choices)
    target_ids = models.JSONField(default=list, blank=True)
    prepared_count = models.PositiveIntegerField(default=0)
    processing_count = models.PositiveIntegerField(default=0)
    succeeded_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    canceled_count = models.PositiveIntegerField(default=0)
    status_updated_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("일괄 작업")
        verbose_name_plural = pgettext_lazy("plural", "일괄 작업")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.public_id}"


class Job(models.Model):
    """Long admin work run by django-q2 instead of inside a request (작업): a big upload's check
    or commit, a big Excel download. The page that started it follows its progress and ends on
    its result; only its owner sees it.

    Its files (the uploaded sheet, the check's outcome, the written workbook) may hold personal
    data, so they are kept encrypted under VAR_DIR/jobs (core.files.jobs), never in the row; old
    jobs and their files are purged (core.tasks.purge_jobs)."""

    class Kind(models.TextChoices):
        UPLOAD_CHECK = "UPLOAD_CHECK", _("업로드 검증")
        UPLOAD_COMMIT = "UPLOAD_COMMIT", _("업로드 등록")
        EXPORT = "EXPORT", _("엑셀 다운로드")

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("대기 중")
        RUNNING = "RUNNING", _("진행 중")
        SUCCEEDED = "SUCCEEDED", _("완료")
        FAILED = "FAILED", _("실패")

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    kind = models.CharField(_("종류"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("제목"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("요청한 사용자"),
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("처리한 행"), default=0)
    total = models.PositiveIntegerField(_("전체 행"), default=0)
    message = models.CharField(_("메시지"), max_length=500, blank=True)
    #: what the runner needs: the upload's name, the list's query string, the file name, ...
    params = models.JSONField(default=dict, blank=True)
    #: names of the encrypted files under VAR_DIR/jobs (core.files.jobs)
    input_file = models.CharField(max_length=100, blank=True)
    result_file = models.CharField(max_length=100, blank=True)
    result_name = models.CharField(_("결과 파일 이름"), max_length=200, blank=True)
    error_count = models.PositiveIntegerField(_("오류 수"), default=0)
    created_at = models.DateTimeField(_("요청 시각"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("시작 시각"), null=True, blank=True)
    finished_at = models.DateTimeField(_("끝난 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("백그라운드 작업")
        verbose_name_plural = pgettext_lazy("plural", "백그라운드 작업")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)


from core.outbound.models import WebhookAttempt, WebhookEndpoint, WebhookMessage  # noqa: E402,F401
