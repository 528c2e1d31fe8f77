"""Tax invoices (세금계산서·계산서), their bulk requests, counterparties (거래처) and our own
company (자사). docs/invoices.md.

* `TaxInvoice` keeps what the NTS document says: both parties as snapshots at drafting (`supplier`,
  `recipient`: the SDK's B2bTaxInvoiceCompany in camelCase) and flat columns of what lists filter
  and sort on; items, remarks and additional contacts as JSON (what the SDK sends, validated).
* `TaxInvoiceEvent` is the history: one row per action, status before and after, who, why. It is
  the audit trail of invoices (no django-simple-history copy of 100,000 rows per bulk request).
* `Counterparty` is a company we exchange invoices with; a partner connected to the NTS is one,
  linked by `partner` (and edited through the partner).
* `OwnCompany` is the one profile of the platform itself: recipient of REVERSE invoices, default
  supplier of NORMAL ones.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from ulid import ULID

from core.audit import audit_history
from invoices.domain.statuses import (
    LABELS,
    Action,
    BulkSourceType,
    BulkStatus,
    DocumentModificationType,
    IssuanceType,
    ModificationType,
    NtsConnectionStatus,
    PurposeType,
    Status,
    TaxationType,
)


def new_public_id() -> str:
    return str(ULID())


def _choices(enum_cls, labels: dict | None = None) -> list[tuple[str, str]]:
    return [(m.value, (labels or {}).get(m, m.value)) for m in enum_cls]


STATUS_CHOICES = _choices(Status, LABELS)
ISSUANCE_TYPE_CHOICES = [(IssuanceType.NORMAL, _("정발행")), (IssuanceType.REVERSE, _("역발행"))]
TAXATION_TYPE_CHOICES = [
    (TaxationType.TAXABLE, _("과세")),
    (TaxationType.ZERO_RATED, _("영세")),
    (TaxationType.FREE, _("면세")),
]
PURPOSE_TYPE_CHOICES = [
    (PurposeType.RECEIPT, _("영수")),
    (PurposeType.INVOICE, _("청구")),
    (PurposeType.NONE, _("없음")),
]
DOCUMENT_MODIFICATION_CHOICES = [
    (DocumentModificationType.NORMAL, _("일반")),
    (DocumentModificationType.MODIFICATION, _("수정")),
]
MODIFICATION_TYPE_CHOICES = [
    (ModificationType.CORRECTION_OF_ENTRY_ERRORS, _("기재사항 착오·정정")),
    (ModificationType.CHANGE_IN_SUPPLY_COST, _("공급가액 변동")),
    (ModificationType.RETURN, _("환입")),
    (ModificationType.CANCELLATION_OF_CONTRACT, _("계약의 해제")),
    (ModificationType.DUPLICATE_ISSUANCE_DUE_TO_ERROR, _("착오에 의한 이중발급")),
    (ModificationType.LOCAL_LETTER_OF_CREDIT_OPENED_LATE, _("내국신용장 사후 개설")),
]
NTS_CONNECTION_CHOICES = [
    (NtsConnectionStatus.NOT_CONNECTED, _("미연동")),
    (NtsConnectionStatus.PENDING_CONNECT, _("연동 대기")),
    (NtsConnectionStatus.CONNECTED, _("연동 완료")),
    (NtsConnectionStatus.PENDING_DISCONNECT, _("연동 해제 대기")),
    (NtsConnectionStatus.ERROR, _("연동 오류")),
]


class BusinessStatus(models.TextChoices):
    """B2bCounterpartyBusinessStatus (SDK 0.21.0)."""

    UNKNOWN = "UNKNOWN", _("알 수 없음")
    IN_BUSINESS = "IN_BUSINESS", _("계속사업자")
    CLOSED = "CLOSED", _("폐업")
    SUSPENDED = "SUSPENDED", _("휴업")
    NOT_FOUND = "NOT_FOUND", _("미등록")
    CHECK_PENDING = "CHECK_PENDING", _("확인 중")
    CHECK_FAILED = "CHECK_FAILED", _("확인 실패")


class CompanyTaxationType(models.TextChoices):
    """The taxation type of a company (사업자 과세유형): decides 세금계산서 or 계산서."""

    NORMAL = "NORMAL", _("일반과세")
    SIMPLE_TAX_INVOICE_ISSUER = "SIMPLE_TAX_INVOICE_ISSUER", _("간이과세(세금계산서 발행)")
    SIMPLE = "SIMPLE", _("간이과세(세금계산서 미발행)")
    TAX_FREE = "TAX_FREE", _("면세")


class OwnCompany(models.Model):
    """자사: the platform as a party of its invoices. One row (pk 1), created by the migration from
    the OWN_COMPANY_* settings, edited in the admin (docs/invoices.md#own-company)."""

    brn = models.CharField(_("사업자등록번호"), max_length=10)
    tax_registration_id = models.CharField(_("종사업장 번호"), max_length=4, blank=True, default="")
    company_name = models.CharField(_("상호"), max_length=200)
    representative_name = models.CharField(_("대표자"), max_length=100)
    address = models.CharField(_("주소"), max_length=300, blank=True, default="")
    business_type = models.CharField(_("업태"), max_length=100, blank=True, default="")
    business_class = models.CharField(_("종목"), max_length=100, blank=True, default="")
    taxation_type = models.CharField(
        _("과세 유형"),
        max_length=30,
        choices=CompanyTaxationType.choices,
        default=CompanyTaxationType.NORMAL,
    )
    contact_name = models.CharField(_("담당자 이름"), max_length=100, blank=True, default="")
    contact_department = models.CharField(_("담당 부서"), max_length=100, blank=True, default="")
    contact_email = models.EmailField(_("담당자 이메일"), blank=True, default="")
    contact_phone = models.CharField(_("담당자 전화번호"), max_length=30, blank=True, default="")
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    history = audit_history()

    class Meta:
        verbose_name = _("자사 정보")
        verbose_name_plural = pgettext_lazy("plural", "자사 정보")

    def __str__(self) -> str:
        return f"{self.company_name} ({self.brn})"


class Counterparty(models.Model):
    """거래처 (B2bCounterparty). Soft-deleted (`deleted_at`): an id once used stays taken, and a
    partner-made one is never reusable (B2B_COUNTERPARTY_ID_ALREADY_EXISTS_BY_PARTNER)."""

    public_id = models.CharField(_("아이디"), max_length=100, default=new_public_id)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    brn = models.CharField(_("사업자등록번호"), max_length=10)
    tax_registration_id = models.CharField(_("종사업장 번호"), max_length=4, blank=True, default="")
    company_name = models.CharField(_("상호"), max_length=200)
    representative_name = models.CharField(_("대표자"), max_length=100)
    address = models.CharField(_("주소"), max_length=300, blank=True, null=True)
    business_type = models.CharField(_("업태"), max_length=100, blank=True, null=True)
    business_class = models.CharField(_("종목"), max_length=100, blank=True, null=True)
    taxation_type = models.CharField(
        _("과세 유형"), max_length=30, choices=CompanyTaxationType.choices, blank=True, null=True
    )
    contact_name = models.CharField(_("담당자 이름"), max_length=100)
    contact_email = models.EmailField(_("담당자 이메일"))
    contact_phone = models.CharField(_("담당자 전화번호"), max_length=30, blank=True, null=True)
    contact_memo = models.CharField(_("담당자 메모"), max_length=256, blank=True, null=True)
    #: up to 5 `{name, email, phoneNumber?, memo?}`
    additional_contacts = models.JSONField(_("추가 담당자"), default=list, blank=True)
    memo = models.CharField(_("메모"), max_length=256, blank=True, null=True)
    partner = models.OneToOneField(
        "partners.Partner",
        verbose_name=_("파트너"),
        on_delete=models.PROTECT,
        related_name="counterparty",
        null=True,
        blank=True,
    )
    nts_connection_status = models.CharField(
        _("국세청 연동"),
        max_length=20,
        choices=NTS_CONNECTION_CHOICES,
        default=NtsConnectionStatus.NOT_CONNECTED,
    )
    nts_connected_at = models.DateTimeField(_("연동 시각"), null=True, blank=True)
    nts_connection_failed_reason = models.CharField(
        _("연동 실패 사유"), max_length=300, blank=True, null=True
    )
    nts_connection_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    business_status = models.CharField(
        _("휴폐업 상태"), max_length=20, choices=BusinessStatus.choices, blank=True, null=True
    )
    business_status_checked_at = models.DateTimeField(_("휴폐업 조회 시각"), null=True, blank=True)
    closed_suspended_date = models.DateField(_("휴폐업일"), null=True, blank=True)
    business_status_verification_id = models.CharField(max_length=40, blank=True, null=True)
    business_info_verification_id = models.CharField(max_length=40, blank=True, null=True)
    # 공동인증서 (certificate) registered for signing, if any
    certificate_registered_at = models.DateTimeField(_("인증서 등록 시각"), null=True, blank=True)
    certificate_expires_at = models.DateTimeField(_("인증서 만료 시각"), null=True, blank=True)
    certificate_issuer = models.CharField(_("인증서 발급자"), max_length=200, blank=True, null=True)
    certificate_subject = models.CharField(_("인증서 주체"), max_length=200, blank=True, null=True)
    certificate_type = models.CharField(_("인증서 종류"), max_length=10, blank=True, null=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(_("삭제 시각"), null=True, blank=True)
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    history = audit_history()

    class Meta:
        verbose_name = _("거래처")
        verbose_name_plural = pgettext_lazy("plural", "거래처")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_for_test", "public_id"], name="counterparty_unique_id"
            ),
        ]
        indexes = [
            models.Index(fields=["is_for_test", "brn"], name="counterparty_brn_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.brn})"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class BulkTaxInvoice(models.Model):
    """일괄 세금계산서 (B2bBulkTaxInvoice): invoices requested together, from payouts (PLATFORM) or
    an uploaded sheet (SHEET). Counts by status are read from its invoices (a GROUP BY)."""

    public_id = models.CharField(_("아이디"), max_length=100, default=new_public_id)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    name = models.CharField(_("이름"), max_length=200, blank=True, null=True)
    status = models.CharField(
        _("상태"), max_length=20, choices=_choices(BulkStatus), default=BulkStatus.REQUEST_PENDING
    )
    status_updated_at = models.DateTimeField(_("상태 변경 시각"))
    source_type = models.CharField(
        _("생성 방식"),
        max_length=10,
        choices=[(BulkSourceType.SHEET, _("엑셀")), (BulkSourceType.PLATFORM, _("지급 데이터"))],
    )
    issuance_type = models.CharField(
        _("발행 유형"), max_length=10, choices=ISSUANCE_TYPE_CHOICES, default=IssuanceType.REVERSE
    )
    bulk_payout = models.ForeignKey(
        "payouts.BulkPayout",
        verbose_name=_("일괄 지급"),
        on_delete=models.PROTECT,
        related_name="bulk_tax_invoices",
        null=True,
        blank=True,
    )
    total_invoice_count = models.PositiveIntegerField(_("세금계산서 수"), default=0)
    total_amount = models.BigIntegerField(_("합계금액"), default=0)
    scheduled_at = models.DateTimeField(_("예약 시각"), null=True, blank=True)
    requested_at = models.DateTimeField(_("요청 시각"), null=True, blank=True)
    #: what to build, kept while the bulk is prepared in the background
    selection = models.JSONField(null=True, blank=True, editable=False)
    error = models.CharField(_("실패 사유"), max_length=500, blank=True, default="")
    creator_name = models.CharField(_("생성자"), max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    class Meta:
        verbose_name = _("일괄 세금계산서")
        verbose_name_plural = pgettext_lazy("plural", "일괄 세금계산서")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_for_test", "public_id"], name="bulk_tax_invoice_unique_id"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.public_id


class TaxInvoice(models.Model):
    """One 세금계산서 or 계산서 (B2bTaxInvoice). Amounts are integer KRW; negative only in
    modifications. `deleted_at` hides it from reads (DELETE keeps the row and its history)."""

    public_id = models.CharField(_("아이디"), max_length=100, default=new_public_id)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    status = models.CharField(_("상태"), max_length=20, choices=STATUS_CHOICES)
    status_updated_at = models.DateTimeField(_("상태 변경 시각"))
    issuance_type = models.CharField(_("발행 유형"), max_length=10, choices=ISSUANCE_TYPE_CHOICES)
    taxation_type = models.CharField(_("과세 형태"), max_length=10, choices=TAXATION_TYPE_CHOICES)
    purpose_type = models.CharField(_("영수/청구"), max_length=10, choices=PURPOSE_TYPE_CHOICES)
    document_modification_type = models.CharField(
        _("문서 형태"),
        max_length=12,
        choices=DOCUMENT_MODIFICATION_CHOICES,
        default=DocumentModificationType.NORMAL,
    )
    write_date = models.DateField(_("작성일자"))
    issuance_due_date = models.DateField(_("발행 마감일"))
    total_supply_amount = models.BigIntegerField(_("공급가액"))
    total_tax_amount = models.BigIntegerField(_("세액"))
    total_amount = models.BigIntegerField(_("합계금액"))
    cash_amount = models.BigIntegerField(_("현금"), null=True, blank=True)
    check_amount = models.BigIntegerField(_("수표"), null=True, blank=True)
    credit_amount = models.BigIntegerField(_("외상미수금"), null=True, blank=True)
    note_amount = models.BigIntegerField(_("어음"), null=True, blank=True)
    serial_number = models.CharField(_("일련번호"), max_length=30, blank=True, null=True)
    book_volume = models.PositiveSmallIntegerField(_("책번호 권"), null=True, blank=True)
    book_issue = models.PositiveSmallIntegerField(_("책번호 호"), null=True, blank=True)
    remarks = models.JSONField(_("비고"), default=list, blank=True)
    #: B2bTaxInvoiceItem[] in camelCase (≤ 99)
    items = models.JSONField(_("품목"), default=list, blank=True)
    additional_contacts = models.JSONField(_("추가 담당자"), default=list, blank=True)
    send_sms = models.BooleanField(_("문자 발송"), default=False)

    #: B2bTaxInvoiceCompany snapshots (camelCase; contact included)
    supplier = models.JSONField(_("공급자"))
    recipient = models.JSONField(_("공급받는자"))
    supplier_brn = models.CharField(_("공급자 사업자번호"), max_length=10)
    supplier_name = models.CharField(_("공급자 상호"), max_length=200)
    supplier_representative_name = models.CharField(_("공급자 대표자"), max_length=100)
    supplier_email = models.CharField(_("공급자 이메일"), max_length=254, blank=True, default="")
    supplier_counterparty = models.ForeignKey(
        Counterparty,
        on_delete=models.PROTECT,
        related_name="supplied_invoices",
        null=True,
        blank=True,
    )
    recipient_brn = models.CharField(_("공급받는자 사업자번호"), max_length=10)
    recipient_name = models.CharField(_("공급받는자 상호"), max_length=200)
    recipient_representative_name = models.CharField(_("공급받는자 대표자"), max_length=100)
    recipient_counterparty = models.ForeignKey(
        Counterparty,
        on_delete=models.PROTECT,
        related_name="received_invoices",
        null=True,
        blank=True,
    )
    supplier_document_key = models.CharField(
        _("공급자 문서번호"), max_length=100, blank=True, null=True
    )
    recipient_document_key = models.CharField(
        _("공급받는자 문서번호"), max_length=100, blank=True, null=True
    )

    modification_type = models.CharField(
        _("수정 사유"), max_length=40, choices=MODIFICATION_TYPE_CHOICES, blank=True, null=True
    )
    original = models.ForeignKey(
        "self",
        verbose_name=_("원본"),
        on_delete=models.PROTECT,
        related_name="modifications",
        null=True,
        blank=True,
    )
    root = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    original_nts_approval_number = models.CharField(max_length=24, blank=True, null=True)

    memo = models.CharField(_("메모"), max_length=500, blank=True, null=True)
    #: the reason of the last refusal or cancellation (취소사유)
    cancel_reason = models.CharField(_("취소 사유"), max_length=500, blank=True, null=True)
    bulk = models.ForeignKey(
        BulkTaxInvoice,
        verbose_name=_("일괄 세금계산서"),
        on_delete=models.PROTECT,
        related_name="invoices",
        null=True,
        blank=True,
    )
    payout = models.ForeignKey(
        "payouts.Payout",
        verbose_name=_("지급"),
        on_delete=models.PROTECT,
        related_name="tax_invoices",
        null=True,
        blank=True,
    )

    drafted_at = models.DateTimeField(_("임시저장 시각"), null=True, blank=True)
    requested_at = models.DateTimeField(_("요청 시각"), null=True, blank=True)
    issued_at = models.DateTimeField(_("발행 시각"), null=True, blank=True)
    opened_at = models.DateTimeField(_("열람 시각"), null=True, blank=True)
    is_delayed = models.BooleanField(_("지연 발행"), null=True, blank=True)

    # NTS transmission (docs/invoices.md#transmission)
    nts_due_at = models.DateTimeField(_("국세청 전송 예정"), null=True, blank=True)
    nts_next_step_at = models.DateTimeField(null=True, blank=True, editable=False)
    nts_sent_at = models.DateTimeField(_("국세청 전송 시각"), null=True, blank=True)
    nts_approval_number = models.CharField(
        _("국세청 승인번호"), max_length=24, blank=True, null=True
    )
    nts_result = models.CharField(_("국세청 처리 결과"), max_length=300, blank=True, null=True)
    nts_result_code = models.CharField(_("국세청 결과 코드"), max_length=6, blank=True, null=True)
    nts_result_received_at = models.DateTimeField(null=True, blank=True)

    # the e-mailed link of a REVERSE request (docs/invoices.md#the-partner-page)
    link_version = models.PositiveIntegerField(default=0, editable=False)
    link_expires_at = models.DateTimeField(_("링크 만료"), null=True, blank=True)
    link_sent_count = models.PositiveIntegerField(_("요청 발송 횟수"), default=0)
    link_sent_at = models.DateTimeField(_("요청 발송 시각"), null=True, blank=True)

    deleted_at = models.DateTimeField(_("삭제 시각"), null=True, blank=True)
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    class Meta:
        verbose_name = _("세금계산서")
        verbose_name_plural = pgettext_lazy("plural", "세금계산서")
        ordering = ["-status_updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_for_test", "public_id"], name="tax_invoice_unique_id"
            ),
            models.UniqueConstraint(
                fields=["is_for_test", "supplier_brn", "supplier_document_key"],
                condition=Q(supplier_document_key__isnull=False),
                name="tax_invoice_unique_supplier_key",
            ),
            models.UniqueConstraint(
                fields=["is_for_test", "recipient_brn", "recipient_document_key"],
                condition=Q(recipient_document_key__isnull=False),
                name="tax_invoice_unique_recipient_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["is_for_test", "status_updated_at"], name="tax_invoice_updated_idx"
            ),
            models.Index(fields=["is_for_test", "write_date"], name="tax_invoice_write_idx"),
            models.Index(fields=["is_for_test", "created_at"], name="tax_invoice_created_idx"),
            models.Index(fields=["bulk", "status"], name="tax_invoice_bulk_idx"),
            models.Index(fields=["payout"], name="tax_invoice_payout_idx"),
            models.Index(fields=["supplier_brn"], name="tax_invoice_supplier_idx"),
            models.Index(fields=["nts_next_step_at"], name="tax_invoice_nts_step_idx"),
            models.Index(fields=["nts_due_at"], name="tax_invoice_nts_due_idx"),
        ]
        permissions = [
            ("issue_taxinvoice", _("세금계산서 요청·발행·취소")),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_name} → {self.recipient_name} ({self.public_id})"

    @property
    def document_title(self) -> str:
        """세금계산서 for TAXABLE and ZERO_RATED, 계산서 for FREE (docs/invoices.md, "Amounts,
        document type and due date")."""
        return "계산서" if self.taxation_type == TaxationType.FREE else "세금계산서"


class TaxInvoiceEvent(models.Model):
    """One line of an invoice's history: who did what, from which status to which."""

    invoice = models.ForeignKey(TaxInvoice, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("시각"))
    action = models.CharField(_("동작"), max_length=20, choices=_choices(Action))
    from_status = models.CharField(_("이전 상태"), max_length=20, blank=True, default="")
    to_status = models.CharField(_("상태"), max_length=20)
    #: "admin:<username>", "api:<secret name>", "partner:<brn>" (the e-mailed link), "system"
    actor = models.CharField(_("처리자"), max_length=200, blank=True, default="")
    memo = models.CharField(_("메모"), max_length=500, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("세금계산서 이력")
        verbose_name_plural = pgettext_lazy("plural", "세금계산서 이력")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["invoice", "at"], name="tax_invoice_event_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class UploadedFile(models.Model):
    """A file put to the URL of `POST /b2b/file-upload-url`, waiting to be attached."""

    public_id = models.CharField(max_length=40, unique=True, default=new_public_id)
    is_for_test = models.BooleanField(default=False)
    name = models.CharField(_("파일 이름"), max_length=255)
    content = models.BinaryField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True, default="")
    uploaded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("첨부 파일")
        verbose_name_plural = pgettext_lazy("plural", "첨부 파일")

    def __str__(self) -> str:
        return self.name


class TaxInvoiceAttachment(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=new_public_id)
    invoice = models.ForeignKey(TaxInvoice, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey(UploadedFile, on_delete=models.PROTECT, related_name="attachments")
    attached_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("세금계산서 첨부")
        verbose_name_plural = pgettext_lazy("plural", "세금계산서 첨부")
        ordering = ["attached_at", "id"]

    def __str__(self) -> str:
        return self.public_id


class Notification(models.Model):
    """An e-mail or messenger message about an invoice: queued in the caller's transaction, sent
    by a task (invoices.tasks.send_notifications), kept as the record of what was sent."""

    class Channel(models.TextChoices):
        EMAIL = "EMAIL", _("이메일")
        MESSENGER = "MESSENGER", _("알림톡")

    class State(models.TextChoices):
        QUEUED = "QUEUED", _("대기")
        SENT = "SENT", _("발송 완료")
        FAILED = "FAILED", _("발송 실패")

    invoice = models.ForeignKey(TaxInvoice, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(_("채널"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("종류"), max_length=30)  # e.g. REVERSE_REQUEST, ISSUED, REFUSED
    to = models.CharField(_("받는 사람"), max_length=254)
    state = models.CharField(_("상태"), max_length=10, choices=State.choices, default=State.QUEUED)
    error = models.CharField(_("실패 사유"), max_length=500, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("생성 시각"))
    sent_at = models.DateTimeField(_("발송 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("발송 기록")
        verbose_name_plural = pgettext_lazy("plural", "발송 기록")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="invoice_notification_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} → {self.to}"
