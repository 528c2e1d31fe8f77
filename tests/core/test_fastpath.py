"""The compiled accepting path (core.fastpath) against the serializer it is compiled from.

The one property that matters: whatever the fast path accepts, the serializer accepts with the
same validated data. (What it declines goes to the serializer, so declining is always safe; the
good rows must still be accepted, or the fast path buys nothing.)
"""

import copy
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from core.fastpath import Unsure, compile_serializer
from partners.inputs import PartnerCreateInput

BUSINESS = {
    "id": "biz-1",
    "name": "가나다 상점",
    "contact": {"name": "김담당", "email": "owner@example.com", "phoneNumber": "010-1234-5678"},
    "account": {
        "bank": "KOOKMIN",
        "currency": "KRW",
        "number": "110-123-456789",
        "holder": "주식회사 가나다",
    },
    "defaultContractId": "c-1",
    "memo": "메모",
    "tags": ["패션", "신규"],
    "type": {
        "business": {
            "companyName": "주식회사 가나다",
            "businessRegistrationNumber": "120-81-47521",
            "representativeName": "김대표",
            "taxationType": "SIMPLE",
            "companyAddress": "서울특별시 중구 세종대로 110",
            "businessType": "도소매",
            "businessClass": "전자상거래",
        }
    },
}
PERSON = {
    "name": " 이작가 ",
    "contact": {"name": "이작가", "email": "writer@example.com"},
    "account": {"bank": "SHINHAN", "currency": "KRW", "number": "110987654321", "holder": "이"},
    "defaultContractId": "c-1",
    "tags": [],
    "type": {"whtPayer": {"birthdate": "1990-01-02"}},
}
OTHER = {**PERSON, "type": {"nonWhtPayer": {}}, "userDefinedProperties": {"grade": {"string": "A"}}}
GOOD = [BUSINESS, PERSON, OTHER]

#: values that test every branch of the field kinds the fast path compiles
ODD_VALUES = [
    None,
    "",
    "   ",
    " padded ",
    "x" * 100,
    "x" * 101,
    "x" * 201,
    "a\x00b",
    "a\ud800b",
    0,
    12.5,
    True,
    [],
    ["a", None],
    ["a", "a"],
    ["x" * 101],
    {},
    {"business": {}},
    {"whtPayer": {}, "nonWhtPayer": {}},
    {"whtPayer": None},
    {"unknown": {}},
    "a,b",
    "KOOKMIN",
    "kookmin",
    "NORMAL",
    "1990-01-02",
    "1990-1-2",
    "1990-02-30",
    "0000-01-01",
    "١٩٩٠-01-02",
    "1990-01-02T00:00:00",
    date(1990, 1, 2),
    "a@b",
    "a@localhost",
    "x@[127.0.0.1]",
    "한글@example.com",
    "owner@example.com ",
    "120-81-47522",
    "1208147521",
    "110-123",
    "110-123-456789-0000000000000000000",
]


def paths(value, prefix=()):
    """Every key path inside a nested body."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*prefix, key)
            yield from paths(inner, (*prefix, key))


def replaced(body, path, value):
    out = copy.deepcopy(body)
    target = out
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


def serializer_result(serializer, body):
    try:
        return True, serializer.run_validation(copy.deepcopy(body))
    except serializers.ValidationError:
        return False, None


def assert_sound(fast, serializer, body) -> bool:
    """True when the fast path accepted; then the serializer must agree exactly."""
    try:
        data = fast(copy.deepcopy(body))
    except Unsure:
        return False
    ok, expected = serializer_result(serializer, body)
    assert ok, f"fast path accepted what the serializer refuses: {body!r}"
    assert data == expected
    return True


@pytest.fixture(scope="module")
def compiled():
    serializer = PartnerCreateInput()
    return serializer, compile_serializer(serializer)


def test_fast_path_accepts_good_rows_with_the_serializers_data(compiled):
    serializer, fast = compiled
    for body in GOOD:
        assert assert_sound(fast, serializer, body)
    data = fast(copy.deepcopy(PERSON))
    assert data["name"] == "이작가", "CharField strips whitespace"
    assert data["type"] == ("whtPayer", {"birthdate": date(1990, 1, 2)})
    assert data["account"]["number"] == "110987654321"
    assert "memo" not in data, "absent optional fields stay absent"


def test_fast_path_never_accepts_what_the_serializer_refuses(compiled):
    serializer, fast = compiled
    accepted = refused_by_both = 0
    for base in GOOD:
        for path in list(paths(base)):
            for value in [KeyError, *ODD_VALUES]:
                body = replaced(base, path, value)
                if assert_sound(fast, serializer, body):
                    accepted += 1
                elif not serializer_result(serializer, body)[0]:
                    refused_by_both += 1
        for extra in ({"unknownKey": 1}, {"isForTest": True}):
            assert assert_sound(fast, serializer, {**base, **extra}), "unknown keys are ignored"
    # both kinds happen, so the comparison above is not vacuous
    assert accepted > 400
    assert refused_by_both > 1000


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from(GOOD),
    data=st.data(),
    value=st.one_of(
        st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=120),
        st.integers(),
        st.none(),
        st.booleans(),
        st.lists(st.text(max_size=5), max_size=3),
        st.dictionaries(st.sampled_from(["business", "whtPayer", "x"]), st.just({}), max_size=2),
    ),
)
def test_fast_path_agrees_with_the_serializer_on_random_values(compiled, base, data, value):
    serializer, fast = compiled
    path = data.draw(st.sampled_from(list(paths(base))))
    assert_sound(fast, serializer, replaced(base, path, value))


class Hooked(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    code = serializers.CharField(required=False, default="기본")

    def validate_name(self, value):
        if value == "nope":
            raise serializers.ValidationError("싫어요")
        return value.upper()


class Nested(serializers.Serializer):
    inner = Hooked()
    when = serializers.DateField(input_formats=["%d.%m.%Y"])
    count = serializers.IntegerField(min_value=1)


@pytest.mark.parametrize(
    "body",
    [
        {"inner": {"name": "ok"}, "when": "02.01.1990", "count": 3},
        {"inner": {"name": "ok", "code": "c"}, "when": "02.01.1990", "count": "3"},
        {"inner": {"name": "nope"}, "when": "02.01.1990", "count": 3},
        {"inner": {"name": "ok"}, "when": "1990-01-02", "count": 3},
        {"inner": {"name": "ok"}, "when": "02.01.1990", "count": 0},
    ],
)
def test_hooks_and_unknown_fields_run_through_drf_itself(body):
    serializer = Nested()
    fast = compile_serializer(serializer)
    ok, expected = serializer_result(serializer, body)
    if ok:
        assert fast(copy.deepcopy(body)) == expected
        assert expected["inner"]["name"] == "OK", "validate_name ran"
    else:
        with pytest.raises(Unsure):
            fast(copy.deepcopy(body))


def test_a_partial_serializer_is_run_whole():
    serializer = Hooked(partial=True)
    fast = compile_serializer(serializer)

    assert fast({}) == {}
    with pytest.raises(Unsure):
        fast({"name": "toolong"})
