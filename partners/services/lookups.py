"""Outside lookups the API (and later the admin) asks for: 휴폐업 조회 (company state) and 예금주
조회 (account holder). Each answer is recorded as a single-use verification that a partner write
may then present (partners.services.partners consumes them).

Provider failures become core.errors refusals with PortOne's codes; a provider exception never
leaves this module.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from ulid import ULID

from core.crypto import blind_index
from core.errors import Invalid, NotFound, Unavailable, invalid
from partners.models import AccountVerification, BusinessStatus, CompanyVerification
from partners.providers.account_holder import AccountHolderError, get_account_holder_client
from partners.providers.company_state import CompanyStateError, get_company_state_client


def record_account_verification(
    *, is_for_test: bool, bank: str, number: str, holder: str
) -> AccountVerification:
    return AccountVerification.objects.create(
        public_id=str(ULID()),
        is_for_test=is_for_test,
        bank=bank,
        account_number_index=blind_index(number),
        holder_name=holder,
    )


def record_company_verification(
    *,
    is_for_test: bool,
    brn: str,
    status: str,
    taxation_type: str = "",
    closed_on: date | None = None,
    raw: dict | None = None,
) -> CompanyVerification:
    return CompanyVerification.objects.create(
        public_id=str(ULID()),
        is_for_test=is_for_test,
        business_registration_number=brn,
        status=status,
        taxation_type=taxation_type,
        closed_on=closed_on,
        raw=raw or {},
    )


def _company_state(*, brn: str, is_for_test: bool) -> CompanyVerification:
    ttl = getattr(settings, "COMPANY_STATE_CACHE_SECONDS", 3600)
    cached = (
        CompanyVerification.objects.filter(
            business_registration_number=brn,
            created_at__gte=timezone.now() - timedelta(seconds=ttl),
        )
        .order_by("-created_at")
        .first()
    )
    if cached is not None:
        return record_company_verification(
            is_for_test=is_for_test,
            brn=brn,
            status=cached.status,
            taxation_type=cached.taxation_type,
            closed_on=cached.closed_on,
            raw=cached.raw,
        )
    try:
        state = get_company_state_client().lookup([brn])[brn]
    except CompanyStateError as exc:
        raise Unavailable(
            "PLATFORM_EXTERNAL_API_FAILED", f"국세청 조회 실패: {exc.message}"
        ) from exc
    return record_company_verification(
        is_for_test=is_for_test,
        brn=brn,
        status=state.status,
        taxation_type=state.taxation_type or "",
        closed_on=state.closed_on,
        raw={
            "statusText": state.status_text,
            "taxTypeText": state.tax_type_text,
            "taxationTypeChangedOn": state.taxation_type_changed_on.isoformat()
            if state.taxation_type_changed_on
            else None,
        },
    )


def company_state_lookup(*, brn: str, is_for_test: bool) -> CompanyVerification:
    """휴폐업 조회 of a normalised, valid BRN, with a short cache: the same BRN asked again within
    COMPANY_STATE_CACHE_SECONDS reuses the stored answer (but gets its own single-use id).

    A number the NTS does not know is recorded and then refused as PLATFORM_COMPANY_NOT_FOUND,
    as PortOne answers it."""
    verification = _company_state(brn=brn, is_for_test=is_for_test)
    if verification.status == BusinessStatus.NOT_FOUND:
        raise NotFound(
            "PLATFORM_COMPANY_NOT_FOUND", f"국세청에 등록되지 않은 사업자등록번호입니다: {brn}"
        )
    return verification


def account_holder_lookup(
    *, bank: str, number: str, identity: str | None, is_for_test: bool
) -> AccountVerification:
    """예금주 조회. Provider failures map onto the SDK's error types."""
    try:
        holder = get_account_holder_client().lookup(
            bank=bank, account_number=number, birthdate_or_brn=identity
        )
    except ValueError as exc:
        raise invalid(str(exc)) from exc
    except AccountHolderError as exc:
        if exc.reason == "NOT_SUPPORTED_BANK":
            raise Invalid("PLATFORM_NOT_SUPPORTED_BANK", exc.message) from exc
        if not exc.permanent:
            raise Unavailable("PLATFORM_EXTERNAL_API_TEMPORARILY_FAILED", exc.message) from exc
        raise Unavailable("PLATFORM_EXTERNAL_API_FAILED", exc.message) from exc
    return record_account_verification(
        is_for_test=is_for_test, bank=bank, number=number, holder=holder.holder_name
    )
