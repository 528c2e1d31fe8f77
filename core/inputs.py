"""Building blocks of input schemas: the SDK's input unions, page input, integer bounds.

Input schemas (`<app>/inputs.py`) are DRF serializers with the SDK's camelCase field names. Every
entry point validates through them — the API, spreadsheet rows (`<app>/files/`), the admin's
single adds — so a value is accepted or refused with the same words wherever it comes from.
Nothing here knows a domain.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

DEFAULT_PAGE_SIZE = 20  # docs/api.md, "Lists"
MAX_PAGE_SIZE = 1000

INT64 = {"min_value": -(2**63), "max_value": 2**63 - 1}
NON_NEGATIVE = {"min_value": 0, "max_value": 2**63 - 1}


def string_list() -> serializers.ListField:
    """An optional list of strings (ids, tags, keys) in a filter."""
    return serializers.ListField(child=serializers.CharField(), required=False)


def choice_list(choices) -> serializers.ListField:
    """An optional list of enum values in a filter (statuses, types, ...)."""
    return serializers.ListField(child=serializers.ChoiceField(choices=choices), required=False)


class PageInput(serializers.Serializer):
    number = serializers.IntegerField(min_value=0, required=False, default=0)
    size = serializers.IntegerField(
        min_value=1, max_value=MAX_PAGE_SIZE, required=False, default=DEFAULT_PAGE_SIZE
    )


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


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
