"""Bulk-path helpers (core.perf)."""

import pytest
from django.utils import timezone

from core.perf import instance_factory
from partners.models import AccountStatus, Partner


def field_values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_instance_factory_builds_what_the_model_constructor_builds():
    now = timezone.now()
    values = {
        "public_id": "p-1",
        "is_for_test": True,
        "applied_at": now,
        "name": "가나다",
        "tags": ["패션"],
        "default_contract_id": 7,
        "account_number": "110123456789",
        "account_status": AccountStatus.VERIFIED,
    }
    build = instance_factory(Partner)

    built, expected = build(**values), Partner(**values)

    assert field_values(built) == field_values(expected)
    assert built.status == "APPROVED", "model defaults are filled in"
    assert built.memo is None
    assert built.user_defined_properties == {}
    assert built.pk is None
    assert built._state.adding is True
    assert built._state.db is None


def test_instance_factory_calls_callable_defaults_for_each_instance():
    build = instance_factory(Partner)

    first, second = build(name="a"), build(name="b")

    assert first.tags == second.tags == []
    assert first.tags is not second.tags, "no list shared between instances"
    assert first.user_defined_properties is not second.user_defined_properties
    assert first.applied_at is not None


def test_instance_factory_refuses_unknown_names():
    with pytest.raises(TypeError, match="default_contract"):
        instance_factory(Partner)(default_contract=None)
