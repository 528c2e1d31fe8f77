"""drf-spectacular postprocessing hook: request/response bodies taken from the PortOne SDK.

Our views are plain `APIView`s, so drf-spectacular sees paths but no bodies. The bodies live in
`core/api/openapi_portone.json`, which `scripts/gen_openapi_schemas.py` derives from the pinned
`portone-server-sdk` (the API's schema). This module only reads that committed file: the SDK is
not a runtime dependency.

It is not a source of truth for validation: the views' serializers are. Operations the SDK does
not know (e.g. our webhook receiver) keep what drf-spectacular produced, and SDK operations we do
not serve are not added.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

from drf_spectacular.drainage import warn
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework.generics import GenericAPIView

SCHEMAS_FILE = Path(__file__).resolve().parent / "openapi_portone.json"
REF_PREFIX = "#/components/schemas/"
_PATH_PARAMETER = re.compile(r"\{[^}/]+\}")


def operation_key(method: str, path: str) -> str:
    """'GET /platform/partners/{}': path parameter names differ ({brn} vs the SDK's long name)."""
    return f"{method.upper()} {_PATH_PARAMETER.sub('{}', path)}"


@functools.cache
def portone_schemas() -> dict[str, Any]:
    document = json.loads(SCHEMAS_FILE.read_text(encoding="utf-8"))
    document["byKey"] = {
        operation_key(*key.split(" ", 1)): operation
        for key, operation in document["operations"].items()
    }
    document["bySdkMethod"] = {
        operation["x-portone-sdk-method"]: operation
        for operation in document["operations"].values()
    }
    return document


def _referenced(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = set()
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            found.add(ref.removeprefix(REF_PREFIX))
        for item in value.values():
            found |= _referenced(item)
        return found
    if isinstance(value, list):
        return set().union(*(_referenced(item) for item in value)) if value else set()
    return set()


def _closure(names: set[str], schemas: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(_referenced(schemas[name]) - seen)
    return seen


def add_portone_bodies(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: merge SDK-derived bodies into `result` (in place)."""
    document = portone_schemas()
    by_key = document["byKey"]
    sdk_schemas = document["components"]["schemas"]
    used: set[str] = set()
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            sdk = by_key.get(operation_key(method, path))
            if sdk is None:
                continue
            sdk = copy.deepcopy(sdk)
            present = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
            extra = [p for p in sdk["parameters"] if (p["in"], p["name"]) not in present]
            if extra:
                operation["parameters"] = [*operation.get("parameters", []), *extra]
            if "requestBody" in sdk:
                operation["requestBody"] = sdk["requestBody"]
            operation.setdefault("responses", {})["200"] = sdk["responses"]["200"]
            operation["x-portone-sdk-method"] = sdk["x-portone-sdk-method"]
            used |= _referenced(sdk)

    components = result.setdefault("components", {}).setdefault("schemas", {})
    for name in sorted(_closure(used, sdk_schemas)):
        if name in components and components[name] != sdk_schemas[name]:
            warn(f"component {name} exists already; the PortOne SDK one is not merged")
            continue
        components[name] = copy.deepcopy(sdk_schemas[name])
    result["components"]["schemas"] = dict(sorted(components.items()))
    return result


# --- What a reader of /api/docs/ needs besides bodies: auth, tags, titles ----------------------

WEBHOOK_PREFIX = "/webhooks/"
SECURITY_SCHEME = "PortOne"
SECURITY_SCHEMES = {
    SECURITY_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": (
            "API 시크릿을 `PortOne <시크릿>` 형식으로 입력하세요 (예: `PortOne sk_live_…`). "
            "앞의 `PortOne ` 까지 함께 입력해야 합니다. 시크릿은 "
            "`python manage.py create_api_secret <이름>` 또는 관리자 화면의 *API 시크릿*에서 "
            "만듭니다."
        ),
    },
}

# (tag, description); the order is the order of the sections on /api/docs/.
TAGS: tuple[tuple[str, str], ...] = (
    ("정책·계약", "계약(수수료·정산 주기), 할인 분담 정책, 추가 수수료 정책과 그 예약 변경"),
    ("플랫폼 설정", "정산일 휴일 규칙 등 플랫폼 전체 설정"),
    ("파트너", "파트너 등록·조회·수정·보관과 예약 변경"),
    ("사업자·계좌 조회", "휴폐업 조회, 사업자정보 조회와 예금주 조회 (파트너 등록 전 확인)"),
    ("정산건", "주문·주문 취소·수기 정산건과 정산 상세 내역 다운로드"),
    ("정산 내역", "파트너별·정산일별로 모인 정산 내역"),
    ("지급", "일괄 지급 생성·시작·승인·취소·중단, 지급 완료 처리, 지급 계좌, 지급·이체 내역"),
    (
        "국세청 연동·세금계산서",
        "파트너의 국세청(홈택스) 연동, 세금계산서 정발행·역발행·수정발행·국세청 전송, 일괄 역발행",
    ),
    ("거래처", "세금계산서를 주고받는 거래처와 그 인증서"),
    ("웹훅", "포트원 결제 웹훅 수신 (서명으로 인증)과 보내는 웹훅의 엔드포인트·전송 내역·재전송"),
)
FALLBACK_TAG = "기타"

# Titles the SDK's docstrings lack (they open with their Warning block).
_SDK_TITLES = {
    "reschedule_additional_fee_policy": "추가 수수료 정책 예약 업데이트 재설정",
    "schedule_platform_partners": "파트너 일괄 업데이트 예약",
}

# Titles of the operations the SDK does not know.
_OWN_SUMMARIES = {
    "post /webhooks/portone": (
        "포트원 결제 웹훅 수신",
        "포트원이 결제·취소 때 보내는 웹훅을 받습니다. API 시크릿이 아니라 Standard Webhooks "
        "서명(`webhook-id`, `webhook-timestamp`, `webhook-signature` 헤더, "
        "`PORTONE_WEBHOOK_SECRET`)으로 인증하므로 이 화면에서 직접 보낼 수 없습니다. 서명이 "
        "맞으면 200 `{}`(이미 받은 웹훅도 200), 서명이 틀리면 400, 포트원에 결제를 물어볼 수 "
        "없거나 시크릿이 설정되지 않았으면 503(포트원이 다시 보냅니다).",
    ),
}

# First match wins: (path prefix, tag). Longer, more specific prefixes first.
_TAG_RULES: tuple[tuple[str, str], ...] = (
    ("/platform/partners/counterparty-", "국세청 연동·세금계산서"),
    ("/platform/partner-settlements/complete-payout", "지급"),
    ("/platform/partner-settlements", "정산 내역"),
    ("/platform/partner-filter-options", "파트너"),
    ("/platform/partners", "파트너"),
    ("/platform/contracts", "정책·계약"),
    ("/platform/discount-share-polic", "정책·계약"),
    ("/platform/additional-fee-policies", "정책·계약"),
    ("/platform/setting", "플랫폼 설정"),
    ("/platform/companies/", "사업자·계좌 조회"),
    ("/platform/bank-accounts/", "사업자·계좌 조회"),
    ("/platform/transfer", "정산건"),
    ("/platform/payouts", "지급"),
    ("/platform/payout-account", "지급"),
    ("/platform/bulk-payouts", "지급"),
    ("/platform/account-transfers", "지급"),
    ("/platform/bulk-account-transfers", "지급"),
    ("/platform/accounts", "지급"),
    ("/b2b/companies/", "사업자·계좌 조회"),
    ("/b2b/counterparties", "거래처"),
    ("/b2b/", "국세청 연동·세금계산서"),
    ("/webhooks/", "웹훅"),
    ("/platform/webhook-", "웹훅"),
)


class PortOneSecretScheme(OpenApiAuthenticationExtension):
    """Tells drf-spectacular what core.api.auth.PortOneSecretAuthentication expects. Registered
    when this module is imported, which REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] (below) ensures
    before any view is read."""

    target_class = "core.api.auth.PortOneSecretAuthentication"
    name = SECURITY_SCHEME

    def get_security_definition(self, auto_schema):
        return copy.deepcopy(SECURITY_SCHEMES[SECURITY_SCHEME])


class PortOneAutoSchema(AutoSchema):
    """REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]. Our endpoints are plain APIViews whose bodies come
    from the SDK (add_portone_bodies): there is no serializer to guess, so none is looked for
    (drf-spectacular would print an error per view on every /api/schema/ request). Operation ids
    are the SDK's method names (unique, and what an integrator calls); tags follow the area."""

    def _get_serializer(self):
        if isinstance(self.view, GenericAPIView) or getattr(self.view, "serializer_class", None):
            return super()._get_serializer()
        return None

    def get_operation_id(self) -> str:
        sdk = portone_schemas()["byKey"].get(operation_key(self.method, self.path))
        if sdk is not None:
            return sdk["x-portone-sdk-method"].partition(".")[2]
        return super().get_operation_id()

    def get_tags(self) -> list[str]:
        return [tag_for(self.path)]


def tag_for(path: str) -> str:
    for prefix, tag in _TAG_RULES:
        if path.startswith(prefix):
            return tag
    return FALLBACK_TAG


#: the SDK's sub-clients that hang off `client.b2b` (the rest are under `client.platform`)
B2B_CLIENTS = frozenset({"tax_invoice", "counterparty"})


def sdk_call(method: str) -> str:
    """'PolicyClient.get_platform_contracts' -> 'client.platform.policy.get_platform_contracts'."""
    owner, _, name = method.partition(".")
    base = owner.removesuffix("Client")
    attribute = re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower()
    if attribute in B2B_CLIENTS:
        return f"client.b2b.{attribute}.{name}"
    prefix = "client.platform" if attribute == "platform" else f"client.platform.{attribute}"
    return f"{prefix}.{name}"


def describe_for_integrators(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry, after add_portone_bodies: the `PortOne` security scheme on every
    API operation (so Swagger UI's Authorize sends the header), a Korean tag per area instead of
    the path's first segment, and the SDK's Korean title, description and method name."""
    components = result.setdefault("components", {})
    components["securitySchemes"] = {
        **components.get("securitySchemes", {}),
        **copy.deepcopy(SECURITY_SCHEMES),
    }
    used_tags: set[str] = set()
    for path, operations in result.get("paths", {}).items():
        tag = tag_for(path)
        if tag == FALLBACK_TAG:
            warn(f"{path}: no tag rule in core.api.openapi._TAG_RULES")
        used_tags.add(tag)
        for http_method, operation in operations.items():
            operation["tags"] = [tag]
            if path.startswith(WEBHOOK_PREFIX):
                # No API secret: PortOne signs the delivery (Standard Webhooks), which Swagger UI
                # cannot do; an empty list says so instead of offering a second Authorize box.
                operation["security"] = []
            else:
                operation["security"] = [{SECURITY_SCHEME: []}]
            method = operation.get("x-portone-sdk-method")
            sdk = portone_schemas()["bySdkMethod"].get(method) if method else None
            if sdk is None:
                own = _OWN_SUMMARIES.get(f"{http_method} {path}")
                if own:
                    operation["summary"], operation["description"] = own
                continue
            call = sdk_call(operation["x-portone-sdk-method"])
            operation["summary"] = sdk.get("summary") or _SDK_TITLES.get(
                operation["operationId"], operation["operationId"]
            )
            text = sdk.get("description", "")
            operation["description"] = f"{text}\n\nSDK: `{call}(…)`".strip()
    described = dict(TAGS)
    result["tags"] = [
        {"name": name, "description": described.get(name, "")}
        for name in [*described, FALLBACK_TAG]
        if name in used_tags
    ]
    return result
