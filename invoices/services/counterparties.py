"""거래처 (counterparties): create, read, search, update, soft delete; their NTS connection
(sandbox: PENDING_CONNECT, then CONNECTED or ERROR after COUNTERPARTY_CONNECT_SECONDS); their
공동인증서; and the counterparties of partners connected to the NTS (partner-linked).
docs/invoices.md#counterparties.

Inputs arrive validated and in snake_case (invoices.inputs.counterparties):
`fields = {brn, company_name, representative_name, address, business_type, business_class,
contact {name, email, phone_number?, memo?}, additional_contacts [{name, email, phoneNumber?,
memo?}], memo}` — on update only the keys given — and `options = {check_business_info,
check_business_status, business_info_verification_id, business_status_verification_id}`.
Refusals are core.errors with SDK 0.21.0's codes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.outbound import events
from core.outbound.services import emit
from invoices.domain.statuses import ONGOING, NtsConnectionStatus
from invoices.models import BusinessStatus, CompanyTaxationType, Counterparty, TaxInvoice
from invoices.providers import EtaxError, get_etax_client
from invoices.services import business_info
from invoices.services.own_company import own_company
from partners.domain.brn import normalize_brn, validate_brn
from partners.models import CompanyVerification, Partner
from partners.models import ConnectionStatus as PartnerConnection
from partners.providers.company_state import (
    CompanyState,
    CompanyStateError,
    get_company_state_client,
)
from partners.services.lookups import record_company_verification

logger = logging.getLogger(__name__)

MAX_ADDITIONAL_CONTACTS = 5
#: a verification older than this is refused (B2B_COUNTERPARTY_VERIFICATION_INVALID)
VERIFICATION_MAX_AGE = timedelta(hours=24)
CERTIFICATE_SALT = "invoices.counterparty-certificate"
CERTIFICATE_URL_MAX_AGE = timedelta(days=1)
CERTIFICATE_VALIDITY = timedelta(days=365)
SANDBOX_CERTIFICATE_ISSUER = "샌드박스 인증기관 (SandboxCA)"
SANDBOX_CERTIFICATE_OID = "1.2.410.200005.1.1.6.2"  # 전자세금용 (sandbox)


def connect_delay() -> timedelta:
    return timedelta(seconds=getattr(settings, "COUNTERPARTY_CONNECT_SECONDS", 2))


# --- what a counterparty says now ---------------------------------------------------------------


def _partner_business_status(partner: Partner) -> str | None:
    status = partner.business_status
    if status in (BusinessStatus.IN_BUSINESS, BusinessStatus.CLOSED, BusinessStatus.SUSPENDED):
        return status
    if status == "NOT_FOUND":
        return BusinessStatus.NOT_FOUND
    if status == "VERIFY_ERROR":
        return BusinessStatus.CHECK_FAILED
    return BusinessStatus.UNKNOWN if status else None


def current_fields(cp: Counterparty) -> dict[str, Any]:
    """The company and contact of a counterparty as they are now: a partner-linked one shows its
    partner's current values (they are edited on the partner), any other its own. Keys:
    brn, company_name, representative_name, address, business_type, business_class,
    taxation_type, contact_name, contact_email, contact_phone, contact_memo, business_status."""
    if cp.partner_id is not None:
        p = cp.partner
        return {
            "brn": p.business_registration_number or cp.brn,
            "company_name": p.company_name or p.name,
            "representative_name": p.representative_name or cp.representative_name,
            "address": p.company_address,
            "business_type": p.business_type,
            "business_class": p.business_class,
            "taxation_type": p.taxation_type,
            "contact_name": p.contact_name,
            "contact_email": p.contact_email,
            "contact_phone": p.contact_phone,
            "contact_memo": cp.contact_memo,
            "business_status": _partner_business_status(p) or cp.business_status,
        }
    return {
        "brn": cp.brn,
        "company_name": cp.company_name,
        "representative_name": cp.representative_name,
        "address": cp.address,
        "business_type": cp.business_type,
        "business_class": cp.business_class,
        "taxation_type": cp.taxation_type,
        "contact_name": cp.contact_name,
        "contact_email": cp.contact_email,
        "contact_phone": cp.contact_phone,
        "contact_memo": cp.contact_memo,
        "business_status": cp.business_status,
    }


def _alive(is_for_test: bool) -> QuerySet[Counterparty]:
    return Counterparty.objects.filter(is_for_test=is_for_test, deleted_at__isnull=True)


def _not_found(public_id: str) -> NotFound:
    return NotFound(
        "B2B_COUNTERPARTY_NOT_FOUND",
        f"거래처를 찾을 수 없습니다: {public_id}",
        counterparty_id=public_id,
    )


# --- checks of a create or an update -------------------------------------------------------------


def _valid_brn(raw: str) -> str:
    try:
        return validate_brn(raw)
    except ValueError as exc:
        raise Invalid("B2B_COUNTERPARTY_BRN_INVALID", f"counterparty.brn: {exc}") from exc


def _check_contacts(contacts: list | None) -> None:
    if contacts is not None and len(contacts) > MAX_ADDITIONAL_CONTACTS:
        raise Invalid(
            "B2B_COUNTERPARTY_TOO_MANY_ADDITIONAL_CONTACTS",
            f"counterparty.additionalContacts: 추가 담당자는 최대 "
            f"{MAX_ADDITIONAL_CONTACTS}명입니다 (입력: {len(contacts)}명).",
        )


def _verification(verification_id: str, *, brn: str, is_for_test: bool, info: bool, name: str):
    row = CompanyVerification.objects.filter(
        public_id=verification_id, is_for_test=is_for_test
    ).first()
    if row is None:
        raise NotFound(
            "B2B_COUNTERPARTY_VERIFICATION_NOT_FOUND",
            f"options.{name}: 조회 결과를 찾을 수 없습니다: {verification_id}",
        )
    if business_info.is_business_info(row) != info:
        wanted = "사업자 정보 조회" if info else "휴폐업 상태 조회"
        raise Invalid(
            "B2B_COUNTERPARTY_VERIFICATION_TYPE_MISMATCH",
            f"options.{name}: {wanted} 결과가 아닙니다: {verification_id}",
        )
    if row.business_registration_number != brn:
        raise Invalid(
            "B2B_COUNTERPARTY_VERIFICATION_BRN_MISMATCH",
            f"options.{name}: 다른 사업자등록번호({row.business_registration_number})의 조회 "
            f"결과입니다.",
        )
    if row.created_at < timezone.now() - VERIFICATION_MAX_AGE:
        raise Invalid(
            "B2B_COUNTERPARTY_VERIFICATION_INVALID",
            f"options.{name}: 조회한 지 24시간이 지난 결과는 쓸 수 없습니다. 다시 조회해 주세요.",
        )
    return row


def _status_from_verification(row: CompanyVerification) -> dict[str, Any]:
    return {
        "business_status": row.status
        if row.status in BusinessStatus.values
        else BusinessStatus.UNKNOWN,
        "business_status_checked_at": row.created_at,
        "closed_suspended_date": row.closed_on,
        "business_status_verification_id": row.public_id,
    }


def _check_status(brn: str, *, is_for_test: bool) -> dict[str, Any]:
    """휴폐업 조회 now; an outage leaves CHECK_FAILED (the counterparty is still saved)."""
    now = timezone.now()
    try:
        state: CompanyState = get_company_state_client().lookup([brn])[brn]
    except CompanyStateError as exc:
        logger.info("company state lookup failed for counterparty %s: %s", brn, exc.message)
        return {
            "business_status": BusinessStatus.CHECK_FAILED,
            "business_status_checked_at": now,
            "closed_suspended_date": None,
            "business_status_verification_id": None,
        }
    row = record_company_verification(
        is_for_test=is_for_test,
        brn=brn,
        status=state.status,
        taxation_type=state.taxation_type or "",
        closed_on=state.closed_on,
        raw={"statusText": state.status_text, "taxTypeText": state.tax_type_text},
    )
    return _status_from_verification(row)


def _from_info(info, verification: CompanyVerification | None) -> dict[str, Any]:
    """What a business-info answer fills (only where the request gave nothing)."""
    taxation = info.taxation_type if info.taxation_type in CompanyTaxationType.values else None
    out: dict[str, Any] = {
        "company_name": info.name,
        "representative_name": info.ceo_name,
        "address": info.address,
        "business_type": info.business_type,
        "business_class": info.business_class,
        "taxation_type": taxation,
    }
    return {
        "fill": out,
        "set": {
            "business_info_verification_id": verification.public_id if verification else None,
            "applied_at": timezone.now(),
            "business_status": info.business_status,
            "business_status_checked_at": timezone.now(),
            "closed_suspended_date": info.closing_date,
        },
    }


def _apply_options(brn: str, options: dict | None, *, is_for_test: bool) -> dict[str, Any]:
    """{"fill": fields for empty ones, "set": fields to set} from the create/update options."""
    options = options or {}
    fill: dict[str, Any] = {}
    setting: dict[str, Any] = {}
    info_id = options.get("business_info_verification_id")
    status_id = options.get("business_status_verification_id")
    if info_id:
        row = _verification(
            info_id,
            brn=brn,
            is_for_test=is_for_test,
            info=True,
            name="businessInfoVerificationId",
        )
        got = _from_info(business_info.info_of(row), row)
        fill.update(got["fill"])
        setting.update(got["set"])
    elif options.get("check_business_info"):
        info, row = business_info.lookup_one(brn, is_for_test=is_for_test)
        if info is None:
            setting.update(
                business_status=BusinessStatus.NOT_FOUND,
                business_status_checked_at=timezone.now(),
            )
        else:
            got = _from_info(info, row)
            fill.update(got["fill"])
            setting.update(got["set"])
    if status_id:
        row = _verification(
            status_id,
            brn=brn,
            is_for_test=is_for_test,
            info=False,
            name="businessStatusVerificationId",
        )
        setting.update(_status_from_verification(row))
    elif options.get("check_business_status"):
        setting.update(_check_status(brn, is_for_test=is_for_test))
    return {"fill": fill, "set": setting}


def _missing(values: dict[str, Any]) -> list[str]:
    names = {
        "brn": "brn",
        "company_name": "name",
        "representative_name": "representativeName",
        "contact_name": "contact.name",
        "contact_email": "contact.email",
    }
    return [wire for key, wire in names.items() if not values.get(key)]


def _flat(fields: dict[str, Any]) -> dict[str, Any]:
    """Input fields -> model columns (the contact flattened)."""
    out = {k: v for k, v in fields.items() if k not in ("contact", "brn")}
    contact = fields.get("contact")
    if contact is not None:
        out.update(
            contact_name=contact.get("name"),
            contact_email=contact.get("email"),
            contact_phone=contact.get("phone_number") or None,
            contact_memo=contact.get("memo") or None,
        )
    if "additional_contacts" in out and out["additional_contacts"] is None:
        out["additional_contacts"] = []
    return out


# --- create, read, search, update, delete ------------------------------------------------------


@transaction.atomic
def counterparty_create(
    *,
    fields: dict[str, Any],
    counterparty_id: str | None,
    options: dict | None,
    is_for_test: bool,
) -> Counterparty:
    """A new counterparty, waiting for its NTS connection (PENDING_CONNECT)."""
    raw_brn = (fields.get("brn") or "").strip()
    if not raw_brn:
        raise Invalid(
            "B2B_COUNTERPARTY_MISSING_REQUIRED_FIELDS",
            "counterparty.brn: 사업자등록번호는 필수입니다.",
        )
    brn = _valid_brn(raw_brn)
    own = own_company()
    if own.brn and normalize_brn(own.brn) == brn:
        raise Invalid(
            "B2B_COUNTERPARTY_SELF_ORIGIN_BRN_MISMATCH",
            f"counterparty.brn: 자사 사업자등록번호({brn})로는 거래처를 만들 수 없습니다.",
        )
    _check_contacts(fields.get("additional_contacts"))
    if counterparty_id is not None:
        taken = Counterparty.objects.filter(
            is_for_test=is_for_test, public_id=counterparty_id
        ).values_list("partner_id", flat=True)
        exists = bool(taken)
        if exists and taken[0] is not None:
            raise Conflict(
                "B2B_COUNTERPARTY_ID_ALREADY_EXISTS_BY_PARTNER",
                f"counterpartyId: 파트너 연동 거래처가 쓰는 아이디입니다: {counterparty_id}",
            )
        if exists:
            raise Conflict(
                "B2B_COUNTERPARTY_ID_ALREADY_EXISTS",
                f"counterpartyId: 이미 사용된 거래처 아이디입니다: {counterparty_id}",
            )
    values = _flat(fields)
    checked = _apply_options(brn, options, is_for_test=is_for_test)
    for key, value in checked["fill"].items():
        if not values.get(key) and value:
            values[key] = value
    values.update({k: v for k, v in checked["set"].items() if v is not None})
    missing = _missing({**values, "brn": brn})
    if missing:
        raise Invalid(
            "B2B_COUNTERPARTY_MISSING_REQUIRED_FIELDS",
            f"필수 입력 항목이 없습니다: {', '.join('counterparty.' + m for m in missing)}",
        )
    now = timezone.now()
    cp = Counterparty(
        is_for_test=is_for_test,
        brn=brn,
        nts_connection_status=NtsConnectionStatus.PENDING_CONNECT,
        nts_connection_due_at=now + connect_delay(),
        **{k: v for k, v in values.items() if hasattr(Counterparty, k)},
    )
    if counterparty_id is not None:
        cp.public_id = counterparty_id
    cp.save()
    return cp


def _refresh_due() -> None:
    """Complete the connections that are due, so a read right after "within seconds" sees them."""
    if Counterparty.objects.filter(
        nts_connection_status=NtsConnectionStatus.PENDING_CONNECT,
        partner__isnull=True,
        nts_connection_due_at__lte=timezone.now(),
    ).exists():
        advance_connections()


def counterparty_get(*, public_id: str, is_for_test: bool) -> Counterparty:
    _refresh_due()
    cp = _alive(is_for_test).select_related("partner").filter(public_id=public_id).first()
    if cp is None:
        raise _not_found(public_id)
    return cp


def _either(column: str, partner_column: str | tuple[str, ...], lookup: str, value) -> Q:
    """A filter on what a counterparty shows: its own column, or its partner's."""
    own = Q(partner__isnull=True, **{f"{column}__{lookup}": value})
    columns = partner_column if isinstance(partner_column, tuple) else (partner_column,)
    linked = Q()
    for name in columns:
        linked |= Q(**{f"partner__{name}__{lookup}": value})
    return own | (Q(partner__isnull=False) & linked)


def counterparties_search(*, is_for_test: bool, f: dict[str, Any] | None) -> QuerySet[Counterparty]:
    """The filter of GetB2bCounterpartiesBody (snake_case keys), newest first."""
    _refresh_due()
    f = f or {}
    qs = _alive(is_for_test).select_related("partner")
    if f.get("id"):
        qs = qs.filter(public_id__startswith=f["id"])
    if f.get("brn"):
        qs = qs.filter(brn=normalize_brn(f["brn"]))
    if f.get("company_name"):
        qs = qs.filter(
            _either("company_name", ("company_name", "name"), "icontains", f["company_name"])
        )
    if f.get("representative_name"):
        qs = qs.filter(
            _either("representative_name", "representative_name", "exact", f["representative_name"])
        )
    if f.get("contact_name"):
        qs = qs.filter(_either("contact_name", "contact_name", "exact", f["contact_name"]))
    if f.get("contact_phone"):
        qs = qs.filter(_either("contact_phone", "contact_phone", "exact", f["contact_phone"]))
    if f.get("contact_email"):
        qs = qs.filter(_either("contact_email", "contact_email", "iexact", f["contact_email"]))
    if f.get("business_statuses"):
        qs = qs.filter(business_status__in=f["business_statuses"])
    if f.get("nts_connection_statuses"):
        qs = qs.filter(nts_connection_status__in=f["nts_connection_statuses"])
    if f.get("counterparty_ids") is not None:
        qs = qs.filter(public_id__in=f["counterparty_ids"])
    return qs.order_by("-created_at", "-id")


def _locked(public_id: str, is_for_test: bool) -> Counterparty:
    cp = _alive(is_for_test).select_for_update().filter(public_id=public_id).first()
    if cp is None:
        raise _not_found(public_id)
    return cp


@transaction.atomic
def counterparty_update(
    *, public_id: str, fields: dict[str, Any], options: dict | None, is_for_test: bool
) -> Counterparty:
    """PATCH: the keys given replace the stored ones. A counterparty whose connection failed
    (ERROR) is connected again."""
    cp = _locked(public_id, is_for_test)
    if cp.partner_id is not None:
        raise Forbidden(
            "B2B_COUNTERPARTY_PARTNER_NOT_UPDATABLE",
            "파트너 연동 거래처는 직접 수정할 수 없습니다. 파트너 정보를 수정해 주세요.",
        )
    raw_brn = fields.get("brn")
    if raw_brn and normalize_brn(raw_brn) != cp.brn:
        raise Invalid(
            "B2B_COUNTERPARTY_BRN_MODIFICATION_NOT_ALLOWED",
            f"counterparty.brn: 거래처의 사업자등록번호({cp.brn})는 바꿀 수 없습니다.",
        )
    _check_contacts(fields.get("additional_contacts"))
    values = _flat(fields)
    checked = _apply_options(cp.brn, options, is_for_test=is_for_test)
    for key, value in checked["fill"].items():
        if not values.get(key) and not getattr(cp, key) and value:
            values[key] = value
    values.update({k: v for k, v in checked["set"].items() if v is not None})
    merged = {**current_fields(cp), **values, "brn": cp.brn}
    missing = [m for m in _missing(merged) if m != "brn"]
    if missing:
        raise Invalid(
            "B2B_COUNTERPARTY_MISSING_REQUIRED_FIELDS",
            f"필수 입력 항목을 비울 수 없습니다: {', '.join('counterparty.' + m for m in missing)}",
        )
    for key, value in values.items():
        if hasattr(Counterparty, key):
            setattr(cp, key, value)
    if cp.nts_connection_status == NtsConnectionStatus.ERROR:
        cp.nts_connection_status = NtsConnectionStatus.PENDING_CONNECT
        cp.nts_connection_failed_reason = None
        cp.nts_connection_due_at = timezone.now() + connect_delay()
    cp.save()
    return cp


def _ongoing(q: Q, *, is_for_test: bool) -> bool:
    return (
        TaxInvoice.objects.filter(q, is_for_test=is_for_test, deleted_at__isnull=True)
        .filter(status__in=[s.value for s in ONGOING])
        .exists()
    )


def has_ongoing_invoice(cp: Counterparty) -> bool:
    """An invoice in progress (invoices.domain.statuses.ONGOING) with this counterparty as
    supplier or recipient: by reference, or by BRN when the invoice names no counterparty."""
    return _ongoing(
        Q(supplier_counterparty=cp)
        | Q(recipient_counterparty=cp)
        | Q(supplier_counterparty__isnull=True, supplier_brn=cp.brn)
        | Q(recipient_counterparty__isnull=True, recipient_brn=cp.brn),
        is_for_test=cp.is_for_test,
    )


@transaction.atomic
def counterparty_delete(*, public_id: str, is_for_test: bool) -> Counterparty:
    """Soft delete: the row stays (its invoices keep it, its id stays taken)."""
    cp = _locked(public_id, is_for_test)
    if cp.partner_id is not None:
        raise Forbidden(
            "B2B_COUNTERPARTY_PARTNER_NOT_DELETABLE",
            "파트너 연동 거래처는 삭제할 수 없습니다. 파트너의 국세청 연동을 해제해 주세요.",
        )
    if has_ongoing_invoice(cp):
        raise Conflict(
            "B2B_COUNTERPARTY_ONGOING_TAX_INVOICE_EXISTS",
            f"진행 중인 세금계산서가 있는 거래처는 삭제할 수 없습니다: {public_id}",
        )
    cp.deleted_at = timezone.now()
    cp.nts_connection_due_at = None
    cp.save(update_fields=["deleted_at", "nts_connection_due_at", "updated_at"])
    return cp


# --- the NTS connection of counterparties (not partner-linked) ---------------------------------


def advance_connections(now: datetime | None = None) -> int:
    """Complete the connections that are due: ask the e-tax service to register each member
    company; CONNECTED, or ERROR with the reason it gives. Returns the counterparties done."""
    now = now or timezone.now()
    due = list(
        Counterparty.objects.filter(
            nts_connection_status=NtsConnectionStatus.PENDING_CONNECT,
            partner__isnull=True,
            deleted_at__isnull=True,
            nts_connection_due_at__lte=now,
        ).order_by("nts_connection_due_at", "pk")[:500]
    )
    if not due:
        return 0
    client = get_etax_client()
    done = 0
    for cp in due:
        try:
            result = client.register_member(
                brn=cp.brn,
                company_name=cp.company_name,
                representative_name=cp.representative_name,
            )
        except EtaxError as exc:
            status, reason = NtsConnectionStatus.ERROR, exc.message
        else:
            if result.connected:
                status, reason = NtsConnectionStatus.CONNECTED, None
            else:
                status = NtsConnectionStatus.ERROR
                reason = result.failed_reason or "국세청 연동에 실패했습니다."
        done += Counterparty.objects.filter(
            pk=cp.pk, nts_connection_status=NtsConnectionStatus.PENDING_CONNECT
        ).update(
            nts_connection_status=status,
            nts_connection_failed_reason=reason,
            nts_connected_at=now if status == NtsConnectionStatus.CONNECTED else None,
            nts_connection_due_at=None,
            updated_at=timezone.now(),
        )
    return done


# --- 공동인증서 (certificates) ------------------------------------------------------------


def _connected_by_brn(brn: str, is_for_test: bool) -> Counterparty:
    _refresh_due()
    number = normalize_brn(brn)
    rows = list(
        _alive(is_for_test).select_related("partner").filter(brn=number).order_by("-created_at")
    )
    if not rows:
        raise NotFound("B2B_COUNTERPARTY_NOT_FOUND", f"거래처를 찾을 수 없습니다: {number}")
    connected = [r for r in rows if r.nts_connection_status == NtsConnectionStatus.CONNECTED]
    if not connected:
        raise Invalid(
            "B2B_COUNTERPARTY_NTS_NOT_CONNECTED",
            f"국세청에 연동된 거래처가 아닙니다: {number}",
            brn=number,
            counterparty_id=rows[0].public_id,
        )
    with_certificate = [r for r in connected if r.certificate_registered_at]
    return (with_certificate or connected)[0]


def certificate_get(*, brn: str, is_for_test: bool) -> Counterparty:
    cp = _connected_by_brn(brn, is_for_test)
    if cp.certificate_registered_at is None:
        raise NotFound("B2B_CERTIFICATE_UNREGISTERED", f"등록된 인증서가 없습니다: {cp.brn}")
    return cp


def certificate_is_valid(cp: Counterparty, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(
        cp.certificate_registered_at
        and cp.certificate_expires_at
        and cp.certificate_expires_at > now
    )


def certificate_validate(*, brn: str, is_for_test: bool) -> bool:
    return certificate_is_valid(_connected_by_brn(brn, is_for_test))


def certificate_registration_url(*, brn: str, is_for_test: bool) -> str:
    """A signed link (valid CERTIFICATE_URL_MAX_AGE) to the page where the counterparty
    registers its certificate (invoices.portal.certificates)."""
    cp = _connected_by_brn(brn, is_for_test)
    token = signing.dumps({"c": cp.pk}, salt=CERTIFICATE_SALT, compress=True)
    base = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    return base + reverse("invoice_pages:certificate", args=[token])


def certificate_target(token: str) -> Counterparty | None:
    """The counterparty of a registration link, or None (tampered, expired, deleted)."""
    try:
        data = signing.loads(
            token, salt=CERTIFICATE_SALT, max_age=CERTIFICATE_URL_MAX_AGE.total_seconds()
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        return None
    return Counterparty.objects.filter(pk=data["c"], deleted_at__isnull=True).first()


@transaction.atomic
def certificate_register(cp: Counterparty) -> Counterparty:
    """The sandbox registration: a 전자세금용 certificate valid for a year from now (registering
    again replaces it)."""
    now = timezone.now()
    cp = Counterparty.objects.select_for_update().get(pk=cp.pk)
    cp.certificate_registered_at = now
    cp.certificate_expires_at = now + CERTIFICATE_VALIDITY
    cp.certificate_issuer = SANDBOX_CERTIFICATE_ISSUER
    cp.certificate_subject = f"{current_fields(cp)['company_name']}({cp.brn})"[:200]
    cp.certificate_type = "E_TAX"
    cp.save()
    return cp


# --- partner-linked counterparties ---------------------------------------------------------------

_PARTNER_TO_CP = {
    PartnerConnection.CONNECTED: NtsConnectionStatus.CONNECTED,
    PartnerConnection.CONNECT_PENDING: NtsConnectionStatus.PENDING_CONNECT,
    PartnerConnection.DISCONNECT_PENDING: NtsConnectionStatus.PENDING_DISCONNECT,
    PartnerConnection.NOT_CONNECTED: NtsConnectionStatus.NOT_CONNECTED,
    PartnerConnection.CONNECT_FAILED: NtsConnectionStatus.ERROR,
}


def _snapshot(partner: Partner) -> dict[str, Any]:
    taxation = (
        partner.taxation_type if partner.taxation_type in CompanyTaxationType.values else None
    )
    return {
        "brn": partner.business_registration_number or "",
        "company_name": partner.company_name or partner.name,
        "representative_name": partner.representative_name or "",
        "address": partner.company_address,
        "business_type": partner.business_type,
        "business_class": partner.business_class,
        "taxation_type": taxation,
        "contact_name": partner.contact_name,
        "contact_email": partner.contact_email,
        "contact_phone": partner.contact_phone,
        "business_status": _partner_business_status(partner),
    }


def partner_link_blocker(partner: Partner) -> str | None:
    """Why the partner cannot get its counterparty (its id is another counterparty's), or None."""
    other = (
        Counterparty.objects.filter(is_for_test=partner.is_for_test, public_id=partner.public_id)
        .exclude(partner=partner)
        .first()
    )
    if other is None:
        return None
    return f"거래처 아이디 {partner.public_id}를 다른 거래처가 쓰고 있어 연동할 수 없습니다."


def partners_pending(partner_pks: list[int], *, connect: bool) -> int:
    """The linked counterparties of partners whose connection change has started."""
    status = (
        NtsConnectionStatus.PENDING_CONNECT if connect else NtsConnectionStatus.PENDING_DISCONNECT
    )
    return Counterparty.objects.filter(partner_id__in=partner_pks).update(
        nts_connection_status=status, nts_connection_failed_reason=None, updated_at=timezone.now()
    )


def sync_partner_counterparty(partner: Partner) -> int:
    """Copy the partner's current company and contact onto its counterparty (the snapshot the
    tax-invoice code reads). Call after a partner edit; reads show the partner's values anyway."""
    values = _snapshot(partner)
    values.pop("brn")
    return Counterparty.objects.filter(partner=partner).update(**values, updated_at=timezone.now())


def partner_connection_changed(
    partner: Partner, *, status: str, reason: str | None, connect: bool
) -> Counterparty | None:
    """After the e-tax service answered for a partner (partners.services.counterparty): create
    or update its linked counterparty (id = the partner's id, a snapshot of its company) and emit
    Partner.CounterpartyConnected | ConnectFailed | Disconnected. In the caller's transaction."""
    now = timezone.now()
    cp = Counterparty.objects.select_for_update().filter(partner=partner).first()
    cp_status = _PARTNER_TO_CP.get(status, NtsConnectionStatus.ERROR)
    if status == PartnerConnection.CONNECTED:
        values = {
            **_snapshot(partner),
            "nts_connection_status": cp_status,
            "nts_connection_failed_reason": None,
            "nts_connection_due_at": None,
            "deleted_at": None,
        }
        keep = cp.nts_connected_at if cp is not None and not connect else None
        values["nts_connected_at"] = keep or now
        if cp is None:
            cp = Counterparty.objects.create(
                public_id=partner.public_id,
                is_for_test=partner.is_for_test,
                partner=partner,
                **values,
            )
        else:
            for key, value in values.items():
                setattr(cp, key, value)
            cp.save()
    elif cp is not None:
        cp.nts_connection_status = cp_status
        cp.nts_connection_failed_reason = reason if cp_status == NtsConnectionStatus.ERROR else None
        if cp_status == NtsConnectionStatus.NOT_CONNECTED:
            cp.nts_connected_at = None
        cp.save()
    if connect:
        event = (
            events.PARTNER_COUNTERPARTY_CONNECTED
            if status == PartnerConnection.CONNECTED
            else events.PARTNER_COUNTERPARTY_CONNECT_FAILED
        )
    elif status == PartnerConnection.NOT_CONNECTED:
        event = events.PARTNER_COUNTERPARTY_DISCONNECTED
    else:
        event = None  # a disconnection that failed: still connected, nothing to tell
    if event is not None:
        data = {"partnerId": partner.public_id, "memberCompanyConnectionStatus": status}
        if cp is not None:
            data["counterpartyId"] = cp.public_id
        emit(event, [data], is_for_test=partner.is_for_test)
    return cp


def partner_has_ongoing_invoice(partner: Partner) -> bool:
    """Blocks the partner's NTS disconnection (PLATFORM_ONGOING_TAX_INVOICE_EXISTS)."""
    cp = Counterparty.objects.filter(partner=partner).first()
    if cp is not None:
        return has_ongoing_invoice(cp)
    brn = partner.business_registration_number
    if not brn:
        return False
    return _ongoing(Q(supplier_brn=brn) | Q(recipient_brn=brn), is_for_test=partner.is_for_test)
