"""The wire JSON of partners' answers.

`partner_json` is a plain function: settlements embeds it in every transfer of a list, where a
serializer per partner would cost more than the rest of the row. The smaller objects are Output
serializers, their camelCase names mapped with `source=`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework import serializers

from core.api.outputs import Output
from core.wire import drop_none, graphql_id
from partners.models import Partner, PartnerType, TaxationType
from partners.selectors import contract_public_id


def partner_type_json(partner: Partner, terms: dict[str, Any]) -> dict[str, Any]:
    if terms["partner_type"] == PartnerType.BUSINESS:
        return {
            "type": "BUSINESS",
            "companyName": terms["company_name"],
            "taxationType": terms["taxation_type"] or TaxationType.NORMAL,
            "businessStatus": partner.business_status,
            "businessRegistrationNumber": terms["business_registration_number"],
            "representativeName": terms["representative_name"],
            "memberCompanyConnectionStatus": partner.member_company_connection_status,
            "memberCompanyConnectionFailedReason": partner.member_company_connection_failed_reason,
            "companyAddress": terms["company_address"],
            "businessType": terms["business_type"],
            "businessClass": terms["business_class"],
        }
    return {"type": terms["partner_type"], "birthdate": terms["birthdate"]}


def partner_json(
    partner: Partner, terms: dict[str, Any] | None = None, applied_at: datetime | None = None
) -> dict[str, Any]:
    """PlatformPartner: the partner's current terms, or `terms` in force since `applied_at`
    (a scheduled version)."""
    terms = terms if terms is not None else partner.terms()
    return drop_none(
        {
            "id": partner.public_id,
            "graphqlId": graphql_id("partner", partner.public_id),
            "name": terms["name"],
            "contact": {
                "name": terms["contact_name"],
                "email": terms["contact_email"],
                "phoneNumber": terms["contact_phone"],
            },
            "account": {
                "bank": terms["bank"],
                "currency": terms["account_currency"],
                "number": terms["account_number"],
                "holder": terms["account_holder"],
                "status": partner.account_status,
            },
            "status": partner.status,
            "defaultContractId": contract_public_id(partner, terms["default_contract_id"]),
            "tags": list(terms["tags"] or []),
            "type": partner_type_json(partner, terms),
            "isArchived": partner.is_archived,
            "appliedAt": applied_at or partner.applied_at,
            "userDefinedProperties": {
                k: {"string": v} for k, v in (terms["user_defined_properties"] or {}).items()
            },
            "isForTest": partner.is_for_test,
            "memo": terms["memo"],
        }
    )


class ContractSummaryOutput(Output):
    id = serializers.CharField(source="public_id")
    name = serializers.CharField()


class PartnerFilterOptionsOutput(Output):
    """PlatformPartnerFilterOptions, from partners.selectors.filter_options."""

    tags = serializers.ListField(child=serializers.CharField())
    contractSummary = ContractSummaryOutput(source="contracts", many=True)


class CompanyStateOutput(Output):
    """PlatformCompanyState, from a CompanyVerification."""

    taxationType = serializers.SerializerMethodField()
    businessStatus = serializers.CharField(source="status")
    taxationTypeDate = serializers.CharField(source="raw.taxationTypeChangedOn", required=False)
    closedSuspendedDate = serializers.DateField(source="closed_on")

    def get_taxationType(self, verification) -> str:
        return verification.taxation_type or TaxationType.NORMAL


class CompanyStateAnswerOutput(Output):
    """GetPlatformCompanyStatePayload."""

    companyState = CompanyStateOutput(source="*")
    companyVerificationId = serializers.CharField(source="public_id")


class AccountHolderOutput(Output):
    """PlatformAccountHolder, from an AccountVerification."""

    holderName = serializers.CharField(source="holder_name")
    accountVerificationId = serializers.CharField(source="public_id")
