"""PortOne Platform API views for partners, company-state and account-holder lookups and 국세청
연동. Thin: validate (partners.inputs) -> partners.services / partners.selectors -> output
(partners.api.outputs)."""

from __future__ import annotations

from collections.abc import Callable

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
from core.errors import Invalid, invalid
from core.inputs import PageInput, validated
from core.versioning import services as versioning
from partners import inputs, selectors
from partners.api.outputs import (
    AccountHolderOutput,
    CompanyStateAnswerOutput,
    PartnerFilterOptionsOutput,
    partner_json,
)
from partners.domain.banks import BANK_LABELS
from partners.domain.brn import is_valid_brn, normalize_brn
from partners.models import Partner
from partners.services import counterparty, lookups
from partners.services import partners as services


def _filtered(request, body: dict, filters: dict | None) -> list:
    """The partners of the request's mode that `filters` (validated PartnerFilter) selects."""
    filters = filters or validated(inputs.PartnerFilter, {})
    qs = selectors.partners_of(is_for_test=is_for_test(request, body))
    return list(selectors.filter_partners(qs, filters))


class PartnersView(PortOneApiView):
    def get(self, request):
        body = request_body(request)
        page = validated(PageInput, body.get("page") or {})
        filters = validated(inputs.PartnerFilter, body.get("filter") or {})
        qs = selectors.partner_list(is_for_test=is_for_test(request, body), filters=filters)
        items, page_info = paginate(qs, page)
        return Response({"items": [partner_json(p) for p in items], "page": page_info})

    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.PartnerCreateInput, body)
        partner = services.partner_create(
            is_for_test=is_for_test(request, body), change=inputs.partner_change(data)
        )
        return Response({"partner": partner_json(partner)})


class PartnersBatchView(PortOneApiView):
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.PartnersBatchInput, body)
        created = services.partners_create(
            is_for_test=is_for_test(request, body),
            items=[inputs.partner_change(item) for item in data["partners"]],
        )
        return Response({"partners": [partner_json(p) for p in created]})


class PartnerView(PortOneApiView):
    def get(self, request, id: str):
        partner = services.partner_get(public_id=id, is_for_test=is_for_test(request))
        return Response(partner_json(partner))

    def patch(self, request, id: str):
        body = body_dict(request)
        data = validated(inputs.PartnerUpdateInput, body)
        partner = services.partner_update(
            public_id=id, is_for_test=is_for_test(request, body), change=inputs.partner_change(data)
        )
        return Response({"partner": partner_json(partner)})


class PartnerActionView(PortOneApiView):
    """A POST on one partner that answers `{"partner": ...}`; `service` does the work."""

    service: Callable[..., Partner]

    def post(self, request, id: str):
        partner = self.service(public_id=id, is_for_test=is_for_test(request))
        return Response({"partner": partner_json(partner)})


class PartnerArchiveView(PartnerActionView):
    service = staticmethod(services.partner_archive)


class PartnerRecoverView(PartnerActionView):
    service = staticmethod(services.partner_recover)


class CounterpartyConnectView(PartnerActionView):
    service = staticmethod(counterparty.counterparty_connect)


class CounterpartyDisconnectView(PartnerActionView):
    service = staticmethod(counterparty.counterparty_disconnect)


class PartnerScheduleView(PortOneApiView):
    def get(self, request, id: str):
        partner, version = versioning.schedule_get(
            services.PARTNER, public_id=id, is_for_test=is_for_test(request)
        )
        terms = versioning.projected_terms(services.PARTNER, partner, version)
        return Response(partner_json(partner, terms, version.applied_at))

    def _write(self, request, id: str, replace: bool):
        body = body_dict(request)
        data = validated(inputs.ScheduleInput, body)
        update = validated(inputs.PartnerUpdateInput, data["update"])
        partner, version = services.partner_schedule(
            public_id=id,
            is_for_test=is_for_test(request, body),
            change=inputs.partner_change(update),
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


class PartnersScheduleView(PortOneApiView):
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.BulkScheduleInput, body)
        update = validated(inputs.PartnerUpdateInput, data["update"])
        services.partners_schedule(
            partners=_filtered(request, body, data.get("filter")),
            change=inputs.partner_change(update),
            applied_at=data["appliedAt"],
        )
        return Response({})


class PartnerFilterOptionsView(PortOneApiView):
    def get(self, request):
        raw = request.query_params.get("isArchived")
        options = selectors.filter_options(
            is_for_test=is_for_test(request),
            is_archived=parse_bool(raw, "isArchived") if raw else False,
        )
        return Response(PartnerFilterOptionsOutput(options).data)


class CompanyStateView(PortOneApiView):
    """GET /platform/companies/{businessRegistrationNumber}/state (휴폐업 조회)."""

    def get(self, request, brn: str):
        normalized = normalize_brn(brn)
        if not is_valid_brn(normalized):
            raise invalid(
                "businessRegistrationNumber: 사업자등록번호가 올바르지 않습니다 (10자리, 검증번호)."
            )
        verification = lookups.company_state_lookup(
            brn=normalized, is_for_test=is_for_test(request)
        )
        return Response(CompanyStateAnswerOutput(verification).data)


class AccountHolderView(PortOneApiView):
    """GET /platform/bank-accounts/{bank}/{accountNumber}/holder (예금주 조회)."""

    writes = True  # a paid lookup that records a verification: not for read-only secrets

    def get(self, request, bank: str, account_number: str):
        if bank not in BANK_LABELS:
            raise Invalid("PLATFORM_NOT_SUPPORTED_BANK", f"bank: 알 수 없는 은행입니다: {bank}")
        birthdate = request.query_params.get("birthdate")
        brn = request.query_params.get("businessRegistrationNumber")
        verification = lookups.account_holder_lookup(
            bank=bank,
            number=account_number.replace("-", ""),
            identity=brn or birthdate,
            is_for_test=is_for_test(request),
        )
        return Response(AccountHolderOutput(verification).data)


class BulkCounterpartyView(PortOneApiView):
    connect = True

    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.BulkCounterpartyInput, body)
        task = counterparty.counterparties_bulk(
            partners=_filtered(request, body, data.get("filter")),
            connect=self.connect,
            is_for_test=is_for_test(request, body),
        )
        return Response({"bulkTask": BulkTaskOutput(task).data})
