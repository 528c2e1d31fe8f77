"""Version lookup and schedule promotion (core.versioning) on contracts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.versioning import services as versioning
from policies import services
from policies.models import ContractVersion
from tests.factories import make_contract

pytestmark = pytest.mark.django_db

KIND = services.CONTRACT


def test_terms_at_returns_the_version_in_force_at_each_moment():
    contract = make_contract("v", fee_rate=1_000)
    t1 = contract.applied_at
    versioning.entity_update(KIND, public_id="v", is_for_test=False, changes={"fee_rate": 2_000})
    t2 = ContractVersion.objects.filter(entity=contract).order_by("-applied_at").first().applied_at

    assert versioning.terms_at(KIND, contract, t1)[0]["fee_rate"] == 1_000
    assert versioning.terms_at(KIND, contract, t2 - timedelta(microseconds=1))[0]["fee_rate"] == (
        1_000
    )
    assert versioning.terms_at(KIND, contract, t2)[0]["fee_rate"] == 2_000
    # Before the contract existed, its first version is the one that applies.
    assert versioning.terms_at(KIND, contract, t1 - timedelta(days=30))[0]["fee_rate"] == 1_000


def test_a_pending_schedule_counts_for_moments_after_it():
    contract = make_contract("s", fee_rate=1_000)
    when = timezone.now() + timedelta(days=10)
    versioning.schedule_create(
        KIND, public_id="s", is_for_test=False, changes={"fee_rate": 9_000}, applied_at=when
    )
    assert versioning.terms_at(KIND, contract, when - timedelta(seconds=1))[0]["fee_rate"] == 1_000
    terms, applied_at = versioning.terms_at(KIND, contract, when + timedelta(days=1))
    assert terms["fee_rate"] == 9_000
    assert applied_at == when


def test_promote_due_applies_the_schedule_on_top_of_later_changes():
    make_contract("p", fee_rate=1_000, name="처음")
    when = timezone.now() + timedelta(hours=1)
    versioning.schedule_create(
        KIND, public_id="p", is_for_test=False, changes={"fee_rate": 5_000}, applied_at=when
    )
    versioning.entity_update(KIND, public_id="p", is_for_test=False, changes={"name": "나중"})

    assert versioning.promote_due(KIND, now=when - timedelta(seconds=1)) == 0
    assert versioning.promote_due(KIND, now=when) == 1
    assert versioning.promote_due(KIND, now=when) == 0  # idempotent

    contract = KIND.model.objects.get(public_id="p")
    assert (contract.fee_rate, contract.name, contract.applied_at) == (5_000, "나중", when)
    states = list(
        ContractVersion.objects.filter(entity=contract)
        .order_by("applied_at")
        .values_list("state", flat=True)
    )
    assert states == ["APPLIED", "APPLIED", "APPLIED"]


def test_reads_see_a_due_schedule_even_if_the_job_is_late():
    make_contract("late", fee_rate=1_000)
    version = ContractVersion.objects.create(
        entity=KIND.model.objects.get(public_id="late"),
        state="SCHEDULED",
        applied_at=timezone.now() - timedelta(minutes=5),
        changes={"fee_rate": 4_000},
    )
    contract = versioning.entity_get(KIND, public_id="late", is_for_test=False)
    assert contract.fee_rate == 4_000
    version.refresh_from_db()
    assert version.state == "APPLIED"


def test_archived_entities_cannot_be_referenced():
    contract = make_contract("gone")
    versioning.entity_archive(KIND, public_id="gone", is_for_test=False)
    with pytest.raises(DomainError) as exc:
        versioning.entity_get_usable(KIND, public_id="gone", is_for_test=False)
    assert exc.value.code == "PLATFORM_CONTRACT_NOT_FOUND"
    versioning.entity_recover(KIND, public_id="gone", is_for_test=False)
    assert versioning.entity_get_usable(KIND, public_id="gone", is_for_test=False) == contract


def test_scheduled_task_promotes_all_kinds():
    from policies.tasks import promote_due_versions

    make_contract("t", fee_rate=1_000)
    ContractVersion.objects.create(
        entity=KIND.model.objects.get(public_id="t"),
        state="SCHEDULED",
        applied_at=timezone.now() - timedelta(seconds=1),
        changes={"fee_rate": 3_000},
    )
    assert promote_due_versions() == 1
