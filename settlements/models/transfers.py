"""Transfers (정산건) and the settlement parameters they may carry.

A transfer's status is derived, not stored (docs/statuses.md): SETTLED follows from the
settlement date, and from there the payout stage is read from its partner settlement. The column
`stored_status` keeps only what was written (SCHEDULED, IN_PROCESS or SETTLED at creation, or
IN_PROCESS when the start date came); `Transfer.status` and `Transfer.objects.in_status()` give
the real one. Filtering on the stored column for a status gives wrong money, so it is not named
`status`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.audit import audit_history
from settlements.models.amounts import AMOUNT_COLUMNS, AMOUNT_FIELDS, AmountColumns
from settlements.models.partner_settlements import PartnerSettlement
from settlements.models.payments import Payment
from settlements.models.statuses import SETTLEMENT_TRANSFER_STATUS, TransferStatus, TransferType


def settled_q(today: date | None = None) -> Q:
    """Transfers that have reached SETTLED (docs/statuses.md#transfer-statuses): stored so (created
    on or after their settlement date), or IN_PROCESS whose settlement date has come. The second is
    not written back: moving 10^6 rows a day from IN_PROCESS to SETTLED was a 30 s UPDATE of the
    widest table, for a fact the date already states. "Today" is the KST date."""
    today = today or timezone.localdate()
    return Q(stored_status=TransferStatus.SETTLED) | Q(
        stored_status=TransferStatus.IN_PROCESS, settlement_date__lte=today
    )


def transfer_status_q(statuses: Iterable[str], today: date | None = None) -> Q:
    """Transfers whose status, as the API shows it (`Transfer.status`), is one of these:
    SETTLED by date (`settled_q`), and from there the payout stage of the partner settlement.
    Rows stored with a payout status (before it was derived) count too."""
    today = today or timezone.localdate()
    taken = tuple(SETTLEMENT_TRANSFER_STATUS)
    q = Q(pk__in=[])
    for status in sorted(set(statuses)):
        if status == TransferStatus.SETTLED:
            q |= settled_q(today) & ~Q(partner_settlement__status__in=taken)
        elif status == TransferStatus.IN_PROCESS:
            q |= Q(stored_status=status, settlement_date__gt=today)
        elif status in SETTLEMENT_TRANSFER_STATUS.values():
            sources = [s for s, t in SETTLEMENT_TRANSFER_STATUS.items() if t == status]
            q |= Q(stored_status=status) | (
                settled_q(today) & Q(partner_settlement__status__in=sources)
            )
        else:
            q |= Q(stored_status=status)
    return q


# --- snapshot parts: what many transfers embed unchanged, stored once -----------------------------

#: A stored snapshot / calc_input with this top-level key holds references to parts.
PARTS_MARKER = "$parts"
#: A reference: {"$part": digest} (plus "id" for policies, so the list filters still find them).
PART_KEY = "$part"
#: Stored instead of a bulk-created snapshot's "amount", which repeats the amount columns; put
#: back from them when the transfer is read (`Transfer.from_db`).
AMOUNT_FROM_COLUMNS = {"$columns": "amount"}


def _jsonb_order(key: str) -> tuple[int, bytes]:
    """PostgreSQL's jsonb key order (shorter keys first, then bytewise): the order the API saw
    when the amount was stored in the snapshot, kept so its output stays byte-identical."""
    raw = key.encode()
    return len(raw), raw


_AMOUNT_WIRE = sorted([*AMOUNT_FIELDS, "userDefinedFormulas"], key=_jsonb_order)


def amount_snapshot_from_columns(transfer: Any) -> dict[str, Any]:
    """The snapshot's "amount" (settlements.services.rules.amount_snapshot) from the columns."""
    deferred = transfer.get_deferred_fields() & set(AMOUNT_COLUMNS)
    if deferred:
        transfer.refresh_from_db(fields=sorted(deferred))  # one query, not one per column
    values = transfer.__dict__
    return {
        wire: {} if wire == "userDefinedFormulas" else values[f"amount_{AMOUNT_FIELDS[wire]}"]
        for wire in _AMOUNT_WIRE
    }


class SnapshotPart(models.Model):
    """A JSON object that many transfers embed unchanged — a contract or policy version as it
    was frozen into their snapshots, the calculation terms of a contract and its policies —
    stored once under the digest of its text (content-addressed: a digest always means the same
    object, so readers cache parts forever). Bulk-created transfers reference parts instead of
    copying them (1.86 KB rows became ~1.1 KB for 10^5 order transfers, issue 13); reading a
    transfer puts them back (`PartsJSONField`), so everything above the model sees the snapshot
    it always saw."""

    digest = models.CharField(max_length=32, primary_key=True)
    value = models.JSONField()

    class Meta:
        verbose_name = _("스냅숏 조각")
        verbose_name_plural = pgettext_lazy("plural", "스냅숏 조각")

    def __str__(self) -> str:
        return self.digest


def part_digest(text: str) -> str:
    """The digest of a part's JSON text (128 bits of SHA-256)."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


_PART_TEXTS: dict[str, str] = {}  # digest -> JSON text, for this process's lifetime


def _part_texts(digests: set[str]) -> dict[str, str]:
    missing = digests - _PART_TEXTS.keys()
    if missing:
        for digest, value in SnapshotPart.objects.filter(digest__in=missing).values_list(
            "digest", "value"
        ):
            _PART_TEXTS[digest] = json.dumps(value)
    return _PART_TEXTS


def _references(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        digest = value.get(PART_KEY)
        if isinstance(digest, str):
            found.add(digest)
            return
        for item in value.values():
            _references(item, found)
    elif isinstance(value, list):
        for item in value:
            _references(item, found)


def _expand(value: Any, texts: dict[str, str]) -> Any:
    if isinstance(value, dict):
        digest = value.get(PART_KEY)
        if isinstance(digest, str):
            return json.loads(texts[digest])  # a fresh copy: callers may change theirs
        return {key: _expand(item, texts) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item, texts) for item in value]
    return value


def expand_parts(value: Any) -> Any:
    """A stored snapshot / calc_input with its part references replaced by the parts (values
    without the marker are returned as they are: rows saved one by one, rows from before)."""
    if not isinstance(value, dict) or PARTS_MARKER not in value:
        return value
    digests: set[str] = set()
    _references(value, digests)
    texts = _part_texts(digests)
    lost = digests - texts.keys()
    if lost:
        raise LookupError(f"snapshot parts missing: {sorted(lost)}")
    return {key: _expand(item, texts) for key, item in value.items() if key != PARTS_MARKER}


class PartsJSONField(models.JSONField):
    """A JSONField whose stored value may reference `SnapshotPart`s; read, it is whole again.
    Written through the ORM it is stored whole (only the bulk writer stores references)."""

    def from_db_value(self, value, expression, connection):
        return expand_parts(super().from_db_value(value, expression, connection))


class TransferQuerySet(models.QuerySet):
    def in_status(self, *statuses: str, today: date | None = None) -> TransferQuerySet:
        """Transfers whose status (`Transfer.status`, as the API shows it) is one of these."""
        return self.filter(transfer_status_q(statuses, today))

    def settled(self, today: date | None = None) -> TransferQuerySet:
        """Transfers that have reached SETTLED, whatever payout stage they are in since."""
        return self.filter(settled_q(today))


class Transfer(AmountColumns):
    """정산건: one ORDER, ORDER_CANCEL or MANUAL transfer to a partner."""

    public_id = models.CharField(_("아이디"), max_length=100)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    type = models.CharField(_("유형"), max_length=12, choices=TransferType.choices)
    #: what was last written, not the status (see the module docstring and `status`)
    stored_status = models.CharField(
        _("저장된 상태"), max_length=16, choices=TransferStatus.choices
    )
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("파트너"),
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    contract = models.ForeignKey(
        "policies.Contract",
        verbose_name=_("계약"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
    )
    settlement_start_date = models.DateField(_("정산 시작일"), null=True, blank=True)
    settlement_date = models.DateField(_("정산일"))
    settlement_date_explicit = models.BooleanField(default=False)
    settlement_currency = models.CharField(_("통화"), max_length=3, default="KRW")
    memo = models.CharField(_("메모"), max_length=256, blank=True, null=True)
    user_defined_properties = models.JSONField(_("사용자 정의 속성"), default=list, blank=True)
    parameters = models.JSONField(_("정산 파라미터"), default=dict, blank=True)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("결제"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
    )
    payment_public_id = models.CharField(_("결제 아이디"), max_length=200, blank=True)
    original = models.ForeignKey(
        "self",
        verbose_name=_("원 주문 정산건"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cancel_transfers",
        db_index=False,  # the partial index in Meta: only cancels have an original
    )
    cancellation_id = models.CharField(_("취소 아이디"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("취소 시각"), null=True, blank=True)
    #: wire-format snapshot: contract, payment, orderLines, discounts, additionalFees
    snapshot = PartsJSONField(default=dict, blank=True)
    #: what the calculation needs to recompute or cancel: order input and policy terms
    calc_input = PartsJSONField(default=dict, blank=True)
    partner_settlement = models.ForeignKey(
        PartnerSettlement,
        verbose_name=_("정산 내역"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transfers",
    )
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    objects = TransferQuerySet.as_manager()
    history = audit_history()

    class Meta:
        verbose_name = _("정산건")
        verbose_name_plural = pgettext_lazy("plural", "정산건")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_for_test", "public_id"], name="transfer_unique_id"),
        ]
        indexes = [
            models.Index(
                fields=["stored_status", "settlement_date"], name="transfer_status_date_idx"
            ),
            models.Index(
                fields=["is_for_test", "partner", "payment_public_id"], name="transfer_payment_idx"
            ),
            # A plain b-tree for `paymentId` filters. (db_index=True would add a second,
            # varchar_pattern_ops copy for LIKE 'x%' that no query uses: one index less to
            # maintain on every bulk insert.)
            models.Index(fields=["payment_public_id"], name="transfer_payment_public_id_idx"),
            # Only ORDER_CANCEL transfers have an original: ORDER rows (most of a bulk insert)
            # add no entry. `original_id = x` lookups imply NOT NULL, so they use it.
            models.Index(
                fields=["original"],
                condition=Q(original__isnull=False),
                name="transfer_original_idx",
            ),
            # The API's transfer summaries and the admin list read newest first within a
            # namespace: without it, one page at 10^7 transfers sorted every row (126 s; 4.2 s
            # with it, docs/scale.md).
            models.Index(
                fields=["is_for_test", "-created_at", "-id"], name="transfer_test_created_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.public_id}"

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        snapshot = obj.__dict__.get("snapshot")
        if type(snapshot) is dict and snapshot.get("amount") == AMOUNT_FROM_COLUMNS:
            snapshot["amount"] = amount_snapshot_from_columns(obj)
        return obj

    @property
    def status(self) -> str:
        """The status the API shows: SETTLED once the settlement date has come (`settled_q`),
        and from there the payout stage of its partner settlement (SETTLEMENT_TRANSFER_STATUS);
        else the stored one. Select `partner_settlement` along with lists of transfers."""
        status = self.stored_status
        if status == TransferStatus.IN_PROCESS and self.settlement_date <= timezone.localdate():
            status = TransferStatus.SETTLED
        if status == TransferStatus.SETTLED and self.partner_settlement_id is not None:
            return SETTLEMENT_TRANSFER_STATUS.get(self.partner_settlement.status, status)
        return status

    def get_status_display(self) -> str:
        return str(TransferStatus(self.status).label)


class SettlementParameter(models.Model):
    """A settlement parameter key transfers may carry (`parameters {key: {decimal}}`)."""

    key = models.CharField(_("키"), max_length=50, unique=True)
    label = models.CharField(_("표시 이름"), max_length=100)

    class Meta:
        verbose_name = _("정산 파라미터")
        verbose_name_plural = pgettext_lazy("plural", "정산 파라미터")

    def __str__(self) -> str:
        return self.key
