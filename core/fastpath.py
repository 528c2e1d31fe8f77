"""A compiled copy of a DRF serializer's *accepting* path, for files of 10^5 rows.

`compile_serializer(serializer)` reads the serializer's own field objects (their types,
`required`, `allow_blank`, `trim_whitespace`, choices, input formats and validator objects) and
returns a function that gives exactly what `serializer.run_validation(data)` gives for data it
can vouch for, and raises `Unsure` for anything else. The caller then runs the real serializer on
that input, which accepts or rejects it with its own messages:

    try:
        data = fast(body)
    except Unsure:
        data = serializer.run_validation(body)   # the API's errors, word for word

So the serializer stays the one definition of the rules. This module must not produce an error
message or refuse a value on its own, and nothing in it is written for a particular field: a
field or validator kind it does not know is run through the field's or validator's own code, and
a serializer with hooks it cannot see through (`validate()`, `validate_<field>()`, serializer
validators, `source=`, defaults) is run whole. tests/core/test_fastpath.py runs both over the
same good and bad inputs.

Why: DRF spends ~120 µs on a partner row (nested `run_validation` calls, a generator per string
for surrogate characters, error lists built for every field); this path takes ~10 µs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import (
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
)
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from core.inputs import OneOf

Validator = Callable[[Any], Any]

_MISSING = object()
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FAILURES = (serializers.ValidationError, DjangoValidationError)


class Unsure(Exception):
    """The fast path cannot vouch for this input: run the serializer itself."""


def compile_serializer(serializer: serializers.Serializer) -> Validator:
    """`data -> validated data` as `serializer.run_validation(data)` returns it, or `Unsure`."""
    if getattr(serializer.root, "partial", False):
        return _whole(serializer)
    return _present(serializer)


# --- building blocks -----------------------------------------------------------------------------


def _whole(field: serializers.Field) -> Validator:
    """The field's own `run_validation`; any refusal becomes `Unsure`."""
    run = field.run_validation

    def validate(value: Any) -> Any:
        try:
            return run(value)
        except _FAILURES as exc:
            raise Unsure from exc

    return validate


def _present(field: serializers.Field) -> Validator:
    """A validator for a value that is present and not None (the parent handles those)."""
    kind = type(field)
    if isinstance(field, serializers.Serializer):
        return _serializer(field) if _plain_serializer(field) else _whole(field)
    if kind in (serializers.CharField, serializers.EmailField, serializers.RegexField):
        return _char(field)
    if kind is serializers.ChoiceField:
        return _choice(field)
    if kind is serializers.DateField:
        return _date(field)
    if kind is serializers.ListField:
        return _list(field)
    if kind is OneOf:
        return _one_of(field)
    return _whole(field)


def _plain_serializer(serializer: serializers.Serializer) -> bool:
    """No hook that the compiled loop would skip: its own run_validation, to_internal_value or
    validate(), serializer-level validators, `validate_<field>()`, `source=`, or a default."""
    cls, base = type(serializer), serializers.Serializer
    if (
        cls.run_validation is not base.run_validation
        or cls.to_internal_value is not base.to_internal_value
        or cls.validate is not base.validate
        or serializer.validators
    ):
        return False
    return all(
        field.source_attrs == [field.field_name]
        and not hasattr(serializer, f"validate_{field.field_name}")
        and (field.required or field.default is empty)
        for field in serializer._writable_fields
    )


def _checks(field: serializers.Field) -> Validator:
    """The field's validators as one call that raises `Unsure`.

    The four that every CharField carries (max/min length, no NUL, no surrogates) become a
    length test and one regex search; any other validator object is called as DRF calls it.
    """
    longest = shortest = None
    forbidden = ""
    others: list[Validator] = []
    for validator in field.validators:
        kind = type(validator)
        limit = getattr(validator, "limit_value", None)
        if kind is MaxLengthValidator and type(limit) is int:
            longest = limit if longest is None else min(longest, limit)
        elif kind is MinLengthValidator and type(limit) is int:
            shortest = limit if shortest is None else max(shortest, limit)
        elif kind is ProhibitNullCharactersValidator:
            forbidden += "\x00"
        elif kind is ProhibitSurrogateCharactersValidator:
            forbidden += "\ud800-\udfff"
        elif getattr(validator, "requires_context", False):
            others.append(lambda v, check=validator: check(v, field))
        else:
            others.append(validator)
    pattern = re.compile(f"[{forbidden}]") if forbidden else None
    rest = tuple(others)

    def check(value: Any) -> None:
        if longest is not None and len(value) > longest:
            raise Unsure
        if shortest is not None and len(value) < shortest:
            raise Unsure
        if pattern is not None and pattern.search(str(value)):
            raise Unsure
        for other in rest:
            try:
                other(value)
            except _FAILURES as exc:
                raise Unsure from exc

    return check


# --- field kinds ---------------------------------------------------------------------------------


def _char(field: serializers.CharField) -> Validator:
    allow_blank, trim = field.allow_blank, field.trim_whitespace
    check = _checks(field)

    def validate(value: Any) -> Any:
        if type(value) is not str:  # DRF also takes int/float: left to it
            raise Unsure
        stripped = value.strip() if trim else value
        if value == "" or (trim and stripped == ""):
            if allow_blank:
                return ""
            raise Unsure
        check(stripped)
        return stripped

    return validate


def _choice(field: serializers.ChoiceField) -> Validator:
    allow_blank, lookup = field.allow_blank, field.choice_strings_to_values
    check = _checks(field)

    def validate(value: Any) -> Any:
        if type(value) is not str:
            raise Unsure
        if value == "" and allow_blank:
            result = ""
        else:
            result = lookup.get(value, _MISSING)
            if result is _MISSING:
                raise Unsure
        check(result)
        return result

    return validate


def _date(field: serializers.DateField) -> Validator:
    """Only the format `%Y-%m-%d` with ASCII digits is parsed here; for those strings
    `strptime` and `date()` agree. Any other spelling goes through DateField itself."""
    formats = getattr(field, "input_formats", api_settings.DATE_INPUT_FORMATS)
    if list(formats) != ["%Y-%m-%d"]:
        return _whole(field)
    check = _checks(field)

    def validate(value: Any) -> Any:
        if type(value) is not str or not _ISO_DATE.fullmatch(value):
            raise Unsure
        try:
            result = date(int(value[:4]), int(value[5:7]), int(value[8:]))
        except ValueError as exc:
            raise Unsure from exc
        check(result)
        return result

    return validate


def _list(field: serializers.ListField) -> Validator:
    allow_empty = field.allow_empty
    child = _present(field.child)
    check = _checks(field)

    def validate(value: Any) -> Any:
        if type(value) is not list or (not allow_empty and not value):
            raise Unsure
        result = []
        for item in value:
            if item is None:
                raise Unsure
            result.append(child(item))
        check(result)
        return result

    return validate


def _one_of(field: OneOf) -> Validator:
    """`{"key": value}` with exactly one key among the choices -> (key, validated value)."""
    choices = {key: _present(choice) for key, choice in field.choices.items()}
    check = _checks(field)

    def validate(value: Any) -> Any:
        if type(value) is not dict or len(value) != 1:
            raise Unsure
        ((key, inner),) = value.items()
        choice = choices.get(key)
        if choice is None or inner is None:
            raise Unsure
        result = (key, choice(inner))
        check(result)
        return result

    return validate


def _serializer(serializer: serializers.Serializer) -> Validator:
    """Serializer.to_internal_value without the error bookkeeping: every writable field in
    declaration order; an absent optional field is left out (it has no default, see
    `_plain_serializer`); an absent required field or a null is left to the serializer."""
    steps = tuple(
        (field.field_name, field.required, _present(field)) for field in serializer._writable_fields
    )

    def validate(value: Any) -> Any:
        if type(value) is not dict:
            raise Unsure
        result = {}
        for name, required, present in steps:
            item = value.get(name, _MISSING)
            if item is _MISSING:
                if required:
                    raise Unsure
                continue
            if item is None:
                raise Unsure
            result[name] = present(item)
        return result

    return validate
