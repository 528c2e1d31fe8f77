"""Verification of partners: account holder (예금주) and business status (휴폐업).

`schedule_verification` queues it after commit (partners.tasks.verify_partners runs it in the
background); `verify_partners` asks the providers and stores the outcomes on the partners
(status + time + message). Provider failures become VERIFY_ERROR, never an exception that would
make django-q2 retry a lookup forever.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from core.crypto import mask
from core.iterables import chunked
from partners.domain.accounts import holder_matches
from partners.domain.brn import is_valid_brn
from partners.models import AccountStatus, BusinessStatus, Partner, PartnerType
from partners.providers.account_holder import AccountHolderError, get_account_holder_client
from partners.providers.company_state import CompanyStateError, get_company_state_client

logger = logging.getLogger(__name__)


def needs_verification(partner: Partner) -> bool:
    """Does the account (KRW only) or the business status still wait for a lookup?"""
    return (
        partner.account_status != AccountStatus.VERIFIED and partner.account_currency == "KRW"
    ) or (
        partner.partner_type == PartnerType.BUSINESS
        and partner.business_status == BusinessStatus.NOT_VERIFIED
    )


def schedule_verification(partner_pks: list[int]) -> None:
    """Verify accounts and business status in the background, in chunks, after commit."""
    if not partner_pks:
        return
    chunks = list(chunked(partner_pks, 200))
    transaction.on_commit(
        lambda: [async_task("partners.tasks.verify_partners", chunk) for chunk in chunks]
    )


def verify_accounts(partners: list[Partner]) -> None:
    client = get_account_holder_client()
    now = timezone.now()
    for partner in partners:
        if partner.account_currency != "KRW":
            partner.account_status = AccountStatus.NOT_VERIFIED
            partner.account_verification_message = "원화 계좌만 예금주를 확인합니다."
        else:
            try:
                result = client.lookup(
                    bank=partner.bank,
                    account_number=partner.account_number,
                    birthdate_or_brn=partner.business_registration_number or partner.birthdate,
                )
            except ValueError as exc:  # malformed number or identity: nothing to ask the bank
                partner.account_status = AccountStatus.VERIFY_ERROR
                partner.account_verification_message = str(exc)[:200]
            except AccountHolderError as exc:
                logger.info(
                    "account lookup failed for partner %s (%s): %s",
                    partner.public_id,
                    mask(partner.account_number),
                    exc.reason,
                )
                partner.account_status = (
                    AccountStatus.VERIFY_FAILED
                    if exc.reason == "MISMATCH"
                    else AccountStatus.VERIFY_ERROR
                )
                partner.account_verification_message = str(exc)[:200]
            else:
                if holder_matches(partner.account_holder, result.holder_name):
                    partner.account_status = AccountStatus.VERIFIED
                    partner.account_verification_message = f"예금주 {result.holder_name}"
                else:
                    partner.account_status = AccountStatus.VERIFY_FAILED
                    partner.account_verification_message = (
                        f"예금주 불일치: 입력 {partner.account_holder} / 은행 {result.holder_name}"
                    )[:200]
        partner.account_verified_at = now


def verify_businesses(partners: list[Partner]) -> None:
    businesses = [p for p in partners if p.partner_type == PartnerType.BUSINESS]
    if not businesses:
        return
    now = timezone.now()
    valid = [p for p in businesses if is_valid_brn(p.business_registration_number or "")]
    for partner in businesses:
        if partner not in valid:
            partner.business_status = BusinessStatus.VERIFY_ERROR
            partner.business_verified_at = now
    businesses = valid
    if not businesses:
        return
    try:
        states = get_company_state_client().lookup(
            sorted({p.business_registration_number for p in businesses})
        )
    except CompanyStateError as exc:
        logger.info("company state lookup failed: %s", exc)
        for partner in businesses:
            partner.business_status = BusinessStatus.VERIFY_ERROR
            partner.business_verified_at = now
        return
    for partner in businesses:
        state = states.get(partner.business_registration_number)
        partner.business_status = state.status if state else BusinessStatus.NOT_FOUND
        partner.business_verified_at = now


def verify_partners(partner_pks: list[int]) -> int:
    partners = list(Partner.objects.filter(pk__in=partner_pks))
    verify_accounts(partners)
    verify_businesses(partners)
    Partner.objects.bulk_update(
        partners,
        [
            "account_status",
            "account_verified_at",
            "account_verification_message",
            "business_status",
            "business_verified_at",
        ],
        batch_size=500,
    )
    return len(partners)
