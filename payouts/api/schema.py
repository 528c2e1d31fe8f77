"""OpenAPI bodies of our extension endpoints (bulk-payout creation and actions, the payout
account): the SDK knows none of them, so core.api.openapi.add_portone_bodies leaves them as
drf-spectacular documents them, and drf-spectacular documents them from these classes.

Each class is a component with its JSON schema written out; objects the SDK defines
(PlatformBulkPayout, PlatformPartnerSettlementFilterInput, PlatformDepositAccountTransfer) are
referenced, not copied, so there is one definition of each (merged from the SDK by
add_portone_bodies, which the SDK reads served here pull in).
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

REF = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _string(description: str, **more: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **more}


def _int64(description: str, **more: Any) -> dict[str, Any]:
    return {"type": "integer", "format": "int64", "description": description, **more}


IS_FOR_TEST = {
    "type": "boolean",
    "description": "테스트 모드 여부 (쿼리 파라미터 `test`가 있으면 그것을 따릅니다)",
}


class SchemaComponent(serializers.Serializer):
    """A documented body whose JSON schema is `schema` (not derived from fields). Its component
    is named after the class; drf-spectacular adds "Request" to request bodies
    (COMPONENT_SPLIT_REQUEST)."""

    schema: ClassVar[dict[str, Any]] = {}


class SchemaComponentExtension(OpenApiSerializerExtension):
    target_class = SchemaComponent
    match_subclasses = True

    def _cls(self) -> type:
        return self.target if isinstance(self.target, type) else type(self.target)

    def get_name(self, auto_schema, direction):
        return self._cls().__name__

    def map_serializer(self, auto_schema, direction):
        return copy.deepcopy(self._cls().schema)


class CreatePlatformBulkPayout(SchemaComponent):
    schema = {
        "type": "object",
        "description": "일괄 지급 생성 입력 정보. `partnerSettlementIds`와 `filter` 중 정확히 "
        "하나를 보냅니다.",
        "required": ["name"],
        "properties": {
            "id": _string("일괄 지급 아이디 (없으면 생성됩니다)", maxLength=89),
            "name": _string("일괄 지급 이름", maxLength=200),
            "method": {
                **ref("PlatformPayoutMethod"),
                "description": "지급 방식 (기본 AGENCY: 송금대행)",
            },
            "partnerSettlementIds": {
                "type": "array",
                "items": {"type": "string"},
                "description": "지급할 정산 내역 아이디",
            },
            "filter": {
                **ref("PlatformPartnerSettlementFilterInput"),
                "description": "지급할 정산 내역의 조건 (정산 내역 목록의 필터). 지급 가능한 상태"
                "(PAYOUT_PREPARED, PAYOUT_FAILED)의 정산 내역만 선택됩니다.",
            },
            "memo": _string("내부 메모", maxLength=256),
            "withdrawalMemo": _string("보내는 통장 메모", maxLength=100),
            "depositMemo": _string("받는 통장 메모", maxLength=100),
            "isForTest": IS_FOR_TEST,
        },
    }


class StartPlatformBulkPayout(SchemaComponent):
    schema = {
        "type": "object",
        "description": "일괄 지급 시작 입력 정보. `scheduledAt`이 있으면 그 시각에 시작하도록 "
        "예약합니다 (10분 단위, 22:50–01:00 은행 점검 시간 제외).",
        "properties": {
            "scheduledAt": _string("예약 시각 (RFC 3339)", format="date-time"),
            "isForTest": IS_FOR_TEST,
        },
    }


class PlatformBulkPayoutAction(SchemaComponent):
    schema = {
        "type": "object",
        "description": "승인·취소·중단 입력 정보 (비어 있음)",
        "properties": {"isForTest": IS_FOR_TEST},
    }


class PlatformBulkPayoutResponse(SchemaComponent):
    schema = {
        "type": "object",
        "description": "일괄 지급 생성·시작·승인·취소·중단 성공 응답",
        "required": ["bulkPayout"],
        "properties": {"bulkPayout": ref("PlatformBulkPayout")},
    }


class PlatformPayoutAccountBalance(SchemaComponent):
    schema = {
        "type": "object",
        "description": "지급 계좌와 잔액",
        "required": ["bankAccountId", "bank", "accountNumber", "holder", "currency", "balance"],
        "properties": {
            "bankAccountId": _string("지급 계좌 아이디"),
            "bank": ref("Bank"),
            "accountNumber": _string("계좌번호"),
            "holder": _string("예금주"),
            "currency": ref("Currency"),
            "balance": _int64("잔액 (성공한 입금 − 성공한 출금)"),
        },
    }


class CreatePlatformPayoutAccountDeposit(SchemaComponent):
    schema = {
        "type": "object",
        "description": "지급 계좌 입금(충전) 기록 입력 정보",
        "required": ["amount", "depositorName"],
        "properties": {
            "amount": _int64("입금액 (원)", minimum=1),
            "depositorName": _string("입금자명", maxLength=100),
            "depositMemo": _string("받는 통장 메모", maxLength=100),
            "tradedAt": _string("거래 일시 (RFC 3339, 없으면 지금)", format="date-time"),
            "isForTest": IS_FOR_TEST,
        },
    }


class CreatePlatformPayoutAccountDepositResponse(SchemaComponent):
    schema = {
        "type": "object",
        "description": "입금 기록 성공 응답: SUCCEEDED인 DEPOSIT 이체 내역",
        "required": ["accountTransfer"],
        "properties": {"accountTransfer": ref("PlatformDepositAccountTransfer")},
    }
