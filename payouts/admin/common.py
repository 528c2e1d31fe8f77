"""What the payout admins share: badge colours, personal data (full account numbers and birth
dates only with partners.view_partner_personal_data), the actor of a request, the seeds' Excel
columns, and a small confirmation page."""

from __future__ import annotations

from typing import Any

from django.template.response import TemplateResponse

from core.admin.display import DANGER, INFO, NEUTRAL, PRIMARY, SUCCESS, WARNING, brn
from core.admin.exports import Column
from core.crypto import mask
from partners.domain.banks import BANK_LABELS
from payouts.models import (
    AccountTransferStatus,
    AccountTransferType,
    BulkPayoutStatus,
    PayoutStatus,
)
from payouts.services.bulk_payouts import Actor, actor_of

PERSONAL_DATA = "partners.view_partner_personal_data"

BULK_STATUS_TONES = {
    BulkPayoutStatus.PREPARING: NEUTRAL,
    BulkPayoutStatus.PREPARED: INFO,
    BulkPayoutStatus.ONGOING: WARNING,
    BulkPayoutStatus.POST_PROCESS_PENDING: WARNING,
    BulkPayoutStatus.COMPLETED: SUCCESS,
    BulkPayoutStatus.CANCELLED: NEUTRAL,
}
PAYOUT_STATUS_TONES = {
    PayoutStatus.PREPARED: INFO,
    PayoutStatus.CONFIRMED: PRIMARY,
    PayoutStatus.SCHEDULED: PRIMARY,
    PayoutStatus.PROCESSING: WARNING,
    PayoutStatus.SUCCEEDED: SUCCESS,
    PayoutStatus.FAILED: DANGER,
    PayoutStatus.STOPPED: NEUTRAL,
    PayoutStatus.CANCELLED: NEUTRAL,
}
TRANSFER_STATUS_TONES = {
    AccountTransferStatus.PREPARED: INFO,
    AccountTransferStatus.SCHEDULED: PRIMARY,
    AccountTransferStatus.PROCESSING: WARNING,
    AccountTransferStatus.ASYNC_PROCESSING: WARNING,
    AccountTransferStatus.SUCCEEDED: SUCCESS,
    AccountTransferStatus.FAILED: DANGER,
    AccountTransferStatus.CANCELLED: NEUTRAL,
    AccountTransferStatus.STOPPED: NEUTRAL,
}
TRANSFER_TYPE_TONES = {AccountTransferType.DEPOSIT: SUCCESS, AccountTransferType.WITHDRAWAL: INFO}


def sees_personal_data(request) -> bool:
    return request.user.has_perm(PERSONAL_DATA)


def actor(request) -> Actor:
    return actor_of(request.user)


def bank_label(code: str | None) -> str:
    return BANK_LABELS.get(code or "", code or "")


def account_number(number: str | None, full: bool) -> str:
    return (number or "") if full else mask(number)


def identity(partner, full: bool) -> str:
    """생년월일 (individuals, masked without the permission) or 사업자번호 (businesses, as every
    list shows it: a BRN is public business data)."""
    if partner is None:
        return ""
    if partner.partner_type == "BUSINESS":
        return brn(partner.business_registration_number)
    return (partner.birthdate or "") if full else partner.masked_birthdate


def seed_columns(
    request,
    *,
    bank,
    number,
    holder,
    partner,
    amount,
    memo,
    external_memo,
) -> list[Column]:
    """The columns the seeds list for payout Excel files: 은행, 계좌번호, 정산대금 수취인(예금주),
    생년월일/사업자번호, 금액, 내부메모, 외부메모. Each argument reads one value of a row."""
    full = sees_personal_data(request)
    return [
        Column("은행", lambda o: bank_label(bank(o))),
        Column("계좌번호", lambda o: account_number(number(o), full)),
        Column("정산대금 수취인(예금주)", lambda o: holder(o) or ""),
        Column("생년월일/사업자번호", lambda o: identity(partner(o), full)),
        Column("금액", amount, amount=True),
        Column("내부메모", lambda o: memo(o) or ""),
        Column("외부메모", lambda o: external_memo(o) or ""),
    ]


def confirm_page(request, model_admin, *, title: str, context: dict[str, Any]) -> TemplateResponse:
    """templates/payouts/admin_confirm.html: what will happen, a form (fields optional), the
    button and a way back."""
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(
        request,
        "payouts/admin_confirm.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "title": title,
            **context,
        },
    )
