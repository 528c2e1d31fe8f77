"""PortOne Platform API for partners (PartnerClient and the partner parts of PlatformClient),
company-state and account-holder lookups. Thin: validate -> partners.services -> JSON."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import serializers
from rest_framework.response import Response

from core.api.outputs import BulkTaskOutput
from core.api.views import (
    PortOneApiView,
    body_dict,
    is_for_test,
    paginate,
    parse_bool,
    request_body,
)
from core.api.wire import drop_none, graphql_id
from core.crypto import blind_index
from core.errors import ApiError, invalid_request, not_found
from core.inputs import OneOf, PageInput, unique_list, validated
from core.versioning import services as versioning
from partners import services
from partners.banks import BANK_LABELS
from partners.brn import is_valid_brn, normalize_brn
from partners.models import (
    AccountStatus,
    BusinessStatus,
    ConnectionStatus,
    Partner,
    PartnerTag,
    PartnerType,
    TaxationType,
)
from policies.models import Contract

# --- inputs -----------------------------------------------------------------------------------


class ContactInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    email = serializers.EmailField()
    phoneNumber = serializers.CharField(max_length=30, required=False)


class AccountInput(serializers.Serializer):
    bank = serializers.ChoiceField(choices=list(BANK_LABELS))
    currency = serializers.CharField(max_length=3)
    number = serializers.RegexField(
        r"^[0-9-]{6,30}$", error_messages={"invalid": "숫자와 하이픈(-)만 6~30자로 입력하세요."}
    )
    holder = serializers.CharField(max_length=100)
    accountVerificationId = serializers.CharField(required=False)


class BrnField(serializers.CharField):
    def to_internal_value(self, data):
        value = normalize_brn(super().to_internal_value(data))
        if not is_valid_brn(value):
            raise serializers.ValidationError(
                "사업자등록번호가 올바르지 않습니다 (10자리, 국세청 검증번호)."
            )
        return value


class BusinessInput(serializers.Serializer):
    companyName = serializers.CharField(max_length=200)
    businessRegistrationNumber = BrnField()
    representativeName = serializers.CharField(max_length=100)
    taxationType = serializers.ChoiceField(choices=TaxationType.values, required=False)
    companyAddress = serializers.CharField(max_length=300, required=False, allow_blank=True)
    businessType = serializers.CharField(max_length=100, required=False, allow_blank=True)
    businessClass = serializers.CharField(max_length=100, required=False, allow_blank=True)
    companyVerificationId = serializers.CharField(required=False)


class BusinessUpdateInput(BusinessInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in ("companyName", "businessRegistrationNumber", "representativeName"):
            self.fields[field].required = False


class IndividualInput(serializers.Serializer):
    birthdate = serializers.DateField(required=False, format="%Y-%m-%d", input_formats=["%Y-%m-%d"])


class UdpValue(serializers.Serializer):
    string = serializers.CharField(allow_blank=True, max_length=1000)


def type_input(business: type[serializers.Serializer]) -> OneOf:
    return OneOf(
        {"business": business(), "whtPayer": IndividualInput(), "nonWhtPayer": IndividualInput()}
    )


class PartnerUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    contact = ContactInput(required=False)
    account = AccountInput(required=False)
    defaultContractId = serializers.CharField(required=False)
    memo = serializers.CharField(max_length=256, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    type = type_input(BusinessUpdateInput)
    userDefinedProperties = serializers.DictField(child=UdpValue(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].required = False


class PartnerCreateInput(PartnerUpdateInput):
    id = serializers.CharField(max_length=100, required=False)
    type = type_input(BusinessInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "contact", "account", "defaultContractId", "tags", "type"):
            self.fields[name].required = True


TYPE_KEYS = {
    "business": PartnerType.BUSINESS,
    "whtPayer": PartnerType.WHT_PAYER,
    "nonWhtPayer": PartnerType.NON_WHT_PAYER,
}


def partner_change(data: dict[str, Any]) -> dict[str, Any]:
    """Validated camelCase input -> {"id", "contract_id", "terms", "*_verification_id"}."""
    terms: dict[str, Any] = {}
    change: dict[str, Any] = {"terms": terms}
    if "id" in data:
        change["id"] = data["id"]
    if "name" in data:
        terms["name"] = data["name"]
    if "memo" in data:
        terms["memo"] = data["memo"]
    if "tags" in data:
        terms["tags"] = unique_list(data["tags"])
    if "defaultContractId" in data:
        change["contract_id"] = data["defaultContractId"]
    if "userDefinedProperties" in data:
        terms["user_defined_properties"] = {
            k: v["string"] for k, v in data["userDefinedProperties"].items()
        }
    if "contact" in data:
        contact = data["contact"]
        terms.update(
            contact_name=contact["name"],
            contact_email=contact["email"],
            contact_phone=contact.get("phoneNumber"),
        )
    if "account" in data:
        account = data["account"]
        terms.update(
            bank=account["bank"],
            account_currency=account["currency"],
            account_number=account["number"].replace("-", ""),
            account_holder=account["holder"],
        )
        if account.get("accountVerificationId"):
            change["account_verification_id"] = account["accountVerificationId"]
    if "type" in data:
        key, value = data["type"]
        terms["partner_type"] = TYPE_KEYS[key]
        if key == "business":
            mapping = {
                "companyName": "company_name",
                "businessRegistrationNumber": "business_registration_number",
                "representativeName": "representative_name",
                "taxationType": "taxation_type",
                "companyAddress": "company_address",
                "businessType": "business_type",
                "businessClass": "business_class",
            }
            terms.update({mapping[k]: v for k, v in value.items() if k in mapping})
            if value.get("companyVerificationId"):
                change["company_verification_id"] = value["companyVerificationId"]
        elif "birthdate" in value:
            terms["birthdate"] = value["birthdate"].isoformat()
    return change


# --- output -----------------------------------------------------------------------------------


def _contract_public_id(partner: Partner, contract_pk: int) -> str:
    if contract_pk == partner.default_contract_id:
        return partner.default_contract.public_id
    return Contract.objects.only("public_id").get(pk=contract_pk).public_id


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
    partner: Partner, terms: dict[str, Any] | None = None, applied_at=None
) -> dict[str, Any]:
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
            "defaultContractId": _contract_public_id(partner, terms["default_contract_id"]),
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


# --- filter -----------------------------------------------------------------------------------


class PartnerFilter(serializers.Serializer):
    isArchived = serializers.BooleanField(required=False, default=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    banks = serializers.ListField(child=serializers.CharField(), required=False)
    accountCurrencies = serializers.ListField(child=serializers.CharField(), required=False)
    ids = serializers.ListField(child=serializers.CharField(), required=False)
    contractIds = serializers.ListField(child=serializers.CharField(), required=False)
    accountStatuses = serializers.ListField(
        child=serializers.ChoiceField(choices=AccountStatus.values), required=False
    )
    businessStatuses = serializers.ListField(
        child=serializers.ChoiceField(choices=BusinessStatus.values), required=False
    )
    types = serializers.ListField(
        child=serializers.ChoiceField(choices=PartnerType.values), required=False
    )
    taxationTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=TaxationType.values), required=False
    )
    memberCompanyConnectionStatuses = serializers.ListField(
        child=serializers.ChoiceField(choices=ConnectionStatus.values), required=False
    )
    keyword = OneOf(
        {
            name: serializers.CharField(allow_blank=True)
            for name in (
                "id",
                "name",
                "email",
                "businessRegistrationNumber",
                "defaultContractId",
                "memo",
                "accountNumber",
                "accountHolder",
            )
        },
        required=False,
    )


def _keyword_q(keyword: tuple[str, str] | None) -> Q:
    if keyword is None:
        return Q()
    key, text = keyword
    if key == "accountNumber":
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) <= 4:
            return Q(account_number_last4__endswith=digits)
        return Q(account_number_index=blind_index(digits))
    if key == "businessRegistrationNumber":
        return Q(business_registration_number__contains=text.replace("-", ""))
    field = {
        "id": "public_id",
        "name": "name",
        "email": "contact_email",
        "defaultContractId": "default_contract__public_id",
        "memo": "memo",
        "accountHolder": "account_holder",
    }[key]
    return Q(**{f"{field}__icontains": text})


def filter_partners(qs: QuerySet, f: dict[str, Any]) -> QuerySet:
    qs = qs.filter(is_archived=f["isArchived"]).filter(_keyword_q(f.get("keyword")))
    simple = {
        "banks": "bank__in",
        "accountCurrencies": "account_currency__in",
        "ids": "public_id__in",
        "contractIds": "default_contract__public_id__in",
        "accountStatuses": "account_status__in",
        "types": "partner_type__in",
        "taxationTypes": "taxation_type__in",
        "memberCompanyConnectionStatuses": "member_company_connection_status__in",
    }
    for key, lookup in simple.items():
        if f.get(key):
            qs = qs.filter(**{lookup: f[key]})
    if f.get("businessStatuses"):  # only businesses have a business status
        qs = qs.filter(partner_type=PartnerType.BUSINESS, business_status__in=f["businessStatuses"])
    if f.get("tags"):
        qs = qs.filter(tag_rows__tag__in=f["tags"]).distinct()
    return qs


def _partners(request, body) -> QuerySet:
    return Partner.objects.filter(is_for_test=is_for_test(request, body)).select_related(
        "default_contract"
    )


# --- views ------------------------------------------------------------------------------------


class PartnersView(PortOneApiView):
    def get(self, request):
        body = request_body(request)
        page = validated(PageInput, body.get("page") or {})
        filters = validated(PartnerFilter, body.get("filter") or {})
        versioning.promote_due(services.PARTNER)
        qs = filter_partners(_partners(request, body), filters).order_by("-created_at", "-id")
        items, page_info = paginate(qs, page)
        return Response({"items": [partner_json(p) for p in items], "page": page_info})

    def post(self, request):
        body = body_dict(request)
        data = validated(PartnerCreateInput, body)
        partner = services.partner_create(
            is_for_test=is_for_test(request, body), item=partner_change(data)
        )
        return Response({"partner": partner_json(partner)})


class PartnersBatchInput(serializers.Serializer):
    partners = serializers.ListField(
        child=PartnerCreateInput(), allow_empty=False, max_length=10_000
    )


class PartnersBatchView(PortOneApiView):
    def post(self, request):
        body = body_dict(request)
        data = validated(PartnersBatchInput, body)
        created = services.partners_create(
            is_for_test=is_for_test(request, body),
            items=[partner_change(item) for item in data["partners"]],
        )
        return Response({"partners": [partner_json(p) for p in created]})


class PartnerView(PortOneApiView):
    def get(self, request, id: str):
        partner = services.partner_get(public_id=id, is_for_test=is_for_test(request))
        return Response(partner_json(partner))

    def patch(self, request, id: str):
        body = body_dict(request)
        data = validated(PartnerUpdateInput, body)
        partner = services.partner_update(
            public_id=id, is_for_test=is_for_test(request, body), change=partner_change(data)
        )
        return Response({"partner": partner_json(partner)})


class PartnerArchiveView(PortOneApiView):
    def post(self, request, id: str):
        partner = services.partner_archive(public_id=id, is_for_test=is_for_test(request))
        return Response({"partner": partner_json(partner)})


class PartnerRecoverView(PortOneApiView):
    def post(self, request, id: str):
        partner = services.partner_recover(public_id=id, is_for_test=is_for_test(request))
        return Response({"partner": partner_json(partner)})


class ScheduleInput(serializers.Serializer):
    update = serializers.DictField()
    appliedAt = serializers.DateTimeField()


class PartnerScheduleView(PortOneApiView):
    def get(self, request, id: str):
        partner, version = versioning.schedule_get(
            services.PARTNER, public_id=id, is_for_test=is_for_test(request)
        )
        terms = versioning.projected_terms(services.PARTNER, partner, version)
        return Response(partner_json(partner, terms, version.applied_at))

    def _write(self, request, id: str, replace: bool):
        body = body_dict(request)
        data = validated(ScheduleInput, body)
        update = validated(PartnerUpdateInput, data["update"])
        partner, version = services.partner_schedule(
            public_id=id,
            is_for_test=is_for_test(request, body),
            change=partner_change(update),
            applied_at=data["appliedAt"],
            replace=replace,
        )
        terms = versioning.projected_terms(services.PARTNER, partner, version)
        return Response({"scheduledPartner": partner_json(partner, terms, version.applied_at)})

    def post(self, request, id: str):
        return self._write(request, id, replace=False)

    def put(self, request, id: str):
        return self._write(request, id, replace=True)

    def delete(self, request, id: str):
        versioning.schedule_cancel(services.PARTNER, public_id=id, is_for_test=is_for_test(request))
        return Response({})


class BulkScheduleInput(ScheduleInput):
    filter = PartnerFilter(required=False)


class PartnersScheduleView(PortOneApiView):
    def post(self, request):
        body = body_dict(request)
        data = validated(BulkScheduleInput, body)
        update = validated(PartnerUpdateInput, data["update"])
        filters = data.get("filter") or validated(PartnerFilter, {})
        partners = list(filter_partners(_partners(request, body), filters))
        if "type" in update:  # bulk schedules may change details, never the partner type (§5)
            new_type = TYPE_KEYS[update["type"][0]]
            if any(p.partner_type != new_type for p in partners):
                raise invalid_request(
                    "update.type: 일괄 예약으로는 파트너 유형을 바꿀 수 없습니다."
                )
        services.partners_schedule(
            partners=partners, change=partner_change(update), applied_at=data["appliedAt"]
        )
        return Response({})


class PartnerFilterOptionsView(PortOneApiView):
    def get(self, request):
        raw = request.query_params.get("isArchived")
        archived = parse_bool(raw, "isArchived") if raw else False
        qs = Partner.objects.filter(is_for_test=is_for_test(request), is_archived=archived)
        tags = sorted(set(PartnerTag.objects.filter(partner__in=qs).values_list("tag", flat=True)))
        contracts = (
            Contract.objects.filter(partners__in=qs)
            .distinct()
            .order_by("name")
            .values_list("public_id", "name")
        )
        return Response(
            {
                "tags": tags,
                "contractSummary": [{"id": cid, "name": name} for cid, name in contracts],
            }
        )


class CompanyStateView(PortOneApiView):
    """GET /platform/companies/{businessRegistrationNumber}/state (휴폐업 조회)."""

    def get(self, request, brn: str):
        normalized = normalize_brn(brn)
        if not is_valid_brn(normalized):
            raise invalid_request(
                "businessRegistrationNumber: 사업자등록번호가 올바르지 않습니다 (10자리, 검증번호)."
            )
        verification = services.company_state_lookup(
            brn=normalized, is_for_test=is_for_test(request)
        )
        if verification.status == BusinessStatus.NOT_FOUND:
            raise not_found(
                "PLATFORM_COMPANY_NOT_FOUND",
                f"국세청에 등록되지 않은 사업자등록번호입니다: {normalized}",
            )
        return Response(
            {
                "companyState": drop_none(
                    {
                        "taxationType": verification.taxation_type or TaxationType.NORMAL,
                        "businessStatus": verification.status,
                        "taxationTypeDate": (verification.raw or {}).get("taxationTypeChangedOn"),
                        "closedSuspendedDate": verification.closed_on,
                    }
                ),
                "companyVerificationId": verification.public_id,
            }
        )


class AccountHolderView(PortOneApiView):
    """GET /platform/bank-accounts/{bank}/{accountNumber}/holder (예금주 조회)."""

    def get(self, request, bank: str, account_number: str):
        if bank not in BANK_LABELS:
            raise ApiError(
                "PLATFORM_NOT_SUPPORTED_BANK", f"bank: 알 수 없는 은행입니다: {bank}", 400
            )
        birthdate = request.query_params.get("birthdate")
        brn = request.query_params.get("businessRegistrationNumber")
        verification = services.account_holder_lookup(
            bank=bank,
            number=account_number.replace("-", ""),
            identity=brn or birthdate,
            is_for_test=is_for_test(request),
        )
        return Response(
            {
                "holderName": verification.holder_name,
                "accountVerificationId": verification.public_id,
            }
        )


class CounterpartyConnectView(PortOneApiView):
    def post(self, request, id: str):
        from partners.counterparty import counterparty_connect

        partner = counterparty_connect(public_id=id, is_for_test=is_for_test(request))
        return Response({"partner": partner_json(partner)})


class CounterpartyDisconnectView(PortOneApiView):
    def post(self, request, id: str):
        from partners.counterparty import counterparty_disconnect

        partner = counterparty_disconnect(public_id=id, is_for_test=is_for_test(request))
        return Response({"partner": partner_json(partner)})


class BulkCounterpartyInput(serializers.Serializer):
    filter = PartnerFilter(required=False)


class BulkCounterpartyView(PortOneApiView):
    connect = True

    def post(self, request):
        from partners.counterparty import counterparties_bulk

        body = body_dict(request)
        data = validated(BulkCounterpartyInput, body)
        filters = data.get("filter") or validated(PartnerFilter, {})
        partners = list(filter_partners(_partners(request, body), filters))
        task = counterparties_bulk(
            partners=partners, connect=self.connect, is_for_test=is_for_test(request, body)
        )
        return Response({"bulkTask": BulkTaskOutput(task).data})
