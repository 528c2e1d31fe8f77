"""Shared pieces of the PortOne-compatible HTTP API: test mode, list parameters, paging, ids,
camelCase output without nulls, and "exactly one key" input unions.

Endpoint modules (`<app>/api.py`) build on these; nothing here knows about a domain.
"""

import base64
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.views import APIView

from core.errors import invalid_request

DEFAULT_PAGE_SIZE = 20  # domain.md §12.23
MAX_PAGE_SIZE = 1000

# graphqlId type codes: observed in PortOne's docs (2..6) and ours (7..14), domain.md §1, §12.30.
GRAPHQL_TYPE = {
    "discount_share_policy": 2,
    "additional_fee_policy": 3,
    "partner": 4,
    "contract": 5,
    "transfer": 6,
    "partner_settlement": 7,
    "payout": 8,
    "bulk_payout": 9,
    "account_transfer": 10,
    "bulk_account_transfer": 11,
    "bulk_task": 12,
    "counterparty": 13,
    "bulk_tax_invoice": 14,
}


def graphql_id(kind: str, id_: str) -> str:
    return base64.b64encode(f"{GRAPHQL_TYPE[kind]}:{id_}".encode()).decode()


def rfc3339(value: datetime) -> str:
    """Instants go out in UTC with milliseconds, e.g. 2026-11-23T00:26:08.818Z."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_bool(raw: str, name: str) -> bool:
    lowered = raw.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise invalid_request(f"{name}: true 또는 false 여야 합니다.")


def is_for_test(request, body: dict | None = None) -> bool:
    """Query `test` wins over body `isForTest`, which wins over false (PortOne 2025-10-02 notes)."""
    raw = request.query_params.get("test")
    if raw is not None and raw != "":
        return parse_bool(raw, "test")
    if body and isinstance(body.get("isForTest"), bool):
        return body["isForTest"]
    return False


def request_body(request) -> dict:
    """GET list endpoints carry their input as JSON in the `requestBody` query parameter."""
    raw = request.query_params.get("requestBody")
    if raw is None or raw == "":
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise invalid_request(f"requestBody: JSON 형식이 아닙니다 ({exc.msg}).") from exc
    if not isinstance(value, dict):
        raise invalid_request("requestBody: JSON 객체여야 합니다.")
    return value


def body_dict(request) -> dict:
    data = request.data
    if data is None or data == {}:
        return {}
    if not isinstance(data, dict):
        raise invalid_request("요청 본문은 JSON 객체여야 합니다.")
    return data


class PageInput(serializers.Serializer):
    number = serializers.IntegerField(min_value=0, required=False, default=0)
    size = serializers.IntegerField(
        min_value=1, max_value=MAX_PAGE_SIZE, required=False, default=DEFAULT_PAGE_SIZE
    )


def paginate(queryset: QuerySet, page: dict | None) -> tuple[list, dict]:
    page = page or {}
    number, size = page.get("number", 0), page.get("size", DEFAULT_PAGE_SIZE)
    total = queryset.count()
    items = list(queryset[number * size : (number + 1) * size])
    return items, {"number": number, "size": size, "totalCount": total}


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def drop_none(value: Any) -> Any:
    """The SDK rejects `null`: optional fields without a value are omitted."""
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_none(v) for v in value]
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class OneOf(serializers.Field):
    """An input union written as an object with exactly one key, e.g. `{"fixedRate": 3500}`.

    `choices` maps each key to the field that validates its value. Validated value:
    `(key, validated_value)`.
    """

    def __init__(self, choices: dict[str, serializers.Field], **kwargs):
        self.choices = choices
        super().__init__(**kwargs)
        for key, field in choices.items():
            field.bind(key, self)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                f"{' | '.join(self.choices)} 중 정확히 하나의 키를 가진 객체여야 합니다."
            )
        keys = [k for k in data if k in self.choices]
        if len(keys) != 1 or len(data) != 1:
            raise serializers.ValidationError(
                f"{' | '.join(self.choices)} 중 정확히 하나의 키가 필요합니다 "
                f"(받은 키: {list(data) or '없음'})."
            )
        key = keys[0]
        field = self.choices[key]
        try:
            value = field.run_validation(data[key])
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({key: exc.detail}) from exc
        return key, value

    def to_representation(self, value):
        key, inner = value
        return {key: inner}


class EmptyObject(serializers.Serializer):
    """`{}` as the value of a union member without parameters, e.g. `{"daily": {}}`."""


def unique_list(values: Iterable) -> list:
    return list(dict.fromkeys(values))


class PortOneApiView(APIView):
    """Base for every integrator endpoint: PortOne auth, PortOne errors, JSON only."""

    def get_exception_handler(self):
        from core.errors import exception_handler

        return exception_handler
