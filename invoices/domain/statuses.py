"""Tax-invoice statuses and which action each allows (docs/invoices.md#status-machine). Pure.

Spelled as SDK 0.21.0 spells them (B2bTaxInvoiceStatus, B2bBulkTaxInvoiceStatus,
B2bNtsConnectionStatus). The one table of allowed transitions is `ACTIONS`: services ask it, the
admin and the partner page ask it to decide which buttons to show.
"""

from __future__ import annotations

import enum


class Status(enum.StrEnum):
    DRAFTED = "DRAFTED"
    DRAFT_PENDING = "DRAFT_PENDING"
    DRAFT_FAILED = "DRAFT_FAILED"
    REQUESTED = "REQUESTED"
    REQUEST_PENDING = "REQUEST_PENDING"
    REQUEST_FAILED = "REQUEST_FAILED"
    REQUEST_CANCELLED = "REQUEST_CANCELLED"
    REQUEST_REFUSED = "REQUEST_REFUSED"
    ISSUED = "ISSUED"
    ISSUE_PENDING = "ISSUE_PENDING"
    ISSUE_FAILED = "ISSUE_FAILED"
    ISSUANCE_CANCELLED = "ISSUANCE_CANCELLED"
    CANCEL_PENDING = "CANCEL_PENDING"
    BEFORE_SENDING = "BEFORE_SENDING"
    WAITING_SENDING = "WAITING_SENDING"
    SENDING = "SENDING"
    SENDING_PENDING = "SENDING_PENDING"
    SENDING_COMPLETED = "SENDING_COMPLETED"
    SENDING_FAILED = "SENDING_FAILED"


LABELS: dict[Status, str] = {
    Status.DRAFTED: "임시저장",
    Status.DRAFT_PENDING: "임시저장 대기",
    Status.DRAFT_FAILED: "임시저장 실패",
    Status.REQUESTED: "역발행 요청",
    Status.REQUEST_PENDING: "역발행 요청 대기",
    Status.REQUEST_FAILED: "역발행 요청 실패",
    Status.REQUEST_CANCELLED: "요청 취소",
    Status.REQUEST_REFUSED: "발행 거부",
    Status.ISSUED: "발행 완료",
    Status.ISSUE_PENDING: "발행 대기",
    Status.ISSUE_FAILED: "발행 실패",
    Status.ISSUANCE_CANCELLED: "발행 취소",
    Status.CANCEL_PENDING: "취소 대기",
    Status.BEFORE_SENDING: "전송 전",
    Status.WAITING_SENDING: "전송 대기",
    Status.SENDING: "전송 중",
    Status.SENDING_PENDING: "국세청 전송 대기",
    Status.SENDING_COMPLETED: "전송 완료",
    Status.SENDING_FAILED: "전송 실패",
}


class IssuanceType(enum.StrEnum):
    NORMAL = "NORMAL"  # 정발행: we (or the given supplier) supply
    REVERSE = "REVERSE"  # 역발행: the partner supplies, we receive and request


class TaxationType(enum.StrEnum):
    TAXABLE = "TAXABLE"  # 과세
    ZERO_RATED = "ZERO_RATED"  # 영세
    FREE = "FREE"  # 면세 (a 계산서, not a 세금계산서)


class PurposeType(enum.StrEnum):
    RECEIPT = "RECEIPT"  # 영수
    INVOICE = "INVOICE"  # 청구
    NONE = "NONE"


class DocumentModificationType(enum.StrEnum):
    NORMAL = "NORMAL"
    MODIFICATION = "MODIFICATION"


class ModificationType(enum.StrEnum):
    """The six reasons of 부가가치세법 시행령 §70 (docs/invoices.md#modifications)."""

    CORRECTION_OF_ENTRY_ERRORS = "CORRECTION_OF_ENTRY_ERRORS"  # 기재사항 착오·정정
    CHANGE_IN_SUPPLY_COST = "CHANGE_IN_SUPPLY_COST"  # 공급가액 변동
    RETURN = "RETURN"  # 환입
    CANCELLATION_OF_CONTRACT = "CANCELLATION_OF_CONTRACT"  # 계약의 해제
    DUPLICATE_ISSUANCE_DUE_TO_ERROR = "DUPLICATE_ISSUANCE_DUE_TO_ERROR"  # 착오에 의한 이중발급
    # The law's sixth reason, which SDK 0.21.0 does not list (its enum is an open `str`, so the
    # SDK sends and reads it): 내국신용장 등 사후 개설 — the original cancelled in negative and a
    # zero-rated (영세율) copy issued, both with the original write date.
    LOCAL_LETTER_OF_CREDIT_OPENED_LATE = "LOCAL_LETTER_OF_CREDIT_OPENED_LATE"


class BulkStatus(enum.StrEnum):
    DRAFT_PENDING = "DRAFT_PENDING"
    DRAFTED = "DRAFTED"
    REQUEST_PENDING = "REQUEST_PENDING"
    ISSUE_PENDING = "ISSUE_PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class BulkSourceType(enum.StrEnum):
    SHEET = "SHEET"  # 엑셀 업로드
    PLATFORM = "PLATFORM"  # 지급 데이터 기반


class NtsConnectionStatus(enum.StrEnum):
    NOT_CONNECTED = "NOT_CONNECTED"
    PENDING_CONNECT = "PENDING_CONNECT"
    CONNECTED = "CONNECTED"
    PENDING_DISCONNECT = "PENDING_DISCONNECT"
    ERROR = "ERROR"


class Action(enum.StrEnum):
    """What a person or the system does to an invoice; each is one row of its history."""

    DRAFT = "DRAFT"
    UPDATE_DRAFT = "UPDATE_DRAFT"
    REQUEST = "REQUEST"  # 역발행 요청 (the platform, recipient)
    RESEND_REQUEST = "RESEND_REQUEST"  # the e-mail/messenger link again, renewed
    ISSUE = "ISSUE"  # 발행 (the supplier: the partner for REVERSE, we for NORMAL)
    REFUSE = "REFUSE"  # 발행 거부 (the partner, REVERSE)
    CANCEL_REQUEST = "CANCEL_REQUEST"  # 요청 취소 (the platform, REVERSE)
    CANCEL_ISSUANCE = "CANCEL_ISSUANCE"  # 발행 취소 before transmission (the supplier)
    SEND_TO_NTS = "SEND_TO_NTS"  # transmission started (schedule or send-to-nts)
    NTS_PROGRESS = "NTS_PROGRESS"  # the NTS provider reported a step
    DELETE = "DELETE"


#: action -> (statuses it is allowed from, the status it leads to). `None` as a source means a new
#: invoice; NTS_PROGRESS leads wherever the provider says (None).
ACTIONS: dict[Action, tuple[frozenset[Status | None], Status | None]] = {
    Action.DRAFT: (frozenset({None}), Status.DRAFTED),
    Action.UPDATE_DRAFT: (frozenset({Status.DRAFTED}), Status.DRAFTED),
    Action.REQUEST: (frozenset({Status.DRAFTED}), Status.REQUESTED),
    Action.RESEND_REQUEST: (frozenset({Status.REQUESTED}), Status.REQUESTED),
    Action.ISSUE: (frozenset({Status.REQUESTED, Status.DRAFTED}), Status.ISSUED),
    Action.REFUSE: (frozenset({Status.REQUESTED}), Status.REQUEST_REFUSED),
    Action.CANCEL_REQUEST: (frozenset({Status.REQUESTED}), Status.REQUEST_CANCELLED),
    Action.CANCEL_ISSUANCE: (
        frozenset({Status.ISSUED, Status.BEFORE_SENDING}),
        Status.ISSUANCE_CANCELLED,
    ),
    Action.SEND_TO_NTS: (
        frozenset({Status.ISSUED, Status.BEFORE_SENDING, Status.WAITING_SENDING}),
        Status.WAITING_SENDING,
    ),
    Action.NTS_PROGRESS: (
        frozenset({Status.ISSUED, Status.BEFORE_SENDING, Status.WAITING_SENDING, Status.SENDING}),
        None,
    ),
    Action.DELETE: (
        frozenset(
            {
                Status.DRAFTED,
                Status.REQUEST_REFUSED,
                Status.REQUEST_CANCELLED,
                Status.ISSUANCE_CANCELLED,
                Status.SENDING_FAILED,
                Status.DRAFT_FAILED,
                Status.REQUEST_FAILED,
                Status.ISSUE_FAILED,
            }
        ),
        None,  # status kept, deleted_at set
    ),
}

#: "ongoing": blocks a partner's NTS disconnection and a counterparty's deletion
ONGOING: frozenset[Status] = frozenset(
    {
        Status.REQUESTED,
        Status.ISSUED,
        Status.BEFORE_SENDING,
        Status.WAITING_SENDING,
        Status.SENDING,
        Status.DRAFT_PENDING,
        Status.REQUEST_PENDING,
        Status.ISSUE_PENDING,
        Status.CANCEL_PENDING,
        Status.SENDING_PENDING,
    }
)

#: signed and valid in law: an issued invoice from ISSUED to SENDING_COMPLETED (not cancelled)
ISSUED_OR_LATER: frozenset[Status] = frozenset(
    {
        Status.ISSUED,
        Status.BEFORE_SENDING,
        Status.WAITING_SENDING,
        Status.SENDING,
        Status.SENDING_PENDING,
        Status.SENDING_COMPLETED,
        Status.SENDING_FAILED,
    }
)

#: the order the NTS transmission walks (the provider may stop at SENDING_FAILED instead)
NTS_WALK: tuple[Status, ...] = (
    Status.ISSUED,
    Status.BEFORE_SENDING,
    Status.WAITING_SENDING,
    Status.SENDING,
    Status.SENDING_COMPLETED,
)


def allowed(action: Action, status: Status | str | None) -> bool:
    sources, _ = ACTIONS[action]
    return (Status(status) if status is not None else None) in sources


def target(action: Action) -> Status | None:
    return ACTIONS[action][1]
