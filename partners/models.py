"""Partners (파트너): businesses, withholding-tax individuals (freelancers) and other individuals,
with their settlement bank account, contact, tags, default contract and user-defined properties.
docs/partners.md#partners.

Versioned like policies (core.versioning). Account numbers and birth dates are encrypted at rest
(core.crypto); lists show them masked and search them through a blind index or the last 4 digits.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.audit import audit_history
from core.crypto import EncryptedCharField, blind_index, mask
from core.versioning.models import VersionBase, Versioned
from partners.domain.accounts import mask_birthdate
from partners.domain.banks import BANK_CHOICES


class PartnerStatus(models.TextChoices):
    PENDING = "PENDING", _("승인 대기")
    APPROVED = "APPROVED", _("승인 완료")
    REJECTED = "REJECTED", _("승인 거절")


class PartnerType(models.TextChoices):
    BUSINESS = "BUSINESS", _("사업자")
    WHT_PAYER = "WHT_PAYER", _("원천징수 대상자")
    NON_WHT_PAYER = "NON_WHT_PAYER", _("원천징수 비대상자")


class TaxationType(models.TextChoices):
    NORMAL = "NORMAL", _("일반과세")
    SIMPLE_TAX_INVOICE_ISSUER = "SIMPLE_TAX_INVOICE_ISSUER", _("간이과세(세금계산서 발행)")
    SIMPLE = "SIMPLE", _("간이과세(세금계산서 미발행)")
    TAX_FREE = "TAX_FREE", _("면세")


class BusinessStatus(models.TextChoices):
    NOT_VERIFIED = "NOT_VERIFIED", _("미확인")
    VERIFY_ERROR = "VERIFY_ERROR", _("확인 오류")
    NOT_FOUND = "NOT_FOUND", _("미등록")
    IN_BUSINESS = "IN_BUSINESS", _("계속사업자")
    CLOSED = "CLOSED", _("폐업")
    SUSPENDED = "SUSPENDED", _("휴업")


class AccountStatus(models.TextChoices):
    VERIFIED = "VERIFIED", _("인증 완료")
    VERIFY_FAILED = "VERIFY_FAILED", _("예금주 불일치")
    VERIFY_ERROR = "VERIFY_ERROR", _("인증 오류")
    NOT_VERIFIED = "NOT_VERIFIED", _("미인증")
    UNKNOWN = "UNKNOWN", _("알 수 없음")


class ConnectionStatus(models.TextChoices):
    NOT_CONNECTED = "NOT_CONNECTED", _("미연동")
    CONNECT_PENDING = "CONNECT_PENDING", _("연동 대기")
    CONNECTED = "CONNECTED", _("연동 완료")
    CONNECT_FAILED = "CONNECT_FAILED", _("연동 실패")
    DISCONNECT_PENDING = "DISCONNECT_PENDING", _("연동 해제 대기")


class UserDefinedProperty(models.Model):
    """A partner property the platform declares (사용자 정의 속성); string values on the wire."""

    class ValueType(models.TextChoices):
        STRING = "STRING", _("문자열")

    key = models.CharField(_("키"), max_length=50, unique=True)
    label = models.CharField(_("표시 이름"), max_length=100)
    value_type = models.CharField(
        _("값 종류"), max_length=10, choices=ValueType.choices, default=ValueType.STRING
    )

    class Meta:
        verbose_name = _("사용자 정의 속성")
        verbose_name_plural = pgettext_lazy("plural", "사용자 정의 속성")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.label} ({self.key})"


class Partner(Versioned):
    status = models.CharField(
        _("승인 상태"), max_length=10, choices=PartnerStatus.choices, default=PartnerStatus.APPROVED
    )
    name = models.CharField(_("이름"), max_length=200)
    memo = models.CharField(_("메모"), max_length=256, blank=True, null=True)
    tags = models.JSONField(_("태그"), default=list, blank=True)
    default_contract = models.ForeignKey(
        "policies.Contract",
        verbose_name=_("기본 계약"),
        on_delete=models.PROTECT,
        related_name="partners",
    )
    user_defined_properties = models.JSONField(_("사용자 정의 속성"), default=dict, blank=True)

    contact_name = models.CharField(_("담당자 이름"), max_length=100)
    contact_email = models.EmailField(_("담당자 이메일"))
    contact_phone = models.CharField(_("담당자 전화번호"), max_length=30, blank=True, null=True)

    bank = models.CharField(_("은행"), max_length=30, choices=BANK_CHOICES)
    account_currency = models.CharField(_("통화"), max_length=3, default="KRW")
    account_number = EncryptedCharField(_("계좌번호"))
    account_number_index = models.CharField(max_length=64, editable=False)  # indexed in Meta
    account_number_last4 = models.CharField(max_length=4, editable=False)  # indexed in Meta
    account_holder = models.CharField(_("예금주"), max_length=100)
    account_status = models.CharField(
        _("계좌 인증"),
        max_length=15,
        choices=AccountStatus.choices,
        default=AccountStatus.NOT_VERIFIED,
    )
    account_verified_at = models.DateTimeField(_("계좌 확인 시각"), null=True, blank=True)
    account_verification_message = models.CharField(_("계좌 확인 결과"), max_length=200, blank=True)

    partner_type = models.CharField(_("유형"), max_length=15, choices=PartnerType.choices)
    company_name = models.CharField(_("상호"), max_length=200, blank=True, null=True)
    # indexed in Meta
    business_registration_number = models.CharField(
        _("사업자등록번호"), max_length=10, blank=True, null=True
    )
    representative_name = models.CharField(_("대표자"), max_length=100, blank=True, null=True)
    taxation_type = models.CharField(
        _("과세 유형"), max_length=30, choices=TaxationType.choices, blank=True, null=True
    )
    company_address = models.CharField(_("사업장 주소"), max_length=300, blank=True, null=True)
    business_type = models.CharField(_("업태"), max_length=100, blank=True, null=True)
    business_class = models.CharField(_("종목"), max_length=100, blank=True, null=True)
    business_status = models.CharField(
        _("사업자 상태"),
        max_length=15,
        choices=BusinessStatus.choices,
        default=BusinessStatus.NOT_VERIFIED,
    )
    business_verified_at = models.DateTimeField(_("사업자 확인 시각"), null=True, blank=True)
    member_company_connection_status = models.CharField(
        _("국세청 연동"),
        max_length=20,
        choices=ConnectionStatus.choices,
        default=ConnectionStatus.NOT_CONNECTED,
    )
    member_company_connection_failed_reason = models.CharField(
        _("연동 실패 사유"), max_length=200, blank=True, null=True
    )
    birthdate = EncryptedCharField(_("생년월일"), blank=True, null=True)

    #: the type details only a business has
    BUSINESS_TERMS = (
        "company_name",
        "business_registration_number",
        "representative_name",
        "taxation_type",
        "company_address",
        "business_type",
        "business_class",
    )
    TERMS = (
        "name",
        "memo",
        "tags",
        "default_contract_id",
        "user_defined_properties",
        "contact_name",
        "contact_email",
        "contact_phone",
        "bank",
        "account_currency",
        "account_number",
        "account_holder",
        "partner_type",
        *BUSINESS_TERMS,
        "birthdate",
    )

    # The history table is read by partner id and date only; an index on its contract column
    # would only slow down imports.
    history = audit_history(
        excluded_fields=["account_number_index"], no_db_index=["default_contract"]
    )

    class Meta:
        verbose_name = _("파트너")
        verbose_name_plural = pgettext_lazy("plural", "파트너")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_for_test", "public_id"], name="partner_unique_id"),
        ]
        # Plain btree indexes instead of db_index=True, which on PostgreSQL adds a
        # varchar_pattern_ops twin for LIKE 'abc%' that no query here makes (the blind index is
        # matched exactly; last-4 digits and BRNs are searched with endswith/contains, which no
        # btree serves) and which simple_history copies onto the history table, where nothing
        # searches by them. Every index is paid on every write: ~0.18 s of database CPU per
        # index per 100k imported partners.
        indexes = [
            models.Index(fields=["account_number_index"], name="partner_account_index"),
            models.Index(fields=["account_number_last4"], name="partner_account_last4"),
            models.Index(fields=["business_registration_number"], name="partner_brn"),
        ]
        permissions = [("view_partner_personal_data", _("파트너 계좌번호·생년월일 전체 보기"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    def save(self, *args, **kwargs):
        number = self.account_number or ""
        self.account_number_index = blind_index(number) if number else ""
        self.account_number_last4 = "".join(ch for ch in number if ch.isdigit())[-4:]
        super().save(*args, **kwargs)

    @property
    def masked_account_number(self) -> str:
        return mask(self.account_number)

    @property
    def masked_birthdate(self) -> str:
        return mask_birthdate(self.birthdate)


class PartnerVersion(VersionBase):
    entity = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="versions")

    class Meta(VersionBase.Meta):
        verbose_name = _("파트너 버전")
        verbose_name_plural = pgettext_lazy("plural", "파트너 버전")


class AccountVerification(models.Model):
    """A completed account-holder lookup (예금주 조회), consumable once by a partner write."""

    public_id = models.CharField(max_length=40, unique=True)
    is_for_test = models.BooleanField(default=False)
    bank = models.CharField(max_length=30)
    account_number_index = models.CharField(max_length=64)
    holder_name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("예금주 조회 기록")
        verbose_name_plural = pgettext_lazy("plural", "예금주 조회 기록")

    def __str__(self) -> str:
        return self.public_id


class CompanyVerification(models.Model):
    """A completed business-status lookup (휴폐업 조회), consumable once; also the lookup cache."""

    public_id = models.CharField(max_length=40, unique=True)
    is_for_test = models.BooleanField(default=False)
    business_registration_number = models.CharField(max_length=10, db_index=True)
    status = models.CharField(max_length=15, choices=BusinessStatus.choices)
    taxation_type = models.CharField(max_length=40, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("휴폐업 조회 기록")
        verbose_name_plural = pgettext_lazy("plural", "휴폐업 조회 기록")

    def __str__(self) -> str:
        return self.public_id


class PartnerTag(models.Model):
    """Search index of a partner's current tags (the JSON list is the source of truth): lets
    `tags` filters run as plain SQL on every database."""

    # no index of its own: the unique (partner, tag) index below serves lookups by partner
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="tag_rows", db_index=False
    )
    tag = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "tag"], name="partner_tag_unique"),
        ]
        # tag filters are exact (tag IN ...): a plain btree, no LIKE twin (see Partner.Meta)
        indexes = [models.Index(fields=["tag"], name="partner_tag_tag")]

    def __str__(self) -> str:
        return self.tag
