"""PortOne Platform API views for contracts, discount-share and additional-fee policies, and the
setting.

Thin: validate (policies.inputs) -> core.versioning / policies.services / policies.selectors ->
output (policies.api.outputs). One set of generic views serves the three kinds; each kind is
described by a `Resource`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.response import Response
from ulid import ULID

from core.api.views import (
    PortOneApiView,
    body_dict,
    is_for_test,
    paginate,
    parse_bool,
    request_body,
)
from core.inputs import PageInput, validated
from core.versioning import services as versioning
from policies import inputs, selectors, services
from policies.api.outputs import DiscountSharePolicyFilterOptionsOutput, SettingOutput


@dataclass(frozen=True)
class Resource:
    kind: versioning.Kind
    key: str  # "contract" -> {"contract": ...}
    scheduled_key: str  # "scheduledContract"
    create_input: type[serializers.Serializer]
    update_input: type[serializers.Serializer]
    filter_input: type[serializers.Serializer]
    to_terms: Callable[[dict[str, Any]], dict[str, Any]]
    to_json: Callable[..., dict[str, Any]]
    apply_filter: Callable[[QuerySet, dict[str, Any]], QuerySet]


class ResourceView(PortOneApiView):
    resource: Resource = None  # set by as_view(resource=...)

    @property
    def kind(self) -> versioning.Kind:
        return self.resource.kind


class CollectionView(ResourceView):
    def get(self, request):
        body = request_body(request)
        page = validated(PageInput, body.get("page") or {})
        filters = validated(self.resource.filter_input, body.get("filter") or {})
        qs = selectors.entity_list(self.kind, is_for_test=is_for_test(request, body))
        items, page_info = paginate(self.resource.apply_filter(qs, filters), page)
        return Response({"items": [self.resource.to_json(e) for e in items], "page": page_info})

    def post(self, request):
        body = body_dict(request)
        data = validated(self.resource.create_input, body)
        entity = versioning.entity_create(
            self.kind,
            public_id=data.get("id") or str(ULID()),
            is_for_test=is_for_test(request, body),
            terms=self.resource.to_terms(data),
        )
        return Response({self.resource.key: self.resource.to_json(entity)})


class ItemView(ResourceView):
    def get(self, request, id: str):
        entity = versioning.entity_get(self.kind, public_id=id, is_for_test=is_for_test(request))
        return Response(self.resource.to_json(entity))

    def patch(self, request, id: str):
        body = body_dict(request)
        data = validated(self.resource.update_input, body)
        entity = versioning.entity_update(
            self.kind,
            public_id=id,
            is_for_test=is_for_test(request, body),
            changes=self.resource.to_terms(data),
        )
        return Response({self.resource.key: self.resource.to_json(entity)})


class ArchiveView(ResourceView):
    def post(self, request, id: str):
        entity = versioning.entity_archive(
            self.kind, public_id=id, is_for_test=is_for_test(request)
        )
        return Response({self.resource.key: self.resource.to_json(entity)})


class RecoverView(ResourceView):
    def post(self, request, id: str):
        entity = versioning.entity_recover(
            self.kind, public_id=id, is_for_test=is_for_test(request)
        )
        return Response({self.resource.key: self.resource.to_json(entity)})


class ScheduleView(ResourceView):
    def get(self, request, id: str):
        entity, version = versioning.schedule_get(
            self.kind, public_id=id, is_for_test=is_for_test(request)
        )
        terms = versioning.projected_terms(self.kind, entity, version)
        return Response(self.resource.to_json(entity, terms, version.applied_at))

    def _write(self, request, id: str, service):
        body = body_dict(request)
        data = validated(inputs.ScheduleInput, body)
        update = validated(self.resource.update_input, data["update"])
        entity, version = service(
            self.kind,
            public_id=id,
            is_for_test=is_for_test(request, body),
            changes=self.resource.to_terms(update),
            applied_at=data["appliedAt"],
        )
        terms = versioning.projected_terms(self.kind, entity, version)
        return Response(
            {self.resource.scheduled_key: self.resource.to_json(entity, terms, version.applied_at)}
        )

    def post(self, request, id: str):
        return self._write(request, id, versioning.schedule_create)

    def put(self, request, id: str):
        return self._write(request, id, versioning.schedule_replace)

    def delete(self, request, id: str):
        versioning.schedule_cancel(self.kind, public_id=id, is_for_test=is_for_test(request))
        return Response({})


CONTRACTS = Resource(
    kind=services.CONTRACT,
    key="contract",
    scheduled_key="scheduledContract",
    create_input=inputs.ContractCreateInput,
    update_input=inputs.ContractUpdateInput,
    filter_input=inputs.ContractFilter,
    to_terms=inputs.contract_terms,
    to_json=selectors.contract_snapshot,
    apply_filter=selectors.filter_contracts,
)
DISCOUNT_SHARE_POLICIES = Resource(
    kind=services.DISCOUNT_SHARE_POLICY,
    key="discountSharePolicy",
    scheduled_key="scheduledDiscountSharePolicy",
    create_input=inputs.DiscountSharePolicyCreateInput,
    update_input=inputs.DiscountSharePolicyUpdateInput,
    filter_input=inputs.DiscountSharePolicyFilter,
    to_terms=inputs.discount_share_terms,
    to_json=selectors.discount_share_policy_snapshot,
    apply_filter=selectors.filter_discount_share_policies,
)
ADDITIONAL_FEE_POLICIES = Resource(
    kind=services.ADDITIONAL_FEE_POLICY,
    key="additionalFeePolicy",
    scheduled_key="scheduledAdditionalFeePolicy",
    create_input=inputs.AdditionalFeePolicyCreateInput,
    update_input=inputs.AdditionalFeePolicyUpdateInput,
    filter_input=inputs.AdditionalFeePolicyFilter,
    to_terms=inputs.additional_fee_terms,
    to_json=selectors.additional_fee_policy_snapshot,
    apply_filter=selectors.filter_additional_fee_policies,
)


class DiscountSharePolicyFilterOptionsView(PortOneApiView):
    def get(self, request):
        raw = request.query_params.get("isArchived")
        rates = selectors.discount_share_rates(
            is_for_test=is_for_test(request),
            is_archived=parse_bool(raw, "isArchived") if raw else False,
        )
        return Response(DiscountSharePolicyFilterOptionsOutput({"partner_share_rates": rates}).data)


class SettingView(PortOneApiView):
    def get(self, request):
        setting = services.setting_get(is_for_test=is_for_test(request))
        return Response(SettingOutput(setting).data)

    def patch(self, request):
        body = body_dict(request)
        changes = validated(inputs.SettingUpdateInput, body)
        setting = services.setting_update(is_for_test=is_for_test(request, body), changes=changes)
        return Response({"setting": SettingOutput(setting).data})
