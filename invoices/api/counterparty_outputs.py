"""Counterparties, certificates and business information as the SDK reads them: B2bCounterparty,
B2bCertificate, B2bBusinessInfoResult (SDK 0.21.0, camelCase, optional fields omitted)."""

from __future__ import annotations

from typing import Any

from core.wire import drop_none, graphql_id
from invoices.models import Counterparty
from invoices.services.business_info import InfoResult
from invoices.services.counterparties import SANDBOX_CERTIFICATE_OID, current_fields


def _contact(name, email, phone, memo) -> dict[str, Any]:
    return drop_none(
        {
            "name": name or "",
            "email": email or "",
            "phoneNumber": phone or None,
            "memo": memo or None,
        }
    )


def counterparty_json(cp: Counterparty) -> dict[str, Any]:
    """B2bCounterparty; a partner-linked one shows its partner's current company and contact
    (select `partner` with it in lists)."""
    now = current_fields(cp)
    status_verification = (
        {"id": cp.business_status_verification_id, "checkedAt": cp.business_status_checked_at}
        if cp.business_status_verification_id and cp.business_status_checked_at
        else None
    )
    info_verification = (
        {"id": cp.business_info_verification_id, "checkedAt": cp.applied_at}
        if cp.business_info_verification_id and cp.applied_at
        else None
    )
    return drop_none(
        {
            "id": cp.public_id,
            "graphqlId": graphql_id("counterparty", cp.public_id),
            "isForTest": cp.is_for_test,
            "brn": now["brn"],
            "companyName": now["company_name"] or "",
            "representativeName": now["representative_name"] or "",
            "contact": _contact(
                now["contact_name"], now["contact_email"], now["contact_phone"], now["contact_memo"]
            ),
            "additionalContacts": [
                _contact(c.get("name"), c.get("email"), c.get("phoneNumber"), c.get("memo"))
                for c in (cp.additional_contacts or [])
            ],
            "ntsConnectionStatus": cp.nts_connection_status,
            "address": now["address"] or None,
            "businessType": now["business_type"] or None,
            "businessClass": now["business_class"] or None,
            "memo": cp.memo or None,
            "ntsConnectedAt": cp.nts_connected_at,
            "ntsConnectionFailedReason": cp.nts_connection_failed_reason or None,
            "partnerId": cp.partner.public_id if cp.partner_id else None,
            "businessStatus": now["business_status"] or None,
            "businessStatusCheckedAt": cp.business_status_checked_at,
            "businessStatusVerification": status_verification,
            "businessInfoVerification": info_verification,
            "appliedAt": cp.applied_at,
        }
    )


def certificate_json(cp: Counterparty) -> dict[str, Any]:
    """B2bCertificate of a counterparty with a registered certificate."""
    now = current_fields(cp)
    return drop_none(
        {
            "registeredAt": cp.certificate_registered_at,
            "expiredAt": cp.certificate_expires_at,
            "issuerName": cp.certificate_issuer or "",
            "subjectName": cp.certificate_subject or "",
            "certificateType": cp.certificate_type or "ETC",
            "oid": SANDBOX_CERTIFICATE_OID,
            "registrantContactName": now["contact_name"] or "",
            "registrantContactId": now["contact_email"] or "",
        }
    )


def business_info_result_json(result: InfoResult) -> dict[str, Any]:
    """B2bBusinessInfoResult."""
    info = result.info
    body: dict[str, Any] = {"brn": result.brn}
    if info is not None:
        body["businessInfo"] = drop_none(
            {
                "brn": info.brn,
                "name": info.name,
                "ceoName": info.ceo_name,
                "zipCode": info.zip_code,
                "address": info.address,
                "businessEntityType": info.business_entity_type,
                "businessStatus": info.business_status,
                "taxationType": info.taxation_type,
                "openingDate": info.opening_date,
                "businessType": info.business_type,
                "businessClass": info.business_class,
                "businessCategoryCode": info.business_category_code,
                "simplifiedTaxationTypeDate": info.simplified_taxation_type_date,
                "closingDate": info.closing_date,
                "corpRegNo": info.corp_reg_no,
                "phoneNumber": info.phone_number,
                "taxOfficeCode": info.tax_office_code,
                "taxOfficeName": info.tax_office_name,
            }
        )
    if result.error:
        body["error"] = result.error
    if result.verification is not None:
        body["verificationId"] = result.verification.public_id
    return body
